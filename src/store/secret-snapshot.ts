/**
 * Secrets held in memory for one operation: whole folders (what a list returns) or single secrets (what a get
 * returns), loaded in one round trip. Values are decrypted only when asked for — the secrets an operation returns
 * plus, when references are followed, every secret their values reach, fetched one round trip per reference hop.
 * The number of queries depends on how far references reach, never on how many secrets there are.
 */
import { and, eq, inArray, or, type SQL } from "drizzle-orm";
import { selectInChunks } from "../db/chunks";
import type { Db } from "../db/client";
import { secretValueAad } from "../db/encrypted-columns";
import { secrets } from "../db/schema";
import { decryptField, type KeyRing } from "../lib/crypto";
import { MAX_REFERENCE_DEPTH } from "../lib/limits";
import type { FolderRow, ProjectTree } from "./project-tree";
import { referencedAddresses, type ReferenceSource, type SecretAddress, type SecretLocation } from "./references";

export type SecretRow = typeof secrets.$inferSelect;

/** A secret whose value may not be decrypted yet. */
export interface LoadedSecret {
  row: SecretRow;
  key: string;
  location: SecretLocation;
}

export interface StoredSecret extends LoadedSecret {
  value: string;
}

/** D1 allows 100 bound parameters per statement; leave room for the other conditions. */
const FOLDER_IDS_PER_QUERY = 90;
/** each (folder, key) pair binds two parameters */
const ADDRESSES_PER_QUERY = 45;
/**
 * Statements one round of reference following may spend on single secrets; a round wanting more loads their folders
 * whole instead. A value can reference thousands of distinct secrets, and D1 allows a Worker 1,000 queries per
 * invocation (50 on the free plan): a round costs at most this many statements, or one per FOLDER_IDS_PER_QUERY folders.
 */
const SINGLE_SECRET_QUERIES_PER_ROUND = 4;

export interface DecryptOptions {
  /** also decrypt what the values reference, transitively, as far as expansion can reach */
  followReferences: boolean;
}

export interface SnapshotScope {
  /** folders loaded whole */
  folders?: readonly FolderRow[];
  /** single secrets */
  secrets?: readonly SecretAddress[];
}

export class SecretSnapshot implements ReferenceSource {
  /** complete for every folder loaded whole */
  private readonly byFolder = new Map<string, LoadedSecret[]>();
  private readonly byAddress = new Map<string, LoadedSecret>();
  /** single secrets already asked for, found or not */
  private readonly requested = new Set<string>();
  private readonly values = new Map<string, string>();
  /** the fewest reference hops at which a secret's own references were followed */
  private readonly followedAt = new Map<string, number>();

  private constructor(
    private readonly db: Db,
    private readonly keyRing: KeyRing,
    readonly tree: ProjectTree,
  ) {}

  static async load(db: Db, keyRing: KeyRing, tree: ProjectTree, scope: SnapshotScope): Promise<SecretSnapshot> {
    const snapshot = new SecretSnapshot(db, keyRing, tree);
    await snapshot.loadFolders((scope.folders ?? []).map((f) => f.id));
    await snapshot.loadSecrets(scope.secrets ?? []);
    return snapshot;
  }

  /** A secret already loaded keeps its identity. */
  private remember(row: SecretRow): LoadedSecret {
    const location = locationOf(this.tree, this.tree.folderById(row.folderId)!);
    const id = addressKey({ ...location, key: row.key });
    const known = this.byAddress.get(id);
    if (known) return known;
    const secret = { row, key: row.key, location };
    this.byAddress.set(id, secret);
    return secret;
  }

  /** Fetches the folders not loaded whole yet. */
  private async loadFolders(folderIds: readonly string[]): Promise<void> {
    const ids = [...new Set(folderIds)].filter((id) => !this.byFolder.has(id));
    const rows = await selectSecretsInChunks(this.db, ids, FOLDER_IDS_PER_QUERY, (part) => inArray(secrets.folderId, part));
    for (const id of ids) this.byFolder.set(id, []);
    for (const row of rows) this.byFolder.get(row.folderId)!.push(this.remember(row));
    for (const id of ids) this.byFolder.get(id)!.sort((a, b) => a.key.localeCompare(b.key));
  }

  /** Fetches the secrets at `addresses` that are neither in a whole folder nor asked for before (see SINGLE_SECRET_QUERIES_PER_ROUND). */
  private async loadSecrets(addresses: readonly SecretAddress[]): Promise<void> {
    const wanted = new Map<string, { folderId: string; key: string }>();
    for (const address of addresses) {
      const id = addressKey(address);
      const folder = this.folderOf(address);
      if (!folder || this.byFolder.has(folder.id) || this.requested.has(id)) continue;
      this.requested.add(id);
      wanted.set(id, { folderId: folder.id, key: address.key });
    }
    if (wanted.size > ADDRESSES_PER_QUERY * SINGLE_SECRET_QUERIES_PER_ROUND) return this.loadFolders([...wanted.values()].map((a) => a.folderId));
    const rows = await selectSecretsInChunks(this.db, [...wanted.values()], ADDRESSES_PER_QUERY, (part) =>
      or(...part.map((a) => and(eq(secrets.folderId, a.folderId), eq(secrets.key, a.key))))!,
    );
    rows.forEach((row) => this.remember(row));
  }

  /**
   * Decrypts `wanted` and returns them with their values. Following references walks outwards one hop per round:
   * the expander reads targets up to MAX_REFERENCE_DEPTH + 1 hops away (the last only to tell an empty target from
   * a chain that is too deep), so that is how far values are decrypted.
   */
  async decrypt(wanted: readonly LoadedSecret[], options: DecryptOptions): Promise<StoredSecret[]> {
    let pending = [...wanted];
    for (let hops = 0; pending.length; hops++) {
      await Promise.all(pending.filter((s) => !this.values.has(s.row.id)).map(async (s) => this.values.set(s.row.id, await decryptValue(this.keyRing, s.row))));
      if (!options.followReferences || hops > MAX_REFERENCE_DEPTH) break;
      const toFollow = pending.filter((s) => (this.followedAt.get(s.row.id) ?? Infinity) > hops);
      toFollow.forEach((s) => this.followedAt.set(s.row.id, hops));
      const targets = toFollow.flatMap((s) => referencedAddresses(this.valueOf(s), s.location));
      await this.loadSecrets(targets);
      pending = [...new Set(targets.flatMap((t) => this.find(t) ?? []))];
    }
    return wanted.map((s) => ({ ...s, value: this.valueOf(s) }));
  }

  private folderOf(address: SecretLocation): FolderRow | undefined {
    const env = this.tree.environmentBySlug(address.environment);
    return env && this.tree.folderAt(env.id, address.secretPath);
  }

  allSecrets(): LoadedSecret[] {
    return [...this.byFolder.values()].flat();
  }

  /** The folder's secrets sorted by key (the folder must have been loaded). */
  secretsIn(folderId: string): LoadedSecret[] {
    return this.byFolder.get(folderId) ?? [];
  }

  find(address: SecretAddress): LoadedSecret | undefined {
    return this.byAddress.get(addressKey(address));
  }

  valueOf(secret: LoadedSecret): string {
    const value = this.values.get(secret.row.id);
    // Reaching an undecrypted value means a caller skipped `decrypt`: fail loudly rather than expand wrongly.
    if (value === undefined) throw new Error(`secret ${secret.row.id} was read before it was decrypted`);
    return value;
  }

  valueAt(address: SecretAddress): string | undefined {
    const secret = this.find(address);
    return secret && this.valueOf(secret);
  }
}

const addressKey = (a: SecretAddress) => `${a.environment}\u0000${a.secretPath}\u0000${a.key}`;

const decryptValue = (keyRing: KeyRing, row: SecretRow) => decryptField(keyRing, row.valueCiphertext, secretValueAad(row.id));

export async function decryptSecret(keyRing: KeyRing, row: SecretRow, location: SecretLocation): Promise<StoredSecret> {
  return { row, key: row.key, value: await decryptValue(keyRing, row), location };
}

export function locationOf(tree: ProjectTree, folder: FolderRow): SecretLocation {
  return { environment: tree.environmentOf(folder).slug, secretPath: folder.path };
}

/**
 * Shared secret rows matching a condition over a list too long for one statement's bound parameters: one select per
 * chunk of `items`, all in one round trip.
 */
export async function selectSecretsInChunks<T>(db: Db, items: readonly T[], size: number, condition: (part: T[]) => SQL): Promise<SecretRow[]> {
  return selectInChunks(db, items, size, (part) => db.select().from(secrets).where(and(condition(part), eq(secrets.type, "shared"))));
}
