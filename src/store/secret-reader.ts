/**
 * Reading secrets: decrypted, imports merged, references expanded — all on one in-memory snapshot, so a read costs
 * a fixed number of D1 queries however many secrets it returns.
 *
 * `readResolvedSecrets` is the sync engine's view (one flat key → value map with what failed to resolve); the
 * `*View` functions produce Infisical's API shapes.
 */
import { and, eq } from "drizzle-orm";
import type { Db } from "../db/client";
import { environments, folders, secrets } from "../db/schema";
import type { KeyRing } from "../lib/crypto";
import { notFound } from "../lib/errors";
import { mergeByPrecedence } from "./import-precedence";
import { loadProjectTree, MAX_IMPORT_DEPTH, type FolderRow, type ProjectTree, type SecretImportRow } from "./project-tree";
import { createExpander, type Expander, type ExpansionResult, type UnresolvedReference } from "./references";
import { importedSecret, listedSecret, secretMetadataOf, type ShownValue } from "./secret-shapes";
import { decryptSecret, loadSnapshot, type SecretSnapshot, type StoredSecret } from "./secret-snapshot";

/** A folder's own secrets and, below them in precedence, its imports' (nested imports included, cycle-safe). */
function effectiveSecrets(snapshot: SecretSnapshot, folder: FolderRow, visited: ReadonlySet<string> = new Set([folder.id]), depth = 0): StoredSecret[] {
  const own = snapshot.secretsIn(folder.id);
  if (depth >= MAX_IMPORT_DEPTH) return own;
  const layers = snapshot.tree.importsOf(folder.id).map((row) => {
    const source = snapshot.tree.importSource(row);
    if (!source || visited.has(source.id)) return [];
    return effectiveSecrets(snapshot, source, new Set([...visited, source.id]), depth + 1);
  });
  return mergeByPrecedence(own, layers);
}

/**
 * Expands a stored secret in its own environment and folder. With `skipMultilineEncoding`, an expanded value that
 * spans lines is quoted on one line, as Infisical does.
 */
function expand(expander: Expander, secret: StoredSecret): ExpansionResult {
  const result = expander.expandSecret({ ...secret.location, key: secret.key });
  if (secret.row.skipMultilineEncoding && result.value !== secret.value && result.value.includes("\n")) {
    return { ...result, value: `"${result.value.replaceAll("\n", "\\n")}"` };
  }
  return result;
}

export interface ResolvedSecret {
  key: string;
  value: string;
  /** references left literal in `value`; a caller publishing values elsewhere should refuse a secret that has any */
  unresolved: UnresolvedReference[];
}

export interface ReadLocation {
  projectId: string;
  environmentSlug: string;
  path: string;
}

/** Everything a folder resolves to: own secrets over imports (later imports over earlier), references expanded. */
export async function readResolvedSecrets(db: Db, keyRing: KeyRing, where: ReadLocation): Promise<{ folderId: string; secrets: ResolvedSecret[] }> {
  const tree = await loadProjectTree(db, where.projectId);
  const folder = tree.requireFolder(where.environmentSlug, where.path);
  const snapshot = await loadSnapshot(db, keyRing, tree, [folder, ...tree.importClosure(folder.id)], { followReferences: true });
  const expander = createExpander(snapshot);
  const secrets = effectiveSecrets(snapshot, folder)
    .map((secret) => ({ key: secret.key, ...expand(expander, secret) }))
    .sort((a, b) => a.key.localeCompare(b.key));
  return { folderId: folder.id, secrets };
}

export interface ValueOptions {
  expandReferences: boolean;
  viewValue: boolean;
}

function valueShower(snapshot: SecretSnapshot, options: ValueOptions) {
  const expander = createExpander(snapshot);
  return (secret: StoredSecret, expandReferences = options.expandReferences): ShownValue => {
    if (!options.viewValue) return { value: "", hidden: true };
    return { value: expandReferences ? expand(expander, secret).value : secret.value, hidden: false };
  };
}

/** Imported secrets are always expanded (Infisical does so whenever values are visible). */
function importEntry(snapshot: SecretSnapshot, row: SecretImportRow, show: ReturnType<typeof valueShower>) {
  const source = snapshot.tree.importSource(row);
  const environment = snapshot.tree.environmentById(row.importEnvironmentId)!;
  return {
    secretPath: row.importPath,
    environment: environment.slug,
    environmentInfo: { id: environment.id, name: environment.name, slug: environment.slug },
    ...(source ? { folderId: source.id } : {}),
    secrets: source ? effectiveSecrets(snapshot, source).map((secret) => importedSecret(secret, show(secret, true))) : [],
  };
}

export interface MetadataCondition {
  key: string;
  value?: string;
}

export interface ListSecretsQuery extends ValueOptions {
  projectId: string;
  environment: string;
  secretPath: string;
  recursive: boolean;
  includeImports: boolean;
  /** we keep no tags, so any tag filter matches nothing */
  tagSlugs: string[];
  /** every condition must match one metadata entry */
  metadataFilter: MetadataCondition[];
}

function matchesMetadata(secret: StoredSecret, conditions: MetadataCondition[]): boolean {
  if (!conditions.length) return true;
  const entries = secretMetadataOf(secret);
  return conditions.every((c) => entries.some((e) => e.key === c.key && (c.value === undefined || e.value === c.value)));
}

function requireListedFolder(tree: ProjectTree, environmentSlug: string, path: string): FolderRow {
  const folder = tree.folderAt(tree.requireEnvironment(environmentSlug).id, path);
  if (!folder) {
    throw notFound(
      `Folder with path '${path}' in environment '${environmentSlug}' was not found. Please ensure the environment slug and secret path is correct.`,
      "SecretPathNotFound",
    );
  }
  return folder;
}

export async function listSecretsView(db: Db, keyRing: KeyRing, q: ListSecretsQuery) {
  const tree = await loadProjectTree(db, q.projectId);
  const folder = requireListedFolder(tree, q.environment, q.secretPath);
  const ownFolders = (q.recursive ? tree.subtree(folder) : [folder]).sort((a, b) => a.path.localeCompare(b.path));
  const snapshot = await loadSnapshot(db, keyRing, tree, [...ownFolders, ...(q.includeImports ? tree.importClosure(folder.id) : [])], {
    followReferences: q.viewValue && (q.expandReferences || q.includeImports),
  });
  const show = valueShower(snapshot, q);
  const own = q.tagSlugs.length ? [] : ownFolders.flatMap((f) => snapshot.secretsIn(f.id)).filter((s) => matchesMetadata(s, q.metadataFilter));
  return {
    secrets: own.map((secret) => listedSecret(secret, show(secret))),
    imports: q.includeImports ? tree.importsOf(folder.id).map((row) => importEntryWithoutInfo(importEntry(snapshot, row, show))) : [],
  };
}

/** The list route's `imports` entries carry no `environmentInfo` (the imports route's do). */
const importEntryWithoutInfo = ({ environmentInfo: _info, ...entry }: ReturnType<typeof importEntry>) => entry;

/** Infisical's `GET /secret-imports/secrets`: each import of the folder with the secrets it brings. */
export async function importedSecretsView(db: Db, keyRing: KeyRing, where: ReadLocation) {
  const tree = await loadProjectTree(db, where.projectId);
  const folder = tree.requireFolder(where.environmentSlug, where.path);
  const snapshot = await loadSnapshot(db, keyRing, tree, tree.importClosure(folder.id), { followReferences: true });
  const show = valueShower(snapshot, { expandReferences: true, viewValue: true });
  return tree.importsOf(folder.id).map((row) => importEntry(snapshot, row, show));
}

export interface GetSecretQuery extends ValueOptions {
  projectId: string;
  environment: string;
  secretPath: string;
  key: string;
  includeImports: boolean;
  version?: number;
}

/** One secret; with `includeImports`, a key the folder lacks is looked up in its imports, last import first. */
export async function getSecretView(db: Db, keyRing: KeyRing, q: GetSecretQuery) {
  const tree = await loadProjectTree(db, q.projectId);
  const folder = tree.requireFolder(q.environment, q.secretPath, "GetSecretByName");
  const snapshot = await loadSnapshot(db, keyRing, tree, [folder, ...(q.includeImports ? tree.importClosure(folder.id) : [])], {
    followReferences: q.viewValue && q.expandReferences,
  });
  const found = q.includeImports
    ? effectiveSecrets(snapshot, folder).find((s) => s.key === q.key)
    : snapshot.find({ environment: q.environment, secretPath: folder.path, key: q.key });
  if (!found) throw notFound(`Secret with name '${q.key}' not found`, "GetSecretByName");
  if (q.version !== undefined && q.version !== found.row.version) {
    throw notFound(`Secret with name '${q.key}' has no version ${q.version}: only the current version (${found.row.version}) is kept`, "GetSecretByName");
  }
  return listedSecret(found, valueShower(snapshot, q)(found));
}

/** A secret by id (Infisical's `/id/:secretId`), with the project it belongs to for the caller's access check. */
export async function getSecretById(db: Db, keyRing: KeyRing, secretId: string) {
  const row = await db
    .select({ secret: secrets, folder: folders, environment: environments })
    .from(secrets)
    .innerJoin(folders, eq(folders.id, secrets.folderId))
    .innerJoin(environments, eq(environments.id, secrets.environmentId))
    .where(and(eq(secrets.id, secretId), eq(secrets.type, "shared")))
    .get();
  if (!row) throw notFound(`Secret with ID '${secretId}' not found`, "GetSecretById");
  const stored = await decryptSecret(keyRing, row.secret, { environment: row.environment.slug, secretPath: row.folder.path });
  return { projectId: row.secret.projectId, secret: listedSecret(stored) };
}
