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
import { MAX_IMPORT_DEPTH, MAX_REFERENCE_DEPTH } from "../lib/limits";
import { importMerger } from "./import-precedence";
import { loadProjectTree, type FolderRow, type ImportReach, type ProjectTree } from "./project-tree";
import { createExpander, referencedAddresses, type Expander, type ExpansionResult, type UnresolvedReference } from "./references";
import { importedSecret, listedSecret, secretMetadataOf, type ShownValue } from "./secret-shapes";
import { decryptSecret, SecretSnapshot, type LoadedSecret } from "./secret-snapshot";

/**
 * For one read: each reached folder's own secrets and, below them in precedence, its imports' (nested, cycle-safe),
 * each folder merged once. Imports are followed from folders fewer than MAX_IMPORT_DEPTH hops from the folder read.
 */
function effectiveSecrets(snapshot: SecretSnapshot, reach: ImportReach): (folder: FolderRow) => LoadedSecret[] {
  const tree = snapshot.tree;
  const resolve = importMerger<LoadedSecret>({
    own: (folderId) => snapshot.secretsIn(folderId),
    importsOf: (folderId) =>
      reach.hops.get(folderId)! < MAX_IMPORT_DEPTH ? tree.importsOf(folderId).map((row) => tree.importSource(row)?.id) : [],
  });
  return (folder) => resolve(folder.id);
}

/**
 * Expands a stored secret in its own environment and folder. With `skipMultilineEncoding`, an expanded value that
 * spans lines is quoted on one line, as Infisical does.
 */
function expand(snapshot: SecretSnapshot, expander: Expander, secret: LoadedSecret): ExpansionResult {
  const result = expander.expandSecret({ ...secret.location, key: secret.key });
  if (secret.row.skipMultilineEncoding && result.value !== snapshot.valueOf(secret) && result.value.includes("\n")) {
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

/** A folder location as `<environment slug>:<path>`, the form change events are matched against. */
export const locationKey = (environmentSlug: string, path: string) => `${environmentSlug}:${path}`;

/**
 * Every location whose change could change what `folder` resolves to: the folder, the folders it imports (nested),
 * and every folder its values reference, transitively (a referenced key that does not exist yet counts too: creating
 * it changes the result).
 */
function dependencies(snapshot: SecretSnapshot, folder: FolderRow, reach: ImportReach, effective: LoadedSecret[]): string[] {
  const tree = snapshot.tree;
  const locations = new Set([folder, ...reach.folders].map((f) => locationKey(tree.environmentOf(f).slug, f.path)));
  const followed = new Set<LoadedSecret>(effective);
  let frontier = effective;
  for (let hops = 0; frontier.length && hops <= MAX_REFERENCE_DEPTH; hops++) {
    const next: LoadedSecret[] = [];
    for (const secret of frontier) {
      for (const address of referencedAddresses(snapshot.valueOf(secret), secret.location)) {
        locations.add(locationKey(address.environment, address.secretPath));
        const target = snapshot.find(address);
        if (target && !followed.has(target)) {
          followed.add(target);
          next.push(target);
        }
      }
    }
    frontier = next;
  }
  return [...locations];
}

/** Everything a folder resolves to: own secrets over imports (later imports over earlier), references expanded. */
export async function readResolvedSecrets(
  db: Db,
  keyRing: KeyRing,
  where: ReadLocation,
): Promise<{ folderId: string; secrets: ResolvedSecret[]; dependencies: string[] }> {
  const tree = await loadProjectTree(db, where.projectId);
  const folder = tree.requireFolder(where.environmentSlug, where.path);
  const reach = tree.importReach(folder.id);
  const snapshot = await SecretSnapshot.load(db, keyRing, tree, { folders: [folder, ...reach.folders] });
  const effective = effectiveSecrets(snapshot, reach)(folder);
  await snapshot.decrypt(effective, { followReferences: true });
  const expander = createExpander(snapshot);
  const secrets = effective
    .map((secret) => ({ key: secret.key, ...expand(snapshot, expander, secret) }))
    .sort((a, b) => a.key.localeCompare(b.key));
  return { folderId: folder.id, secrets, dependencies: dependencies(snapshot, folder, reach, effective) };
}

export interface ValueOptions {
  expandReferences: boolean;
  viewValue: boolean;
}

/**
 * Decrypts what will be shown (and, for expanded values, what they reference), then returns how each secret is
 * shown. Hidden values are never decrypted.
 */
async function prepareValues(snapshot: SecretSnapshot, options: ValueOptions, shown: { raw: LoadedSecret[]; expanded: LoadedSecret[] }) {
  if (options.viewValue) {
    await snapshot.decrypt(shown.raw, { followReferences: false });
    await snapshot.decrypt(shown.expanded, { followReferences: true });
  }
  const expander = createExpander(snapshot);
  return (secret: LoadedSecret, expandReferences: boolean): ShownValue => {
    if (!options.viewValue) return { value: "", hidden: true };
    return { value: expandReferences ? expand(snapshot, expander, secret).value : snapshot.valueOf(secret), hidden: false };
  };
}

type ValueShower = Awaited<ReturnType<typeof prepareValues>>;

/** Each import of a folder with the secrets it brings (the source folder's own secrets over its own imports). */
function importLayers(snapshot: SecretSnapshot, folder: FolderRow, reach: ImportReach) {
  const effective = effectiveSecrets(snapshot, reach);
  return snapshot.tree.importsOf(folder.id).map((row) => {
    const source = snapshot.tree.importSource(row);
    return { row, source, secrets: source ? effective(source) : [] };
  });
}

/** Imported secrets are always expanded (Infisical does so whenever values are visible). */
function importEntry(snapshot: SecretSnapshot, layer: ReturnType<typeof importLayers>[number], show: ValueShower) {
  const environment = snapshot.tree.environmentById(layer.row.importEnvironmentId)!;
  return {
    secretPath: layer.row.importPath,
    environment: environment.slug,
    environmentInfo: { id: environment.id, name: environment.name, slug: environment.slug },
    ...(layer.source ? { folderId: layer.source.id } : {}),
    secrets: layer.secrets.map((secret) => importedSecret(secret, show(secret, true))),
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

function matchesMetadata(secret: LoadedSecret, conditions: MetadataCondition[]): boolean {
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
  const reach = q.includeImports ? tree.importReach(folder.id) : null;
  const snapshot = await SecretSnapshot.load(db, keyRing, tree, { folders: [...ownFolders, ...(reach?.folders ?? [])] });
  const own = q.tagSlugs.length ? [] : ownFolders.flatMap((f) => snapshot.secretsIn(f.id)).filter((s) => matchesMetadata(s, q.metadataFilter));
  const layers = reach ? importLayers(snapshot, folder, reach) : [];
  const imported = layers.flatMap((layer) => layer.secrets);
  const show = await prepareValues(snapshot, q, q.expandReferences ? { raw: [], expanded: [...own, ...imported] } : { raw: own, expanded: imported });
  return {
    secrets: own.map((secret) => listedSecret(secret, show(secret, q.expandReferences))),
    imports: layers.map((layer) => importEntryWithoutInfo(importEntry(snapshot, layer, show))),
  };
}

/** The list route's `imports` entries carry no `environmentInfo` (the imports route's do). */
const importEntryWithoutInfo = ({ environmentInfo: _info, ...entry }: ReturnType<typeof importEntry>) => entry;

/** Infisical's `GET /secret-imports/secrets`: each import of the folder with the secrets it brings. */
export async function importedSecretsView(db: Db, keyRing: KeyRing, where: ReadLocation) {
  const tree = await loadProjectTree(db, where.projectId);
  const folder = tree.requireFolder(where.environmentSlug, where.path);
  const reach = tree.importReach(folder.id);
  const snapshot = await SecretSnapshot.load(db, keyRing, tree, { folders: reach.folders });
  const layers = importLayers(snapshot, folder, reach);
  const show = await prepareValues(snapshot, { expandReferences: true, viewValue: true }, { raw: [], expanded: layers.flatMap((layer) => layer.secrets) });
  return layers.map((layer) => importEntry(snapshot, layer, show));
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
  const own = { environment: q.environment, secretPath: folder.path, key: q.key };
  // Without imports only the one secret is read; the import fallback needs the imported folders whole.
  const reach = q.includeImports ? tree.importReach(folder.id) : null;
  const snapshot = await SecretSnapshot.load(db, keyRing, tree, reach ? { folders: [folder, ...reach.folders] } : { secrets: [own] });
  const found = reach ? effectiveSecrets(snapshot, reach)(folder).find((s) => s.key === q.key) : snapshot.find(own);
  if (!found) throw notFound(`Secret with name '${q.key}' not found`, "GetSecretByName");
  if (q.version !== undefined && q.version !== found.row.version) {
    throw notFound(`Secret with name '${q.key}' has no version ${q.version}: only the current version (${found.row.version}) is kept`, "GetSecretByName");
  }
  const show = await prepareValues(snapshot, q, q.expandReferences ? { raw: [], expanded: [found] } : { raw: [found], expanded: [] });
  return listedSecret(found, show(found, q.expandReferences));
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
  return { projectId: row.secret.projectId, secret: listedSecret(stored, { value: stored.value, hidden: false }) };
}
