/** Small zod building blocks shared by request schemas. */
import { z } from "zod";
import { unsafeCharacterProblem } from "./characters";
import { MAX_DESCRIPTION_LENGTH, MAX_NAME_LENGTH } from "./limits";

export const id = (field: string) => z.string({ error: `${field} is required` }).trim().min(1, `${field} is required`);

/** Infisical accepts only the literal strings "true" and "false" for boolean query parameters. */
export const booleanString = (field: string) =>
  z.enum(["true", "false"], { error: `${field} must be "true" or "false"` }).transform((v) => v === "true");

export const description = z
  .string()
  .trim()
  .max(MAX_DESCRIPTION_LENGTH, `Description cannot exceed ${MAX_DESCRIPTION_LENGTH} characters`)
  .nullish();

export const isoDateTime = (field: string) => z.iso.datetime({ error: `${field} must be an ISO-8601 date-time`, offset: true });

/** A refinement adding `problem(value)` as an issue when it is not null. */
export const refuse =
  (problem: (value: string) => string | null) =>
  (value: string, ctx: z.RefinementCtx): void => {
    const message = problem(value);
    if (message) ctx.addIssue({ code: "custom", message });
  };

/**
 * A display name (project, environment, identity, token, endpoint): trimmed, required, at most MAX_NAME_LENGTH
 * characters (checked first: nothing else scans a longer one) and free of control and bidi characters.
 */
export const displayName = (field: string, requiredMessage = `${field} is required`) =>
  z
    .string({ error: requiredMessage })
    .trim()
    .min(1, requiredMessage)
    .max(MAX_NAME_LENGTH, { message: `${field} must be at most ${MAX_NAME_LENGTH} characters`, abort: true })
    .superRefine(refuse((name) => unsafeCharacterProblem(field, name)));
