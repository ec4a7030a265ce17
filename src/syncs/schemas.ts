/**
 * Request schemas of the Qovery secret-sync API, Infisical's contract plus the product document's spellings:
 * `isEnabled` and `syncOptions.autoSyncEnabled` (the seed) are accepted next to `isAutoSyncEnabled` (Infisical).
 */
import { z } from "zod";
import { description, id, refuse } from "../lib/schemas";
import { normalizedOrIssue } from "../store/path-fields";
import { MAX_ENVIRONMENT_SLUG_LENGTH, MAX_SYNC_NAME_LENGTH } from "../lib/limits";
import { slugSchema } from "../lib/slug";
import { keySchemaSyntaxProblem } from "./key-schema";

const requiredText = (message: string) => z.string({ error: message }).trim().min(1, message);

export const syncName = z
  .string({ error: "name is required" })
  .trim()
  .min(1, "name field must be at least 1 lowercase character")
  .max(MAX_SYNC_NAME_LENGTH, { message: `name field must be at most ${MAX_SYNC_NAME_LENGTH} characters`, abort: true })
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, "name field can only contain lowercase letters, numbers, and hyphens");

/** Required (an empty path is Infisical's "Secret path required"), then normalised like every other path. */
const secretPath = z.string({ error: "Secret path required" }).trim().min(1, "Secret path required").transform(normalizedOrIssue);

export const destinationConfigSchema = z.object({
  organizationId: requiredText("Organization required"),
  organizationName: z.string().trim().optional(),
  projectId: requiredText("Project required"),
  projectName: z.string().trim().optional(),
  environmentId: z
    .string()
    .trim()
    .optional()
    .transform((v) => v || undefined),
  environmentName: z.string().trim().optional(),
  variableType: z.enum(["secret", "variable"], { error: 'variableType must be "secret" or "variable"' }).default("secret"),
});

/** `keySchemaSyntaxProblem` checks the length before anything else scans the schema. */
const keySchema = z
  .string()
  .trim()
  .optional()
  .transform((v) => v || undefined)
  .superRefine((value, ctx) => {
    if (value !== undefined) refuse(keySchemaSyntaxProblem)(value, ctx);
  });

export const syncOptionsSchema = z.object({
  initialSyncBehavior: z.literal("overwrite-destination", {
    error:
      'initialSyncBehavior must be "overwrite-destination": Qovery never returns secret values, so importing from Qovery is impossible and overwrite is the only supported initial sync behavior',
  }),
  keySchema,
  disableSecretDeletion: z.boolean({ error: "disableSecretDeletion must be a boolean" }).optional(),
  autoSyncEnabled: z.boolean({ error: "autoSyncEnabled must be a boolean" }).optional(),
});

const flag = (field: string) => z.boolean({ error: `${field} must be a boolean` }).optional();

export const createSyncBody = z.object({
  name: syncName,
  projectId: id("projectId"),
  description,
  connectionId: id("connectionId"),
  environment: slugSchema("environment", 1, MAX_ENVIRONMENT_SLUG_LENGTH),
  secretPath,
  isEnabled: flag("isEnabled"),
  isAutoSyncEnabled: flag("isAutoSyncEnabled"),
  syncOptions: syncOptionsSchema,
  destinationConfig: destinationConfigSchema,
});

export const updateSyncBody = z.object({
  name: syncName.optional(),
  description,
  connectionId: id("connectionId").optional(),
  environment: slugSchema("environment", 1, MAX_ENVIRONMENT_SLUG_LENGTH).optional(),
  secretPath: secretPath.optional(),
  isEnabled: flag("isEnabled"),
  isAutoSyncEnabled: flag("isAutoSyncEnabled"),
  syncOptions: syncOptionsSchema.optional(),
  destinationConfig: destinationConfigSchema.optional(),
});

export type CreateSyncInput = z.output<typeof createSyncBody>;
export type UpdateSyncInput = z.output<typeof updateSyncBody>;

export const checkDestinationBody = z.object({
  destinationConfig: destinationConfigSchema,
  connectionId: id("connectionId").optional(),
  excludeSyncId: id("excludeSyncId").optional(),
  projectId: id("projectId"),
});
