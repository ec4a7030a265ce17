/**
 * Secret objects as Infisical's raw-secret schema emits them. Which fields appear depends on the call: create
 * answers the bare object, update/delete add `secretValueHidden`, list/get add the path, tags and metadata, and
 * secrets listed under `imports` drop the dates and the project id. A value the caller may not see is Infisical's
 * mask.
 */
import type { LoadedSecret } from "./secret-snapshot";
import type { SecretMetadataEntry, WrittenSecret } from "./secrets";

const HIDDEN_SECRET_VALUE = "<hidden-by-infisical>";

/** What a caller sees of a value: possibly expanded, possibly hidden (`viewSecretValue=false`, or no `readValue`). */
export interface ShownValue {
  value: string;
  hidden: boolean;
}

const shownAfterWrite = (secret: WrittenSecret): ShownValue => ({ value: secret.value, hidden: secret.valueHidden });

function rawSecret(secret: LoadedSecret, view: ShownValue) {
  const { row } = secret;
  return {
    id: row.id,
    _id: row.id,
    workspace: row.projectId,
    environment: secret.location.environment,
    version: row.version,
    type: row.type,
    secretKey: row.key,
    secretValue: view.hidden ? HIDDEN_SECRET_VALUE : view.value,
    secretComment: row.comment,
    secretReminderNote: row.reminderNote,
    secretReminderRepeatDays: row.reminderRepeatDays,
    skipMultilineEncoding: row.skipMultilineEncoding,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    actor: row.actorId ? { actorId: row.actorId, actorType: row.actorType, name: row.actorName, membershipId: null, groupId: null } : null,
    isRotatedSecret: false,
    rotationId: null,
  };
}

export const secretMetadataOf = (secret: LoadedSecret) => JSON.parse(secret.row.metadataJson) as SecretMetadataEntry[];

export const createdSecret = (secret: WrittenSecret) => rawSecret(secret, shownAfterWrite(secret));

export const changedSecret = (secret: WrittenSecret) => ({
  ...rawSecret(secret, shownAfterWrite(secret)),
  secretValueHidden: secret.valueHidden,
});

export function listedSecret(secret: LoadedSecret, view: ShownValue) {
  return { ...rawSecret(secret, view), secretPath: secret.location.secretPath, secretValueHidden: view.hidden, tags: [], secretMetadata: secretMetadataOf(secret) };
}

export function importedSecret(secret: LoadedSecret, view: ShownValue) {
  const { createdAt: _createdAt, updatedAt: _updatedAt, ...rest } = rawSecret(secret, view);
  return { ...rest, workspace: "", secretValueHidden: view.hidden, secretMetadata: secretMetadataOf(secret) };
}
