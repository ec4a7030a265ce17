import type { Hono } from "hono";
import { z } from "zod";
import type { AppEnv } from "../env";
import { defineRoute } from "../http/route";
import { id, refuse } from "../lib/schemas";
import { flag, openStore, projectSelector, requireSupportedSecretWrite, storeFor } from "../http/store-request";
import { environmentField, optionalPathField, pathField } from "../store/path-fields";
import { notFound } from "../lib/errors";
import {
  MAX_METADATA_ENTRIES,
  MAX_METADATA_FILTER_CONDITIONS,
  MAX_METADATA_KEY_LENGTH,
  MAX_METADATA_VALUE_LENGTH,
  MAX_REMINDER_NOTE_LENGTH,
  MAX_SECRETS_PER_BATCH,
  MAX_TAGS_PER_SECRET,
} from "../lib/limits";
import { getSecretById, getSecretView, listSecretsView, type MetadataCondition } from "../store/secret-reader";
import {
  isSecretCommentTooLong,
  isSecretValueTooLarge,
  normalizeSecretValue,
  SECRET_COMMENT_TOO_LONG,
  SECRET_VALUE_TOO_LARGE,
  secretKeyProblem,
} from "../store/secret-rules";
import { changedSecret, createdSecret } from "../store/secret-shapes";
import * as store from "../store/secrets";

// Infisical serves the same secrets as v3 "raw" routes (what the Node SDK and CLI writes use) and as v4 routes.
const V3 = "/api/v3/secrets/raw";
const V3_BATCH = "/api/v3/secrets/batch/raw";
const V4 = "/api/v4/secrets";
const V4_BATCH = "/api/v4/secrets/batch";
const TAG = "Secrets";

/** A key to write: Infisical's rules, our length cap and no control or bidi characters (see `secretKeyProblem`). */
const keyField = (field: string) => z.string({ error: `${field} is required` }).trim().superRefine(refuse(secretKeyProblem));

/** Renames reject bad characters here; an empty new name is Infisical's 400, raised by the store. */
const newNameField = z
  .string()
  .trim()
  .superRefine(refuse((key) => (key ? secretKeyProblem(key) : null)));

const valueField = z
  .string({ error: "secretValue must be a string" })
  .transform(normalizeSecretValue)
  .refine((value) => !isSecretValueTooLarge(value), SECRET_VALUE_TOO_LARGE);

const typeField = z.enum(["shared", "personal"], { error: 'type must be "shared" or "personal"' }).default("shared");

const metadataField = z
  .array(
    z
      .object({
        key: z
          .string()
          .trim()
          .min(1, "metadata key is required")
          .max(MAX_METADATA_KEY_LENGTH, `metadata key must be at most ${MAX_METADATA_KEY_LENGTH} characters`),
        value: z
          .string()
          .trim()
          .max(MAX_METADATA_VALUE_LENGTH, `metadata value must be at most ${MAX_METADATA_VALUE_LENGTH} characters`)
          .default(""),
        isEncrypted: z.boolean().default(false),
      })
      .refine((entry) => !entry.isEncrypted, "Encrypted secret metadata is not supported"),
  )
  .max(MAX_METADATA_ENTRIES, `secretMetadata can hold at most ${MAX_METADATA_ENTRIES} entries`);

/** `key=K,value=V|key=K2` → conditions that must all hold (at most MAX_METADATA_FILTER_CONDITIONS, as Infisical). */
const metadataFilterField = z
  .string()
  .optional()
  .transform((raw, ctx): MetadataCondition[] => {
    if (!raw) return [];
    const conditions = raw.split("|").map((pair) => Object.fromEntries(pair.split(",").map((part) => part.split("=", 2).map((s) => s.trim()))) as Record<string, string>);
    if (conditions.length > MAX_METADATA_FILTER_CONDITIONS || conditions.some((c) => !c.key)) {
      const message = `metadataFilter must be up to ${MAX_METADATA_FILTER_CONDITIONS} 'key=K[,value=V]' conditions separated by '|'`;
      ctx.addIssue({ code: "custom", message });
      return z.NEVER;
    }
    return conditions.map((c) => ({ key: c.key!, ...(c.value === undefined ? {} : { value: c.value }) }));
  });

/** Create trims the comment, update keeps it as sent (as Infisical); both cap what is stored. */
const withinCommentLimit = (comment: z.ZodString) => comment.refine((text) => !isSecretCommentTooLong(text), SECRET_COMMENT_TOO_LONG);

const commonFields = {
  skipMultilineEncoding: z.boolean().nullish(),
  tagIds: z.array(z.string()).max(MAX_TAGS_PER_SECRET, `tagIds can hold at most ${MAX_TAGS_PER_SECRET} tags`).optional(),
  secretMetadata: metadataField.optional(),
  secretReminderNote: z
    .string()
    .max(MAX_REMINDER_NOTE_LENGTH, `secretReminderNote must be at most ${MAX_REMINDER_NOTE_LENGTH} characters`)
    .nullish(),
  secretReminderRepeatDays: z.number().int().min(1).nullish(),
};

const target = { ...projectSelector, environment: environmentField, secretPath: pathField };

const listQuery = z.object({
  ...target,
  viewSecretValue: flag("viewSecretValue"),
  expandSecretReferences: flag("expandSecretReferences"),
  recursive: flag("recursive"),
  include_imports: flag("include_imports"),
  includeImports: flag("includeImports"),
  includePersonalOverrides: flag("includePersonalOverrides"),
  tagSlugs: z
    .string()
    .optional()
    .transform((v) => (v ? v.split(",").map((s) => s.trim()).filter(Boolean) : [])),
  metadataFilter: metadataFilterField,
});

const getQuery = z.object({
  ...target,
  version: z.coerce.number({ error: "version must be a number" }).int().min(1).optional(),
  type: typeField,
  viewSecretValue: flag("viewSecretValue"),
  expandSecretReferences: flag("expandSecretReferences"),
  include_imports: flag("include_imports"),
  includeImports: flag("includeImports"),
});

const nameParams = z.object({ secretName: z.string().trim().min(1, "secretName is required") });
const createParams = z.object({ secretName: keyField("secretName") });

const createFields = {
  secretValue: valueField,
  ...commonFields,
  secretComment: withinCommentLimit(z.string().trim()).default(""),
  type: typeField,
};
const createBody = z.object({ ...target, ...createFields });

const updateFields = {
  ...commonFields,
  secretValue: valueField.optional(),
  secretComment: withinCommentLimit(z.string()).optional(),
  newSecretName: newNameField.optional(),
};
const updateBody = z.object({ ...target, ...updateFields, type: typeField });
const deleteBody = z.object({ ...target, type: typeField });

const batchItems = <T extends z.ZodType>(item: T) =>
  z
    .array(item)
    .min(1, "secrets must contain at least one secret")
    .max(MAX_SECRETS_PER_BATCH, `secrets can hold at most ${MAX_SECRETS_PER_BATCH} secrets per request`);

const batchCreateBody = z.object({ ...target, secrets: batchItems(z.object({ secretKey: keyField("secretKey"), ...createFields })) });
const batchUpdateBody = z.object({
  ...target,
  mode: z.enum(["failOnNotFound", "upsert", "ignore"], { error: 'mode must be "failOnNotFound", "upsert" or "ignore"' }).default("failOnNotFound"),
  secrets: batchItems(z.object({ secretKey: keyField("secretKey"), secretPath: optionalPathField, ...updateFields, type: typeField })),
});
const batchDeleteBody = z.object({ ...target, secrets: batchItems(z.object({ secretKey: z.string().min(1, "secretKey is required"), type: typeField })) });

type CreateFields = z.output<typeof createBody>;
type UpdateFields = z.output<typeof updateBody>;

const newSecret = (key: string, b: Omit<CreateFields, keyof typeof target>): store.NewSecret => ({
  key,
  value: b.secretValue,
  comment: b.secretComment,
  skipMultilineEncoding: b.skipMultilineEncoding ?? false,
  reminderNote: b.secretReminderNote ?? null,
  reminderRepeatDays: b.secretReminderRepeatDays ?? null,
  metadata: b.secretMetadata ?? [],
});

const secretPatch = (key: string, b: Omit<UpdateFields, keyof typeof target> & { secretPath?: string }): store.SecretPatch => ({
  key,
  secretPath: b.secretPath,
  newKey: b.newSecretName,
  value: b.secretValue,
  comment: b.secretComment,
  skipMultilineEncoding: b.skipMultilineEncoding === null ? false : b.skipMultilineEncoding,
  reminderNote: b.secretReminderNote,
  reminderRepeatDays: b.secretReminderRepeatDays,
  metadata: b.secretMetadata,
});

const targetOf = (projectId: string, q: { environment: string; secretPath: string }): store.SecretTarget => ({ projectId, environment: q.environment, secretPath: q.secretPath });

/** Infisical's routes read `include_imports`; newer clients (CLI, v4 e2e) send `includeImports`. Either asks for imports. */
const wantsImports = (q: { include_imports?: boolean; includeImports?: boolean }) => q.include_imports === true || q.includeImports === true;

export function registerSecretRoutes(app: Hono<AppEnv>) {
  defineRoute(app, { method: "get", path: [V3, V4], tag: TAG, summary: "List secrets of a folder (optionally recursive, with imports, references expanded)", query: listQuery }, async (c, { query }) => {
    const { ctx, projectId } = await openStore(c, query);
    const view = await listSecretsView(ctx, {
      projectId,
      environment: query.environment,
      secretPath: query.secretPath,
      recursive: query.recursive ?? false,
      includeImports: wantsImports(query),
      expandReferences: query.expandSecretReferences ?? false,
      viewValue: query.viewSecretValue ?? true,
      tagSlugs: query.tagSlugs,
      metadataFilter: query.metadataFilter,
    });
    return c.json(view);
  });

  defineRoute(
    app,
    { method: "get", path: [`${V3}/id/:secretId`, `${V4}/id/:secretId`], tag: TAG, summary: "Get a secret by id", params: z.object({ secretId: id("secretId") }) },
    async (c, { params }) => c.json({ secret: await getSecretById(storeFor(c), params.secretId) }),
  );

  // Batch routes first: `/api/v4/secrets/batch` would otherwise match `/:secretName`.
  defineRoute(app, { method: "post", path: [V3_BATCH, V4_BATCH], tag: TAG, summary: "Create secrets in one folder atomically", body: batchCreateBody }, async (c, { body }) => {
    const { ctx, projectId } = await openStore(c, body);
    body.secrets.forEach(requireSupportedSecretWrite);
    const created = await store.createSecrets(ctx, targetOf(projectId, body), body.secrets.map((s) => newSecret(s.secretKey, s)));
    return c.json({ secrets: created.map(createdSecret) });
  });

  defineRoute(
    app,
    { method: "patch", path: [V3_BATCH, V4_BATCH], tag: TAG, summary: "Update (or upsert) secrets atomically; mode failOnNotFound, upsert or ignore", body: batchUpdateBody },
    async (c, { body }) => {
      const { ctx, projectId } = await openStore(c, body);
      body.secrets.forEach(requireSupportedSecretWrite);
      const updated = await store.updateSecrets(ctx, targetOf(projectId, body), body.secrets.map((s) => secretPatch(s.secretKey, s)), body.mode);
      return c.json({ secrets: updated.map((s) => ({ ...changedSecret(s), secretPath: s.location.secretPath })) });
    },
  );

  defineRoute(app, { method: "delete", path: [V3_BATCH, V4_BATCH], tag: TAG, summary: "Delete secrets of one folder atomically", body: batchDeleteBody }, async (c, { body }) => {
    const { ctx, projectId } = await openStore(c, body);
    body.secrets.forEach(requireSupportedSecretWrite);
    const deleted = await store.deleteSecrets(ctx, targetOf(projectId, body), body.secrets.map((s) => s.secretKey));
    return c.json({ secrets: deleted.map(changedSecret) });
  });

  defineRoute(
    app,
    { method: "get", path: [`${V3}/:secretName`, `${V4}/:secretName`], tag: TAG, summary: "Get a secret by name (optionally falling back to imports)", params: nameParams, query: getQuery },
    async (c, { params, query }) => {
      const { ctx, projectId } = await openStore(c, query);
      if (query.type === "personal") throw notFound(`Personal secret with name '${params.secretName}' not found: this server stores shared secrets only`, "GetSecretByName");
      const secret = await getSecretView(ctx, {
        projectId,
        environment: query.environment,
        secretPath: query.secretPath,
        key: params.secretName,
        version: query.version,
        includeImports: wantsImports(query),
        expandReferences: query.expandSecretReferences ?? false,
        viewValue: query.viewSecretValue ?? true,
      });
      return c.json({ secret });
    },
  );

  defineRoute(
    app,
    { method: "post", path: [`${V3}/:secretName`, `${V4}/:secretName`], tag: TAG, summary: "Create a secret", params: createParams, body: createBody },
    async (c, { params, body }) => {
      const { ctx, projectId } = await openStore(c, body);
      requireSupportedSecretWrite(body);
      const created = await store.createSecret(ctx, targetOf(projectId, body), newSecret(params.secretName, body));
      return c.json({ secret: createdSecret(created) });
    },
  );

  defineRoute(
    app,
    { method: "patch", path: [`${V3}/:secretName`, `${V4}/:secretName`], tag: TAG, summary: "Update a secret (newSecretName renames it and rewrites references to it)", params: nameParams, body: updateBody },
    async (c, { params, body }) => {
      const { ctx, projectId } = await openStore(c, body);
      requireSupportedSecretWrite(body);
      const updated = await store.updateSecret(ctx, targetOf(projectId, body), secretPatch(params.secretName, body));
      return c.json({ secret: changedSecret(updated) });
    },
  );

  defineRoute(
    app,
    { method: "delete", path: [`${V3}/:secretName`, `${V4}/:secretName`], tag: TAG, summary: "Delete a secret", params: z.object({ secretName: z.string().min(1, "secretName is required") }), body: deleteBody },
    async (c, { params, body }) => {
      const { ctx, projectId } = await openStore(c, body);
      requireSupportedSecretWrite(body);
      const deleted = await store.deleteSecret(ctx, targetOf(projectId, body), params.secretName);
      return c.json({ secret: changedSecret(deleted) });
    },
  );
}
