/**
 * A connection's destination allowlist as the console's form holds it: a "restrict" checkbox and one destination per
 * line, `organization`, `organization/project` or `organization/project/environment` (Qovery ids). The API's schema
 * validates what the lines say; this module only translates between the two.
 */
import { allowedDestinationsSchema, MAX_ALLOWED_DESTINATIONS, type AllowedDestination } from "../connections/allowed-destinations";

export const ALLOWLIST_HINT =
  "One Qovery destination per line: an organization id (all its projects), " +
  "organization-id/project-id (the project and its environments), " +
  `or organization-id/project-id/environment-id (that environment only). At most ${MAX_ALLOWED_DESTINATIONS} lines.`;

const LINE_FORMAT = "write organization-id, organization-id/project-id or organization-id/project-id/environment-id";

const idsOf = (entry: AllowedDestination) => [entry.organizationId, entry.projectId, entry.environmentId].filter((id) => id !== undefined);

export function allowedDestinationsText(list: readonly AllowedDestination[] | null): string {
  return (list ?? []).map((entry) => idsOf(entry).join("/")).join("\n");
}

export type ParsedAllowlist = { ok: true; value: AllowedDestination[] | null } | { ok: false; error: string };

/** Unchecked "restrict" lifts the restriction whatever the lines say; checked with no lines allows nothing. */
export function parseAllowlistForm(restrict: boolean, text: string): ParsedAllowlist {
  if (!restrict) return { ok: true, value: null };
  const lines = text
    .split(/\r?\n/)
    .map((line, i) => ({ line: line.trim(), number: i + 1 }))
    .filter(({ line }) => line !== "");
  if (lines.length > MAX_ALLOWED_DESTINATIONS) {
    return { ok: false, error: `At most ${MAX_ALLOWED_DESTINATIONS} destinations are allowed (${lines.length} lines given)` };
  }
  const entries: AllowedDestination[] = [];
  for (const { line, number } of lines) {
    const ids = line.split("/").map((id) => id.trim());
    if (ids.length > 3 || ids.some((id) => id === "")) {
      return { ok: false, error: `Line ${number}: ${LINE_FORMAT}` };
    }
    const [organizationId, projectId, environmentId] = ids as [string, string?, string?];
    entries.push({ organizationId, ...(projectId ? { projectId } : {}), ...(environmentId ? { environmentId } : {}) });
  }
  const parsed = allowedDestinationsSchema.safeParse(entries);
  if (parsed.success) return { ok: true, value: parsed.data };
  const issue = parsed.error.issues[0]!;
  const index = typeof issue.path[0] === "number" ? issue.path[0] : undefined;
  return { ok: false, error: index === undefined ? issue.message : `Line ${lines[index]!.number}: ${issue.message}` };
}
