/**
 * Decrypted secrets of a set of folders, held in memory for one operation. Loading costs one D1 round trip per
 * "ring" of folders: the requested folders first, then — when references are followed — the folders their values
 * reference, and so on up to the expansion depth cap. The number of queries depends on how far references reach,
 * never on how many secrets there are.
 */
import { and, eq, inArray, type SQL } from "drizzle-orm";
import type { Db } from "../db/client";
import { secretValueAad } from "../db/encrypted-columns";
import { secrets } from "../db/schema";
import { decryptField, type KeyRing } from "../lib/crypto";
import type { FolderRow, ProjectTree } from "./project-tree";
import { MAX_REFERENCE_DEPTH, referencedAddresses, type ReferenceSource, type SecretAddress, type SecretLocation } from "./references";

export type SecretRow = typeof secrets.$inferSelect;

export interface StoredSecret {
  row: SecretRow;
  key: string;
  value: string;
  location: SecretLocation;
}

/** D1 allows 100 bound parameters per statement; leave room for the other conditions. */
const FOLDER_IDS_PER_QUERY = 90;

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export class SecretSnapshot implements ReferenceSource {
  private readonly byFolder = new Map<string, StoredSecret[]>();
  private readonly byAddress = new Map<string, StoredSecret>();
  private unscanned: StoredSecret[] = [];

  constructor(readonly tree: ProjectTree) {}

  add(folderIds: readonly string[], loaded: readonly StoredSecret[]): void {
    for (const id of folderIds) this.byFolder.set(id, []);
    for (const secret of loaded) {
      this.byFolder.get(secret.row.folderId)!.push(secret);
      this.byAddress.set(addressKey({ ...secret.location, key: secret.key }), secret);
      this.unscanned.push(secret);
    }
    for (const id of folderIds) this.byFolder.get(id)!.sort((a, b) => a.key.localeCompare(b.key));
  }

  allSecrets(): StoredSecret[] {
    return [...this.byFolder.values()].flat();
  }

  /** The folder's secrets sorted by key (the folder must have been loaded). */
  secretsIn(folderId: string): StoredSecret[] {
    return this.byFolder.get(folderId) ?? [];
  }

  find(address: SecretAddress): StoredSecret | undefined {
    return this.byAddress.get(addressKey(address));
  }

  valueAt(address: SecretAddress): string | undefined {
    return this.find(address)?.value;
  }

  /** Folders referenced by the values added since the last call that are not loaded yet. */
  referencedFolders(): FolderRow[] {
    const pending = new Map<string, FolderRow>();
    for (const secret of this.unscanned) {
      for (const target of referencedAddresses(secret.value, secret.location)) {
        const env = this.tree.environmentBySlug(target.environment);
        const folder = env && this.tree.folderAt(env.id, target.secretPath);
        if (folder && !this.byFolder.has(folder.id)) pending.set(folder.id, folder);
      }
    }
    this.unscanned = [];
    return [...pending.values()];
  }
}

const addressKey = (a: SecretAddress) => `${a.environment}\u0000${a.secretPath}\u0000${a.key}`;

export async function decryptSecret(keyRing: KeyRing, row: SecretRow, location: SecretLocation): Promise<StoredSecret> {
  return { row, key: row.key, value: await decryptField(keyRing, row.valueCiphertext, secretValueAad(row.id)), location };
}

export function locationOf(tree: ProjectTree, folder: FolderRow): SecretLocation {
  return { environment: tree.environmentOf(folder).slug, secretPath: folder.path };
}

/**
 * Shared secret rows matching a condition over a list too long for one statement's bound parameters: one select per
 * chunk of `items`, all in one round trip.
 */
export async function selectSecretsInChunks<T>(db: Db, items: readonly T[], size: number, condition: (part: T[]) => SQL): Promise<SecretRow[]> {
  const queries = chunk(items, size).map((part) => db.select().from(secrets).where(and(condition(part), eq(secrets.type, "shared"))));
  if (!queries.length) return [];
  return (await db.batch(queries as [(typeof queries)[number], ...(typeof queries)[number][]])).flat();
}

async function loadFolders(db: Db, keyRing: KeyRing, tree: ProjectTree, folderIds: string[]): Promise<StoredSecret[]> {
  const rows = await selectSecretsInChunks(db, folderIds, FOLDER_IDS_PER_QUERY, (ids) => inArray(secrets.folderId, ids));
  return Promise.all(rows.map((row) => decryptSecret(keyRing, row, locationOf(tree, tree.folderById(row.folderId)!))));
}

export interface SnapshotOptions {
  /** also load the folders that references in the loaded values point to, transitively */
  followReferences: boolean;
}

export async function loadSnapshot(db: Db, keyRing: KeyRing, tree: ProjectTree, folders: readonly FolderRow[], options: SnapshotOptions): Promise<SecretSnapshot> {
  const snapshot = new SecretSnapshot(tree);
  let pending = [...new Set(folders.map((f) => f.id))];
  // A top-level value follows at most MAX_REFERENCE_DEPTH hops, so that many extra rings reach every target.
  for (let ring = 0; pending.length && ring <= MAX_REFERENCE_DEPTH; ring++) {
    snapshot.add(pending, await loadFolders(db, keyRing, tree, pending));
    pending = options.followReferences ? snapshot.referencedFolders().map((f) => f.id) : [];
  }
  return snapshot;
}
