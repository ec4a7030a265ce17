/**
 * Secret writes. Values are encrypted (AES-GCM, bound to the row id) before they reach a statement, and every write
 * is one atomic batch through `commitChanges`, audit record included. Single and batch routes share these functions
 * and differ only in their error messages, which follow Infisical's.
 *
 * Each write checks the actor's `secrets` rule for its action at the folder it touches (`create`, `edit`, `delete`;
 * an upsert that creates needs `create`), and that every location its new values reference may be described
 * (otherwise a value could carry, through expansion by a reader or a sync, a secret its writer may not even see).
 * What a write answers shows values only where the actor may read them, as Infisical does.
 */
import { and, eq, inArray } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { assertCan, canOnAnyIn } from "../access/actor";
import type { AuditEntry } from "../audit/audit-log";
import { chunk, rowsPerInsert } from "../db/chunks";
import type { Db } from "../db/client";
import { secretValueAad } from "../db/encrypted-columns";
import { secrets } from "../db/schema";
import { encryptField, type KeyRing } from "../lib/crypto";
import { badRequest, notFound, type ApiError } from "../lib/errors";
import { nowIso } from "../lib/time";
import { assertMayEver, fieldsAt, locationCheck } from "./access";
import { commitChanges } from "./change-events";
import type { ChangeAction, StoreChange } from "./changes";
import type { StoreContext } from "./context";
import { loadProjectTree, locateFolder, type EnvironmentRow, type FolderRow } from "./project-tree";
import { referencedAddresses, renameReferences, type SecretAddress, type SecretLocation } from "./references";
import { decryptSecret, locationOf, SecretSnapshot, selectSecretsInChunks, type SecretRow, type StoredSecret } from "./secret-snapshot";

const ROWS_PER_INSERT = rowsPerInsert(secrets);
const KEYS_PER_QUERY = 90;

export interface SecretTarget {
  projectId: string;
  environment: string;
  secretPath: string;
}

export interface SecretMetadataEntry {
  key: string;
  value: string;
  isEncrypted: boolean;
}

export interface SecretFields {
  value: string;
  comment: string;
  skipMultilineEncoding: boolean;
  reminderNote: string | null;
  reminderRepeatDays: number | null;
  metadata: SecretMetadataEntry[];
}

export interface NewSecret extends SecretFields {
  key: string;
}

export interface SecretPatch extends Partial<SecretFields> {
  key: string;
  /** per-item folder in batch updates; defaults to the target's */
  secretPath?: string;
  newKey?: string;
}

export type UpsertMode = "failOnNotFound" | "upsert" | "ignore";

/** A secret as a write leaves it, and whether the actor may see its value in the answer. */
export interface WrittenSecret extends StoredSecret {
  valueHidden: boolean;
}

const DEFAULT_FIELDS: SecretFields = { value: "", comment: "", skipMultilineEncoding: false, reminderNote: null, reminderRepeatDays: null, metadata: [] };

/** A row before its value is sealed: values stay plaintext in memory until the statements are built. */
type DraftRow = Omit<SecretRow, "valueCiphertext">;

interface Draft {
  row: DraftRow;
  value: string;
  location: SecretLocation;
  folder: FolderRow;
  isNew: boolean;
}

function secretChange(environment: EnvironmentRow, folder: FolderRow, action: ChangeAction): StoreChange {
  return { projectId: folder.projectId, environmentId: environment.id, environmentSlug: environment.slug, folderId: folder.id, path: folder.path, action };
}

function isUniqueViolation(err: unknown): boolean {
  for (let e: unknown = err; e instanceof Error; e = e.cause) if (e.message.includes("UNIQUE constraint failed")) return true;
  return false;
}

function duplicatesOf(keys: string[]): string[] {
  return [...new Set(keys.filter((key, i) => keys.indexOf(key) !== i))];
}

function draftRow(ctx: StoreContext, environment: EnvironmentRow, folder: FolderRow, key: string, fields: SecretFields, now: string): DraftRow {
  return {
    id: crypto.randomUUID(),
    projectId: folder.projectId,
    environmentId: environment.id,
    folderId: folder.id,
    key,
    type: "shared",
    comment: fields.comment,
    skipMultilineEncoding: fields.skipMultilineEncoding,
    reminderNote: fields.reminderNote,
    reminderRepeatDays: fields.reminderRepeatDays,
    metadataJson: JSON.stringify(fields.metadata),
    version: 1,
    actorType: ctx.actor.kind,
    actorId: ctx.actor.id,
    actorName: ctx.actor.name,
    createdAt: now,
    updatedAt: now,
  };
}

async function seal(keyRing: KeyRing, draft: Draft): Promise<StoredSecret> {
  const row: SecretRow = { ...draft.row, valueCiphertext: await encryptField(keyRing, draft.value, secretValueAad(draft.row.id)) };
  return { row, key: row.key, value: draft.value, location: draft.location };
}

/** Seals the drafts and turns them into statements: inserts for new rows (chunked), one update per changed row. */
async function writeDrafts(db: Db, keyRing: KeyRing, drafts: Draft[]) {
  const sealed = await Promise.all(drafts.map((d) => seal(keyRing, d)));
  const inserts = sealed.filter((_, i) => drafts[i]!.isNew).map((s) => s.row);
  const statements: BatchItem<"sqlite">[] = chunk(inserts, ROWS_PER_INSERT).map((part) => db.insert(secrets).values(part));
  for (const [i, { row }] of sealed.entries()) {
    if (drafts[i]!.isNew) continue;
    const { id, ...columns } = row;
    statements.push(db.update(secrets).set(columns).where(eq(secrets.id, id)));
  }
  return { sealed, statements };
}

const secretsAt = (location: SecretLocation) => fieldsAt(location.environment, location.secretPath);

/** Refuses values that reference a location the actor may not describe (whether or not a secret is there yet). */
function assertReferencesDescribable(ctx: StoreContext, projectId: string, values: { value: string; location: SecretLocation }[]): void {
  const describable = locationCheck(ctx.actor, projectId, "describeSecret", "secrets");
  for (const { value, location } of values) {
    for (const address of referencedAddresses(value, location)) {
      if (!describable(address)) assertCan(ctx.actor, projectId, "describeSecret", "secrets", secretsAt(address));
    }
  }
}

/** Marks each written secret's value hidden where the actor may not read it. */
function shownTo(ctx: StoreContext, projectId: string, written: StoredSecret[]): WrittenSecret[] {
  const readable = locationCheck(ctx.actor, projectId, "readValue", "secrets");
  return written.map((secret) => ({ ...secret, valueHidden: !readable(secret.location) }));
}

/** Today's audit record of a secret write: the folder of the request, the keys, and the secret's id when there is one. */
function secretAudit(action: ChangeAction, target: SecretTarget, written: { key: string; row: { id: string } }[]): AuditEntry {
  return {
    action,
    projectId: target.projectId,
    targetType: "secret",
    targetId: written.length === 1 ? written[0]!.row.id : null,
    metadata: { environment: target.environment, secretPath: target.secretPath, keys: written.map((s) => s.key) },
  };
}

// ===== Create

interface CreateMessages {
  folderError: string;
  exists: (keys: string[]) => ApiError;
}

async function insertSecrets(ctx: StoreContext, target: SecretTarget, items: NewSecret[], messages: CreateMessages): Promise<StoredSecret[]> {
  const duplicates = duplicatesOf(items.map((i) => i.key));
  if (duplicates.length) throw badRequest(`Secret keys appear more than once in the request: ${duplicates.join(", ")}`);
  const location = { environment: target.environment, secretPath: target.secretPath };
  assertCan(ctx.actor, target.projectId, "create", "secrets", secretsAt(location));
  assertReferencesDescribable(ctx, target.projectId, items.map((item) => ({ value: item.value, location })));
  const { environment, folder } = await locateFolder(ctx.db, target.projectId, target.environment, target.secretPath, messages.folderError);
  const existing = await selectSecretsInChunks(ctx.db, items.map((i) => i.key), KEYS_PER_QUERY, (keys) => and(eq(secrets.folderId, folder.id), inArray(secrets.key, keys))!);
  if (existing.length) throw messages.exists(existing.map((r) => r.key));

  const now = nowIso();
  const drafts = items.map((item) => ({ row: draftRow(ctx, environment, folder, item.key, item, now), value: item.value, location, folder, isNew: true }));
  const { sealed, statements } = await writeDrafts(ctx.db, await ctx.keyRing(), drafts);
  try {
    await commitChanges(ctx, statements, [secretChange(environment, folder, "secret.create")], secretAudit("secret.create", target, sealed));
  } catch (err) {
    // Lost a race with a concurrent create of the same key.
    if (isUniqueViolation(err)) throw messages.exists(items.map((i) => i.key));
    throw err;
  }
  return sealed;
}

/** Answers the value just sent (Infisical does, whatever the actor may read). */
export async function createSecret(ctx: StoreContext, target: SecretTarget, item: NewSecret): Promise<WrittenSecret> {
  const [created] = await insertSecrets(ctx, target, [item], { folderError: "CreateSecret", exists: () => badRequest("Secret already exists") });
  return { ...created!, valueHidden: false };
}

export async function createSecrets(ctx: StoreContext, target: SecretTarget, items: NewSecret[]): Promise<WrittenSecret[]> {
  const messages = { folderError: "CreateManySecret", exists: (keys: string[]) => badRequest(`Secret already exists: ${keys.join(",")}`) };
  return shownTo(ctx, target.projectId, await insertSecrets(ctx, target, items, messages));
}

// ===== Update

interface UpdateMessages {
  folderError: string;
  missing: (keys: string[], path: string) => ApiError;
  renameTaken: (keys: string[]) => ApiError;
  /** what giving a secret a new name takes at its folder: `edit` for one secret, `create` in a batch (as Infisical) */
  renameNeeds: "edit" | "create";
}

const definedFields = (patch: SecretPatch): Partial<SecretFields> =>
  Object.fromEntries(
    (["value", "comment", "skipMultilineEncoding", "reminderNote", "reminderRepeatDays", "metadata"] as const).filter((f) => patch[f] !== undefined).map((f) => [f, patch[f]]),
  );

const fieldsOf = (secret: StoredSecret): SecretFields => ({
  value: secret.value,
  comment: secret.row.comment,
  skipMultilineEncoding: secret.row.skipMultilineEncoding,
  reminderNote: secret.row.reminderNote,
  reminderRepeatDays: secret.row.reminderRepeatDays,
  metadata: JSON.parse(secret.row.metadataJson) as SecretMetadataEntry[],
});

/**
 * Applies patches (possibly across folders) in one batch; each changed secret gets version + 1. A rename (`newKey`)
 * also rewrites the references that named the old key anywhere in the project, so renaming reads every secret of
 * the project once.
 */
async function patchSecrets(
  ctx: StoreContext,
  target: SecretTarget,
  patches: SecretPatch[],
  mode: UpsertMode,
  messages: UpdateMessages,
): Promise<WrittenSecret[]> {
  if (patches.some((p) => p.newKey === "")) throw badRequest("newSecretName cannot be empty");
  const { actor } = ctx;
  const locations = patches.map((patch) => ({ environment: target.environment, secretPath: patch.secretPath ?? target.secretPath }));
  if (mode === "upsert") {
    // Whether each key needs `edit` or `create` depends on what exists; refuse up front only who can do neither.
    if (!canOnAnyIn(actor, target.projectId, "create", "secrets")) assertMayEver(actor, target.projectId, "edit", "secrets");
  } else {
    for (const location of locations) assertCan(actor, target.projectId, "edit", "secrets", secretsAt(location));
  }
  const newValues = patches.flatMap((patch, i) => (patch.value === undefined ? [] : [{ value: patch.value, location: locations[i]! }]));
  assertReferencesDescribable(ctx, target.projectId, newValues);
  const tree = await loadProjectTree(ctx.db, target.projectId);
  const environment = tree.requireEnvironment(target.environment);
  const located = patches.map((patch) => ({ patch, folder: tree.requireFolder(target.environment, patch.secretPath ?? target.secretPath, messages.folderError) }));
  const duplicates = duplicatesOf(located.map(({ patch, folder }) => `${folder.path}:${patch.key}`));
  if (duplicates.length) throw badRequest(`Secrets appear more than once in the request: ${duplicates.join(", ")}`);

  const renames = located.filter(({ patch }) => patch.newKey !== undefined && patch.newKey !== patch.key);
  const keyRing = await ctx.keyRing();
  const involved = renames.length ? tree.allFolders() : [...new Map(located.map(({ folder }) => [folder.id, folder])).values()];
  const snapshot = await SecretSnapshot.load(ctx.db, keyRing, tree, { folders: involved });
  const decrypted = new Map((await snapshot.decrypt(snapshot.allSecrets(), { followReferences: false })).map((s) => [s.row.id, s]));
  const address = (folder: FolderRow, key: string): SecretAddress => ({ ...locationOf(tree, folder), key });
  const find = (folder: FolderRow, key: string) => {
    const found = snapshot.find(address(folder, key));
    return found && decrypted.get(found.row.id);
  };

  const missing = located.filter(({ patch, folder }) => !find(folder, patch.key));
  if (mode === "failOnNotFound" && missing.length) {
    const path = missing[0]!.folder.path;
    throw messages.missing(missing.filter((m) => m.folder.path === path).map((m) => m.patch.key), path);
  }
  for (const { patch, folder } of located) {
    const at = secretsAt(locationOf(tree, folder));
    if (mode === "upsert") assertCan(actor, target.projectId, find(folder, patch.key) ? "edit" : "create", "secrets", at);
    if (patch.newKey !== undefined && patch.newKey !== patch.key) assertCan(actor, target.projectId, messages.renameNeeds, "secrets", at);
  }
  const renameTargets = renames.map(({ patch, folder }) => `${folder.path}:${patch.newKey}`);
  const taken = renames.filter(({ patch, folder }, i) => find(folder, patch.newKey!) || renameTargets.indexOf(renameTargets[i]!) !== i);
  if (taken.length) throw messages.renameTaken(taken.map(({ patch }) => patch.newKey!));

  const now = nowIso();
  const drafts = new Map<string, Draft>();
  const edit = (secret: StoredSecret): Draft => {
    let draft = drafts.get(secret.row.id);
    if (!draft) {
      const { valueCiphertext: _sealed, ...row } = secret.row;
      draft = { row, value: secret.value, location: secret.location, folder: tree.folderById(secret.row.folderId)!, isNew: false };
      drafts.set(row.id, draft);
    }
    return draft;
  };
  const patched: Draft[] = [];
  for (const { patch, folder } of located) {
    const existing = find(folder, patch.key);
    if (!existing && mode !== "upsert") continue;
    const fields = { ...(existing ? fieldsOf(existing) : DEFAULT_FIELDS), ...definedFields(patch) };
    const key = patch.newKey ?? patch.key;
    let draft: Draft;
    if (existing) {
      draft = edit(existing);
      draft.row = { ...draft.row, key, comment: fields.comment, skipMultilineEncoding: fields.skipMultilineEncoding, reminderNote: fields.reminderNote, reminderRepeatDays: fields.reminderRepeatDays, metadataJson: JSON.stringify(fields.metadata) };
    } else {
      draft = { row: draftRow(ctx, environment, folder, key, fields, now), value: fields.value, location: locationOf(tree, folder), folder, isNew: true };
      drafts.set(draft.row.id, draft);
    }
    draft.value = fields.value;
    patched.push(draft);
  }

  for (const { patch, folder } of renames) {
    const renamed = address(folder, patch.key);
    const candidates = [...[...decrypted.values()].map((s) => drafts.get(s.row.id) ?? s), ...patched.filter((d) => d.isNew)];
    for (const candidate of candidates) {
      const rewritten = renameReferences(candidate.value, candidate.location, renamed, patch.newKey!);
      if (rewritten === candidate.value) continue;
      const draft = "isNew" in candidate ? candidate : edit(candidate);
      draft.value = rewritten;
    }
  }

  const by = { actorType: actor.kind, actorId: actor.id, actorName: actor.name };
  for (const draft of drafts.values()) {
    if (draft.isNew) continue;
    draft.row = { ...draft.row, ...by, version: draft.row.version + 1, updatedAt: now };
  }
  const all = [...drafts.values()];
  const { sealed, statements } = await writeDrafts(ctx.db, keyRing, all);
  const written = patched.map((draft) => sealed[all.indexOf(draft)]!);
  await commitChanges(
    ctx,
    statements,
    all.map((d) => secretChange(tree.environmentOf(d.folder), d.folder, d.isNew ? "secret.create" : "secret.update")),
    secretAudit("secret.update", target, written),
  );
  return shownTo(ctx, target.projectId, written);
}

export async function updateSecret(ctx: StoreContext, target: SecretTarget, patch: SecretPatch): Promise<WrittenSecret> {
  const [updated] = await patchSecrets(ctx, target, [patch], "failOnNotFound", {
    folderError: "UpdateSecret",
    missing: ([key]) => notFound(`Secret with name ${key} not found`),
    renameTaken: () => badRequest("Secret with the new name already exists"),
    renameNeeds: "edit",
  });
  return updated!;
}

export function updateSecrets(ctx: StoreContext, target: SecretTarget, patches: SecretPatch[], mode: UpsertMode): Promise<WrittenSecret[]> {
  return patchSecrets(ctx, target, patches, mode, {
    folderError: "UpdateManySecret",
    missing: (keys, path) => notFound(`Secret does not exist: ${keys.join(", ")} in path ${path}`),
    renameTaken: (keys) => badRequest(`Secret with new name already exists: ${keys.join(", ")}`),
    renameNeeds: "create",
  });
}

// ===== Delete

interface DeleteMessages {
  folderError: string;
  missing: (keys: string[]) => ApiError;
}

/** Deletes atomically and answers the deleted secrets with their last values (hidden where the actor may not read them). */
async function removeSecrets(ctx: StoreContext, target: SecretTarget, keys: string[], messages: DeleteMessages): Promise<WrittenSecret[]> {
  assertCan(ctx.actor, target.projectId, "delete", "secrets", secretsAt({ environment: target.environment, secretPath: target.secretPath }));
  const { environment, folder } = await locateFolder(ctx.db, target.projectId, target.environment, target.secretPath, messages.folderError);
  const rows = await selectSecretsInChunks(ctx.db, keys, KEYS_PER_QUERY, (part) => and(eq(secrets.folderId, folder.id), inArray(secrets.key, part))!);
  const missing = keys.filter((key) => !rows.some((r) => r.key === key));
  if (missing.length) throw messages.missing(missing);
  const keyRing = await ctx.keyRing();
  const location = { environment: environment.slug, secretPath: folder.path };
  const deleted = await Promise.all(rows.map((row) => decryptSecret(keyRing, row, location)));
  const ordered = keys.map((key) => deleted.find((s) => s.key === key)!);
  await commitChanges(
    ctx,
    chunk(rows.map((r) => r.id), KEYS_PER_QUERY).map((ids) => ctx.db.delete(secrets).where(inArray(secrets.id, ids))),
    [secretChange(environment, folder, "secret.delete")],
    secretAudit("secret.delete", target, ordered),
  );
  return shownTo(ctx, target.projectId, ordered);
}

export async function deleteSecret(ctx: StoreContext, target: SecretTarget, key: string): Promise<WrittenSecret> {
  const [deleted] = await removeSecrets(ctx, target, [key], { folderError: "DeleteSecret", missing: () => notFound("Secret not found") });
  return deleted!;
}

export function deleteSecrets(ctx: StoreContext, target: SecretTarget, keys: string[]): Promise<WrittenSecret[]> {
  // Infisical's message lists the keys it did find (a bug); naming the missing ones is what a caller can act on.
  return removeSecrets(ctx, target, [...new Set(keys)], { folderError: "DeleteManySecret", missing: (missing) => notFound(`One or more secrets does not exist: ${missing.join(", ")}`) });
}
