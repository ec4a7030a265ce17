/**
 * Reading secrets: decrypted, imports merged, references expanded — all on one in-memory snapshot, so a read costs
 * a fixed number of D1 queries however many secrets it returns.
 *
 * `readResolvedSecrets` is the sync engine's view (one flat key → value map with what failed to resolve), read as the
 * system; the `*View` functions produce Infisical's API shapes for an actor, with Infisical's rules: a secret is
 * listed where the actor may `describeSecret` it and its value shown where it may `readValue` it, imported secrets
 * are judged at the folder they come from, and a reference is only followed into a folder whose values the actor may
 * read.
 */
import { and, eq } from "drizzle-orm";
import { assertCan } from "../access/actor";
import { referenceDenied, referencesDenied, type SecretLocation as DeniedLocation } from "../access/denial";
import type { Db } from "../db/client";
import { environments, folders, secrets } from "../db/schema";
import type { KeyRing } from "../lib/crypto";
import { notFound } from "../lib/errors";
import { MAX_IMPORT_DEPTH, MAX_REFERENCE_DEPTH } from "../lib/limits";
import { assertMayEver, fieldsAt, locationCheck, secretValueDenied, valueReadCheck } from "./access";
import type { StoreContext } from "./context";
import { importMerger } from "./import-precedence";
import { loadProjectTree, type FolderRow, type ImportReach, type ProjectTree } from "./project-tree";
import {
  createExpander,
  ReferenceDeniedError,
  referencedAddresses,
  type Expander,
  type ExpansionResult,
  type ReadCheck,
  type SecretAddress,
  type UnresolvedReference,
} from "./references";
import { importedSecret, listedSecret, secretMetadataOf, type ShownValue } from "./secret-shapes";
import { decryptSecret, locationOf, SecretSnapshot, type LoadedSecret } from "./secret-snapshot";

/** Which loaded secrets one read may see at all. */
type SecretFilter = (secret: LoadedSecret) => boolean;

const everySecret: SecretFilter = () => true;

/**
 * For one read: each reached folder's own secrets (those `shows` lets through) and, below them in precedence, its
 * imports' (nested, cycle-safe), each folder merged once. Filtering before merging is Infisical's order: a secret the
 * reader may not see hides nothing. Imports are followed from folders fewer than MAX_IMPORT_DEPTH hops from the
 * folder read.
 */
function effectiveSecrets(
  snapshot: SecretSnapshot,
  reach: ImportReach,
  shows: SecretFilter = everySecret,
): (folder: FolderRow) => LoadedSecret[] {
  const tree = snapshot.tree;
  const resolve = importMerger<LoadedSecret>({
    own: (folderId) => snapshot.secretsIn(folderId).filter(shows),
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
 * shown. Hidden values are never decrypted. Expanding throws `ReferenceDeniedError` at a reference into a folder
 * `mayRead` refuses.
 */
async function prepareValues(
  snapshot: SecretSnapshot,
  options: ValueOptions,
  shown: { raw: LoadedSecret[]; expanded: LoadedSecret[] },
  mayRead: ReadCheck,
) {
  if (options.viewValue) {
    await snapshot.decrypt(shown.raw, { followReferences: false });
    await snapshot.decrypt(shown.expanded, { followReferences: true });
  }
  const expander = createExpander(snapshot, mayRead);
  return (secret: LoadedSecret, expandReferences: boolean): ShownValue => {
    if (!options.viewValue) return { value: "", hidden: true };
    return { value: expandReferences ? expand(snapshot, expander, secret).value : snapshot.valueOf(secret), hidden: false };
  };
}

type ValueShower = Awaited<ReturnType<typeof prepareValues>>;

const deniedLocation = (a: SecretAddress): DeniedLocation => ({ key: a.key, environment: a.environment, path: a.secretPath });
const addressOf = (secret: LoadedSecret): SecretAddress => ({ ...secret.location, key: secret.key });

/**
 * An imported secret's value: expanded, or as stored when it references a folder the reader may not read (Infisical
 * expands imported secrets on a best-effort basis and keeps a value whose expansion fails).
 */
function importedValue(show: ValueShower, secret: LoadedSecret): ShownValue {
  try {
    return show(secret, true);
  } catch (error) {
    if (error instanceof ReferenceDeniedError) return show(secret, false);
    throw error;
  }
}

/** Each import of a folder with the secrets it brings (the source folder's own secrets over its own imports). */
function importLayers(snapshot: SecretSnapshot, folder: FolderRow, reach: ImportReach, shows: SecretFilter) {
  const effective = effectiveSecrets(snapshot, reach, shows);
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
    secrets: layer.secrets.map((secret) => importedSecret(secret, importedValue(show, secret))),
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

/**
 * Infisical's list: refused outright only when no rule lets the actor describe any secret of the project; otherwise
 * the secrets it may describe. Asking for values (the default) refuses when the listed folder holds a secret whose
 * value the actor may not read, and leaves out such secrets of subfolders (`recursive`); imported secrets are listed
 * where they may be described and, with values, read. Expanding a listed secret's reference into a folder the actor
 * may not read refuses the whole list, naming every such secret.
 */
export async function listSecretsView(ctx: StoreContext, q: ListSecretsQuery) {
  const { actor } = ctx;
  assertMayEver(actor, q.projectId, "describeSecret", "secrets");
  const tree = await loadProjectTree(ctx.db, q.projectId);
  const folder = requireListedFolder(tree, q.environment, q.secretPath);
  const describable = locationCheck(actor, q.projectId, "describeSecret", "secrets");
  const readable = valueReadCheck(actor, q.projectId);
  // With values, a subfolder whose values the actor may not read is left out; the listed folder itself refuses below.
  const listable = (f: FolderRow) => {
    const at = locationOf(tree, f);
    return describable(at) && (!q.viewValue || f.id === folder.id || readable(at));
  };
  const ownFolders = (q.recursive ? tree.subtree(folder) : [folder]).filter(listable).sort((a, b) => a.path.localeCompare(b.path));
  const reach = q.includeImports ? tree.importReach(folder.id) : null;
  const snapshot = await SecretSnapshot.load(ctx.db, await ctx.keyRing(), tree, { folders: [...ownFolders, ...(reach?.folders ?? [])] });
  const own = q.tagSlugs.length ? [] : ownFolders.flatMap((f) => snapshot.secretsIn(f.id)).filter((s) => matchesMetadata(s, q.metadataFilter));
  if (q.viewValue && own.some((s) => s.row.folderId === folder.id)) {
    assertCan(actor, q.projectId, "readValue", "secrets", fieldsAt(q.environment, folder.path));
  }
  const importable: SecretFilter = (s) => describable(s.location) && (!q.viewValue || readable(s.location));
  const layers = reach ? importLayers(snapshot, folder, reach, importable) : [];
  const imported = layers.flatMap((layer) => layer.secrets);
  const shown = q.expandReferences ? { raw: [], expanded: [...own, ...imported] } : { raw: own, expanded: imported };
  const show = await prepareValues(snapshot, q, shown, readable);
  const refusals: { referenced: DeniedLocation; referencing: DeniedLocation }[] = [];
  const listed = own.map((secret) => {
    try {
      return listedSecret(secret, show(secret, q.expandReferences));
    } catch (error) {
      if (!(error instanceof ReferenceDeniedError)) throw error;
      refusals.push({ referenced: deniedLocation(error.referenced), referencing: deniedLocation(addressOf(secret)) });
      return null;
    }
  });
  if (refusals.length) throw referencesDenied(refusals);
  return {
    secrets: listed.filter((secret) => secret !== null),
    imports: layers.map((layer) => importEntryWithoutInfo(importEntry(snapshot, layer, show))),
  };
}

/** The list route's `imports` entries carry no `environmentInfo` (the imports route's do). */
const importEntryWithoutInfo = ({ environmentInfo: _info, ...entry }: ReturnType<typeof importEntry>) => entry;

/**
 * Infisical's `GET /secret-imports/secrets`: each import of the folder with the secrets it brings, for an actor who
 * may read the folder's imports; only secrets whose values it may read are included.
 */
export async function importedSecretsView(ctx: StoreContext, where: ReadLocation) {
  assertCan(ctx.actor, where.projectId, "read", "secret-imports", fieldsAt(where.environmentSlug, where.path));
  const tree = await loadProjectTree(ctx.db, where.projectId);
  const folder = tree.requireFolder(where.environmentSlug, where.path);
  const reach = tree.importReach(folder.id);
  const snapshot = await SecretSnapshot.load(ctx.db, await ctx.keyRing(), tree, { folders: reach.folders });
  const readable = valueReadCheck(ctx.actor, where.projectId);
  const layers = importLayers(snapshot, folder, reach, (s) => readable(s.location));
  const expanded = layers.flatMap((layer) => layer.secrets);
  const show = await prepareValues(snapshot, { expandReferences: true, viewValue: true }, { raw: [], expanded }, readable);
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

/**
 * One secret the actor may describe; with `includeImports`, a key the folder lacks is looked up in its imports (last
 * import first), among the secrets the actor may describe there. Asking for the value needs `readValue` where the
 * secret is; expanding it, `readValue` wherever its references lead.
 */
export async function getSecretView(ctx: StoreContext, q: GetSecretQuery) {
  const { actor } = ctx;
  assertCan(actor, q.projectId, "describeSecret", "secrets", fieldsAt(q.environment, q.secretPath));
  const tree = await loadProjectTree(ctx.db, q.projectId);
  const folder = tree.requireFolder(q.environment, q.secretPath, "GetSecretByName");
  const own = { environment: q.environment, secretPath: folder.path, key: q.key };
  // Without imports only the one secret is read; the import fallback needs the imported folders whole.
  const reach = q.includeImports ? tree.importReach(folder.id) : null;
  const scope = reach ? { folders: [folder, ...reach.folders] } : { secrets: [own] };
  const snapshot = await SecretSnapshot.load(ctx.db, await ctx.keyRing(), tree, scope);
  const describable = locationCheck(actor, q.projectId, "describeSecret", "secrets");
  const found = reach
    ? effectiveSecrets(snapshot, reach, (s) => describable(s.location))(folder).find((s) => s.key === q.key)
    : snapshot.find(own);
  if (!found) throw notFound(`Secret with name '${q.key}' not found`, "GetSecretByName");
  if (q.version !== undefined && q.version !== found.row.version) {
    throw notFound(`Secret with name '${q.key}' has no version ${q.version}: only the current version (${found.row.version}) is kept`, "GetSecretByName");
  }
  const readable = valueReadCheck(actor, q.projectId);
  if (q.viewValue && !readable(found.location)) throw secretValueDenied(q.key, found.row.folderId !== folder.id);
  const shown = q.expandReferences ? { raw: [], expanded: [found] } : { raw: [found], expanded: [] };
  const show = await prepareValues(snapshot, q, shown, readable);
  try {
    return listedSecret(found, show(found, q.expandReferences));
  } catch (error) {
    if (error instanceof ReferenceDeniedError) throw referenceDenied(deniedLocation(error.referenced), deniedLocation(addressOf(found)));
    throw error;
  }
}

/** A secret by id (Infisical's `/id/:secretId`), which takes `readValue` where the secret is. */
export async function getSecretById(ctx: StoreContext, secretId: string) {
  const row = await ctx.db
    .select({ secret: secrets, folder: folders, environment: environments })
    .from(secrets)
    .innerJoin(folders, eq(folders.id, secrets.folderId))
    .innerJoin(environments, eq(environments.id, secrets.environmentId))
    .where(and(eq(secrets.id, secretId), eq(secrets.type, "shared")))
    .get();
  if (!row) throw notFound(`Secret with ID '${secretId}' not found`, "GetSecretById");
  assertCan(ctx.actor, row.secret.projectId, "readValue", "secrets", fieldsAt(row.environment.slug, row.folder.path));
  const stored = await decryptSecret(await ctx.keyRing(), row.secret, { environment: row.environment.slug, secretPath: row.folder.path });
  return listedSecret(stored, { value: stored.value, hidden: false });
}
