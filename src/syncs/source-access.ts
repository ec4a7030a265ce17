/**
 * A sync carries values out of the store, and its runs read as the system: whoever sets up or re-points a sync must
 * be allowed to read, value included, everything a run will read. That is the source folder, every folder it imports
 * (nested), and every folder its values reference (transitively): the locations the reader reports as the read's
 * dependencies. References count because a run expands them, so a reference in a readable folder to a secret the
 * caller may not read would otherwise leave through the sync.
 */
import { can, type Actor } from "../access/actor";
import { syncSourceDenied } from "../access/denial";
import type { Db } from "../db/client";
import type { KeyRing } from "../lib/crypto";
import { readResolvedSecrets, type ReadLocation } from "../store/secret-reader";

export interface FolderLocation {
  environment: string;
  path: string;
}

/** `<environment slug>:<path>`, the reader's location keys (slugs never contain ':'). */
export function parseLocationKey(key: string): FolderLocation {
  const at = key.indexOf(":");
  return { environment: key.slice(0, at), path: key.slice(at + 1) };
}

const readableBy = (actor: Actor, projectId: string, where: FolderLocation) =>
  can(actor, projectId, "readValue", "secrets", { environment: where.environment, secretPath: where.path });

/** The first location of `locations` the actor may not read values in, if any. */
export function firstUnreadable(actor: Actor, projectId: string, locations: readonly FolderLocation[]): FolderLocation | undefined {
  return locations.find((where) => !readableBy(actor, projectId, where));
}

export interface SourceAccessDeps {
  db: Db;
  keyRing: () => Promise<KeyRing>;
  actor: Actor;
}

/**
 * Throws Infisical's "You do not have permission to read secrets at path …" for the first location the actor may not
 * read. The source folder is checked first, before any value is decrypted to find references.
 */
export async function assertCanReadSource(deps: SourceAccessDeps, source: ReadLocation): Promise<void> {
  const own = { environment: source.environmentSlug, path: source.path };
  let refused: FolderLocation | undefined = own;
  if (readableBy(deps.actor, source.projectId, own)) {
    const { dependencies } = await readResolvedSecrets(deps.db, await deps.keyRing(), source);
    refused = firstUnreadable(deps.actor, source.projectId, dependencies.map(parseLocationKey));
  }
  if (refused) throw syncSourceDenied(refused.environment, refused.path);
}
