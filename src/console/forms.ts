/** Reading console form posts and turning validation failures into per-field messages. */
import type { ConsoleContext } from "./context";
import type { FieldErrors } from "./ui/components";

/** The form's text fields (file uploads are not part of any console form). */
export async function readForm(c: ConsoleContext): Promise<Record<string, string>> {
  const body = await c.req.parseBody();
  return Object.fromEntries(Object.entries(body).flatMap(([key, value]) => (typeof value === "string" && key !== "_csrf" ? [[key, value]] : [])));
}

export interface Issue {
  path: readonly PropertyKey[];
  message: string;
}

/** The first message per field; `fieldOf` maps an issue path to the form field that shows it. */
export function fieldErrors(issues: readonly Issue[], fieldOf: (path: readonly PropertyKey[]) => string = (path) => String(path[0] ?? "form")): FieldErrors {
  const errors: FieldErrors = {};
  for (const issue of issues) errors[fieldOf(issue.path)] ??= issue.message;
  return errors;
}
