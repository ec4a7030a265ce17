/**
 * A Qovery sync as the console's forms hold it: flat text fields (the wizard carries them from step to step in hidden
 * inputs), translated to and from the API's request shape. Validation stays with the API's schemas and services;
 * this module only says which form field a failure belongs to.
 */
import type { z } from "zod";
import { ApiError } from "../lib/errors";
import type { PublicSync } from "../syncs/public-sync";
import type { CreateSyncInput } from "../syncs/schemas";
import type { QoveryDestinationConfig } from "../syncs/types";
import type { FieldErrors } from "./ui/components";

export interface SyncForm {
  environment: string;
  secretPath: string;
  connectionId: string;
  organizationId: string;
  organizationName: string;
  qoveryProjectId: string;
  qoveryProjectName: string;
  qoveryEnvironmentId: string;
  qoveryEnvironmentName: string;
  initialSyncBehavior: string;
  disableSecretDeletion: boolean;
  autoSyncEnabled: boolean;
  keyPrefix: string;
  keySuffix: string;
  variableType: "secret" | "variable";
  name: string;
  description: string;
  isEnabled: boolean;
}

export type SyncField = keyof SyncForm;

const BOOLEAN_FIELDS = ["disableSecretDeletion", "autoSyncEnabled", "isEnabled"] as const satisfies SyncField[];
type BooleanField = (typeof BOOLEAN_FIELDS)[number];

export const OVERWRITE_DESTINATION = "overwrite-destination";
const SECRET_KEY_PLACEHOLDER = "{{secretKey}}";

export function defaultSyncForm(environment: string): SyncForm {
  return {
    environment,
    secretPath: "/",
    connectionId: "",
    organizationId: "",
    organizationName: "",
    qoveryProjectId: "",
    qoveryProjectName: "",
    qoveryEnvironmentId: "",
    qoveryEnvironmentName: "",
    initialSyncBehavior: OVERWRITE_DESTINATION,
    disableSecretDeletion: false,
    autoSyncEnabled: true,
    keyPrefix: "",
    keySuffix: "",
    variableType: "secret",
    name: "",
    description: "",
    isEnabled: true,
  };
}

const isBooleanField = (field: string): field is BooleanField => (BOOLEAN_FIELDS as readonly string[]).includes(field);

/** The form as posted; anything missing keeps `base`'s value, so a step never loses what earlier steps held. */
export function readSyncForm(posted: Record<string, string>, base: SyncForm): SyncForm {
  const form: SyncForm = { ...base };
  for (const field of Object.keys(base) as SyncField[]) {
    const raw = posted[field];
    if (raw === undefined) continue;
    if (isBooleanField(field)) form[field] = raw === "true";
    else if (field === "variableType") form.variableType = raw === "variable" ? "variable" : "secret";
    else form[field] = raw;
  }
  return form;
}

/** Every field as a hidden-input pair, except those the current step shows. */
export function hiddenFields(form: SyncForm, shown: readonly SyncField[]): [string, string][] {
  return (Object.keys(form) as SyncField[]).filter((field) => !shown.includes(field)).map((field) => [field, String(form[field])]);
}

/** Prefix and suffix around `{{secretKey}}`, the form of key schema the console offers. */
export function keySchemaOf(form: Pick<SyncForm, "keyPrefix" | "keySuffix">): string | undefined {
  const prefix = form.keyPrefix.trim();
  const suffix = form.keySuffix.trim();
  return prefix || suffix ? `${prefix}${SECRET_KEY_PLACEHOLDER}${suffix}` : undefined;
}

function splitKeySchema(schema: string | undefined): { keyPrefix: string; keySuffix: string } {
  if (!schema) return { keyPrefix: "", keySuffix: "" };
  const at = schema.indexOf(SECRET_KEY_PLACEHOLDER);
  return at === -1 ? { keyPrefix: schema, keySuffix: "" } : { keyPrefix: schema.slice(0, at), keySuffix: schema.slice(at + SECRET_KEY_PLACEHOLDER.length) };
}

/** The create request the API would receive for this form. */
export function createRequest(form: SyncForm, projectId: string): Record<keyof CreateSyncInput, unknown> {
  return {
    name: form.name,
    projectId,
    description: form.description.trim() || null,
    connectionId: form.connectionId,
    environment: form.environment,
    secretPath: form.secretPath,
    isEnabled: form.isEnabled,
    isAutoSyncEnabled: form.autoSyncEnabled,
    syncOptions: {
      initialSyncBehavior: form.initialSyncBehavior,
      disableSecretDeletion: form.disableSecretDeletion,
      autoSyncEnabled: form.autoSyncEnabled,
      keySchema: keySchemaOf(form),
    },
    destinationConfig: destinationOf(form),
  };
}

/** Where the form says to write, as a sync's destination configuration. */
export function destinationOf(form: SyncForm): QoveryDestinationConfig {
  return {
    organizationId: form.organizationId,
    projectId: form.qoveryProjectId,
    environmentId: form.qoveryEnvironmentId || undefined,
    variableType: form.variableType,
  };
}

/** The form of an existing sync, for editing it. */
export function syncFormOf(sync: PublicSync): SyncForm {
  const config = sync.destinationConfig;
  return {
    environment: sync.environment?.slug ?? "",
    secretPath: sync.secretPath,
    connectionId: sync.connectionId,
    organizationId: config.organizationId,
    organizationName: config.organizationName ?? "",
    qoveryProjectId: config.projectId,
    qoveryProjectName: config.projectName ?? "",
    qoveryEnvironmentId: config.environmentId ?? "",
    qoveryEnvironmentName: config.environmentName ?? "",
    initialSyncBehavior: sync.syncOptions.initialSyncBehavior,
    disableSecretDeletion: !!sync.syncOptions.disableSecretDeletion,
    autoSyncEnabled: sync.isAutoSyncEnabled,
    ...splitKeySchema(sync.syncOptions.keySchema),
    variableType: config.variableType,
    name: sync.name,
    description: sync.description ?? "",
    isEnabled: sync.isEnabled,
  };
}

const REQUEST_FIELDS: Record<string, SyncField> = {
  name: "name",
  description: "description",
  environment: "environment",
  secretPath: "secretPath",
  connectionId: "connectionId",
  "syncOptions.keySchema": "keyPrefix",
  "syncOptions.initialSyncBehavior": "initialSyncBehavior",
  "syncOptions.disableSecretDeletion": "disableSecretDeletion",
  "destinationConfig.organizationId": "organizationId",
  "destinationConfig.projectId": "qoveryProjectId",
  "destinationConfig.environmentId": "qoveryEnvironmentId",
  "destinationConfig.variableType": "variableType",
};

/** The form field that shows a failure reported at `path` of the API request, if any. */
export function fieldOfRequestPath(path: readonly PropertyKey[]): SyncField | undefined {
  const key = path.map(String).join(".");
  return REQUEST_FIELDS[key] ?? REQUEST_FIELDS[String(path[0])];
}

/** A field's value through one of the API's schemas: the parsed value, or the schema's first message for that field. */
type ParsedField<T> = { value: T; errors: FieldErrors } | { value?: undefined; errors: FieldErrors };

export function parseField<T>(field: SyncField, schema: z.ZodType<T>, value: unknown): ParsedField<T> {
  const parsed = schema.safeParse(value);
  return parsed.success ? { value: parsed.data, errors: {} } : { errors: { [field]: parsed.error.issues[0]!.message } };
}

/**
 * Runs one of the service's checks. A refusal (any 4xx) becomes the service's message next to `field`, or next to the
 * field each of its validation issues names; anything else is thrown on.
 */
export async function serviceCheck(field: SyncField | "form", check: () => unknown): Promise<FieldErrors> {
  try {
    await check();
    return {};
  } catch (error) {
    if (!(error instanceof ApiError) || error.statusCode >= 500) throw error;
    const issues = Array.isArray(error.details) ? (error.details as { path?: PropertyKey[]; message?: string }[]) : [];
    const errors: FieldErrors = {};
    for (const issue of issues) {
      const at = issue.path && fieldOfRequestPath(issue.path);
      if (at && issue.message) errors[at] ??= issue.message;
    }
    return Object.keys(errors).length ? errors : { [field]: error.message };
  }
}
