/**
 * Folder paths and environment slugs as request fields: paths normalised as a validation step, so a refused path is a
 * validation issue naming the reason. Shared by every request that names a place in the store.
 */
import { z } from "zod";
import { MAX_ENVIRONMENT_SLUG_LENGTH } from "../lib/limits";
import { InvalidPathError, normalizePath } from "./paths";

/** `normalizePath` as a zod transform: a refused path becomes a validation issue carrying the reason. */
export function normalizedOrIssue(raw: string | undefined, ctx: z.RefinementCtx): string {
  try {
    return normalizePath(raw);
  } catch (err) {
    if (!(err instanceof InvalidPathError)) throw err;
    ctx.addIssue({ code: "custom", message: err.message });
    return z.NEVER;
  }
}

/**
 * A path field: normalised ("/" default, one trailing "/" dropped); over MAX_PATH_LENGTH characters or
 * MAX_PATH_DEPTH levels, traversal, empty segments, bad names and control characters → 422.
 */
export const pathField = z.string({ error: "path must be a string" }).optional().transform(normalizedOrIssue);

/** A required folder path, normalised; traversal and bad folder names become validation issues. */
export const requiredPathField = (field: string) => z.string({ error: `${field} is required` }).transform(normalizedOrIssue);

/** A path that may be omitted to mean "the request's default" (per-item paths in batches). */
export const optionalPathField = z
  .string({ error: "path must be a string" })
  .optional()
  .transform((raw, ctx) => (raw === undefined ? undefined : normalizedOrIssue(raw, ctx)));

/** An environment slug naming where to act (created environments' slugs are at most MAX_ENVIRONMENT_SLUG_LENGTH). */
export const environmentField = z
  .string({ error: "environment is required" })
  .trim()
  .min(1, "environment is required")
  .max(MAX_ENVIRONMENT_SLUG_LENGTH, `environment must be at most ${MAX_ENVIRONMENT_SLUG_LENGTH} characters`);
