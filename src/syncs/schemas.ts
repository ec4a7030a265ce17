/**
 * Request schemas of the Qovery secret-sync API, Infisical's contract plus the product document's spellings:
 * `isEnabled` and `syncOptions.autoSyncEnabled` (the seed) are accepted next to `isAutoSyncEnabled` (Infisical).
 */
import { z } from "zod";
import { description, id } from "../http/schemas";
import { slugSchema } from "../lib/slug";
import { keySchemaSyntaxProblem } from "./key-schema";

const requiredText = (message: string) => z.string({ error: message }).trim().min(1, message);

export const syncName = z
  .string({ error: "name is required" })
  .trim()
  .min(1, "name field must be at least 1 lowercase character")
  .max(256, "name field must be at most 256 characters")
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, "name field can only contain lowercase letters, numbers, and hyphens");

const secretPath = z
  .string({ error: "Secret path required" })
  .trim()
  .min(1, "Secret path required")
  .transform((p) => (p.length > 1 ? p.replace(/\/+$/, "") || "/" : p));

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

const keySchema = z
  .string()
  .trim()
  .max(255, "Key schema cannot exceed 255 characters")
  .optional()
  .transform((v) => v || undefined)
  .superRefine((value, ctx) => {
    const problem = value === undefined ? null : keySchemaSyntaxProblem(value);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
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
  environment: slugSchema("environment", 1, 64),
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
  environment: slugSchema("environment", 1, 64).optional(),
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
