/**
 * A project's environments, folders and imports, loaded in one D1 round trip (three statements) and navigated in
 * memory. Store operations that walk paths, imports or references start from it instead of querying per step.
 */
import { and, eq } from "drizzle-orm";
import type { Db } from "../db/client";
import { environments, folders, secretImports } from "../db/schema";
import { badRequest, notFound } from "../lib/errors";
import { MAX_IMPORT_DEPTH, MAX_IMPORTED_FOLDERS_PER_READ } from "../lib/limits";
import { isWithin, ROOT_PATH } from "./paths";

export type EnvironmentRow = typeof environments.$inferSelect;
export type FolderRow = typeof folders.$inferSelect;
export type SecretImportRow = typeof secretImports.$inferSelect;

/** The folders a read of one folder reaches through imports. */
export interface ImportReach {
  /** the folders reached, the read folder excluded, nearest first */
  folders: FolderRow[];
  /** import hops from the read folder to each folder (itself included, at 0) along the shortest path */
  hops: Map<string, number>;
}

const environmentNotFound = (slug: string, projectId: string) => notFound(`Environment with slug '${slug}' in project with ID '${projectId}' not found`);

const folderNotFound = (path: string, environmentSlug: string, error = "NotFound") =>
  notFound(`Folder with path '${path}' in environment with slug '${environmentSlug}' not found`, error);

export class ProjectTree {
  private readonly envsBySlug = new Map<string, EnvironmentRow>();
  private readonly envsById = new Map<string, EnvironmentRow>();
  private readonly foldersByPath = new Map<string, FolderRow>();
  private readonly foldersById = new Map<string, FolderRow>();
  private readonly importsByFolder = new Map<string, SecretImportRow[]>();

  constructor(
    readonly projectId: string,
    private readonly envRows: EnvironmentRow[],
    private readonly folderRows: FolderRow[],
    private readonly importRows: SecretImportRow[],
  ) {
    for (const env of envRows) {
      this.envsBySlug.set(env.slug, env);
      this.envsById.set(env.id, env);
    }
    for (const folder of folderRows) {
      this.foldersByPath.set(pathKey(folder.environmentId, folder.path), folder);
      this.foldersById.set(folder.id, folder);
    }
    for (const row of [...importRows].sort((a, b) => a.position - b.position)) {
      const list = this.importsByFolder.get(row.folderId) ?? [];
      list.push(row);
      this.importsByFolder.set(row.folderId, list);
    }
  }

  environmentBySlug(slug: string): EnvironmentRow | undefined {
    return this.envsBySlug.get(slug);
  }

  requireEnvironment(slug: string): EnvironmentRow {
    const env = this.envsBySlug.get(slug);
    if (!env) throw environmentNotFound(slug, this.projectId);
    return env;
  }

  environmentById(id: string): EnvironmentRow | undefined {
    return this.envsById.get(id);
  }

  environmentOf(folder: FolderRow): EnvironmentRow {
    return this.envsById.get(folder.environmentId)!;
  }

  folderAt(environmentId: string, path: string): FolderRow | undefined {
    return this.foldersByPath.get(pathKey(environmentId, path));
  }

  folderById(id: string): FolderRow | undefined {
    return this.foldersById.get(id);
  }

  /** The folder at `path` in the environment named by slug, or a 404 naming both. */
  requireFolder(environmentSlug: string, path: string, error?: string): FolderRow {
    const folder = this.folderAt(this.requireEnvironment(environmentSlug).id, path);
    if (!folder) throw folderNotFound(path, environmentSlug, error);
    return folder;
  }

  allFolders(): FolderRow[] {
    return [...this.foldersById.values()];
  }

  /** `folder` and every folder below it. */
  subtree(folder: FolderRow): FolderRow[] {
    return [...this.foldersById.values()].filter((f) => f.environmentId === folder.environmentId && isWithin(f.path, folder.path));
  }

  /** The folder's imports in position order. */
  importsOf(folderId: string): SecretImportRow[] {
    return this.importsByFolder.get(folderId) ?? [];
  }

  /** The folder an import reads from, if it exists. */
  importSource(row: SecretImportRow): FolderRow | undefined {
    return this.folderAt(row.importEnvironmentId, row.importPath);
  }

  /**
   * Every folder whose secrets reach `folderId` through (nested) imports, breadth first, so each is followed from
   * where it is nearest: a folder's imports are followed when it lies fewer than MAX_IMPORT_DEPTH hops away. Refused
   * when more than MAX_IMPORTED_FOLDERS_PER_READ folders are reached.
   */
  importReach(folderId: string): ImportReach {
    const hops = new Map([[folderId, 0]]);
    const folders: FolderRow[] = [];
    for (let next = -1; next < folders.length; next++) {
      const id = next < 0 ? folderId : folders[next]!.id;
      const depth = hops.get(id)!;
      if (depth >= MAX_IMPORT_DEPTH) continue;
      for (const row of this.importsOf(id)) {
        const source = this.importSource(row);
        if (!source || hops.has(source.id)) continue;
        if (folders.length === MAX_IMPORTED_FOLDERS_PER_READ) throw this.tooManyImportedFolders(folderId);
        hops.set(source.id, depth + 1);
        folders.push(source);
      }
    }
    return { folders, hops };
  }

  private tooManyImportedFolders(folderId: string) {
    const folder = this.folderById(folderId)!;
    return badRequest(
      `Folder '${folder.path}' in environment '${this.environmentOf(folder).slug}' reaches more than ${MAX_IMPORTED_FOLDERS_PER_READ} folders ` +
        "through its secret imports (the limit for one read); remove some of its imports or theirs",
    );
  }

  /** `folder` and every folder whose imports lead to it, nested ones included. */
  importersOf(folder: FolderRow): FolderRow[] {
    const importedBy = new Map<string, FolderRow[]>();
    for (const [folderId, rows] of this.importsByFolder) {
      for (const row of rows) {
        const source = this.importSource(row);
        if (!source) continue;
        const importers = importedBy.get(source.id) ?? [];
        importers.push(this.folderById(folderId)!);
        importedBy.set(source.id, importers);
      }
    }
    const found = new Map([[folder.id, folder]]);
    for (const pending = [folder]; pending.length; ) {
      for (const importer of importedBy.get(pending.pop()!.id) ?? []) {
        if (found.has(importer.id)) continue;
        found.set(importer.id, importer);
        pending.push(importer);
      }
    }
    return [...found.values()];
  }

  /** The same project with `row` added, or in place of the import with its id: for checking a change before making it. */
  withImport(row: SecretImportRow): ProjectTree {
    return new ProjectTree(this.projectId, this.envRows, this.folderRows, [...this.importRows.filter((r) => r.id !== row.id), row]);
  }

  /** True when `to` is reachable from `from` by following imports; `skipImportId` ignores one edge (an import being edited). */
  importsReach(from: FolderRow, to: FolderRow, skipImportId?: string): boolean {
    const seen = new Set<string>();
    const pending = [from.id];
    while (pending.length) {
      const id = pending.pop()!;
      if (id === to.id) return true;
      if (seen.has(id)) continue;
      seen.add(id);
      for (const row of this.importsOf(id)) {
        if (row.id === skipImportId) continue;
        const source = this.importSource(row);
        if (source) pending.push(source.id);
      }
    }
    return false;
  }
}

const pathKey = (environmentId: string, path: string) => `${environmentId}\u0000${path}`;


export async function loadProjectTree(db: Db, projectId: string): Promise<ProjectTree> {
  const [envRows, folderRows, importRows] = await db.batch([
    db.select().from(environments).where(eq(environments.projectId, projectId)),
    db.select().from(folders).where(eq(folders.projectId, projectId)),
    db.select().from(secretImports).where(eq(secretImports.projectId, projectId)),
  ]);
  return new ProjectTree(projectId, envRows, folderRows, importRows);
}

/** The folder at `path` in an environment (by slug), in one query, for writes that touch a single folder. */
export async function locateFolder(db: Db, projectId: string, environmentSlug: string, path: string, error?: string) {
  const row = await db
    .select({ environment: environments, folder: folders })
    .from(environments)
    .leftJoin(folders, and(eq(folders.environmentId, environments.id), eq(folders.path, path)))
    .where(and(eq(environments.projectId, projectId), eq(environments.slug, environmentSlug)))
    .get();
  if (!row) throw environmentNotFound(environmentSlug, projectId);
  if (!row.folder) throw folderNotFound(path, environmentSlug, error);
  return { environment: row.environment, folder: row.folder };
}

export const isRootFolder = (folder: FolderRow) => folder.path === ROOT_PATH;
