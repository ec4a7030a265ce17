/**
 * Folders, Infisical style: each environment has a hidden root "/"; a folder's path is its parent's path plus its
 * name. Creating a folder creates its missing parents; renaming moves its whole subtree; a forced delete removes the
 * subtree with its secrets and imports (foreign-key cascade).
 *
 * Access follows Infisical's `secret-folders` rules, checked where the folder sits: its parent's path (for a create,
 * the path it is created under). A rename keeps the folder under the same parent, so that one location is both where
 * it was and where it goes. Unlike Infisical, which lets anyone in the project list folders, reads need `read`.
 */
import { and, eq, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { assertCan } from "../access/actor";
import type { AuditEntry } from "../audit/audit-log";
import { environments, folders, secrets } from "../db/schema";
import { badRequest, notFound } from "../lib/errors";
import { nowIso } from "../lib/time";
import { assertMayEver, fieldsAt, locationCheck } from "./access";
import { commitChanges } from "./change-events";
import type { ChangeAction, StoreChange } from "./changes";
import type { StoreContext } from "./context";
import { folderPathProblem, isWithin, joinPath, parentPath, pathSegments, rebasePath, ROOT_PATH } from "./paths";
import { isRootFolder, loadProjectTree, type FolderRow, type ProjectTree } from "./project-tree";

export function publicFolder(row: FolderRow) {
  return {
    id: row.id,
    name: row.name,
    version: row.version,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    envId: row.environmentId,
    parentId: row.parentId,
    isReserved: false,
    description: row.description,
    lastSecretModified: row.lastSecretModified,
  };
}

const folderChange = (tree: ProjectTree, folder: FolderRow, action: ChangeAction, folderId: string | null = folder.id): StoreChange => ({
  projectId: tree.projectId,
  environmentId: folder.environmentId,
  environmentSlug: tree.environmentOf(folder).slug,
  folderId,
  path: folder.path,
  action,
});

export interface CreateFolderInput {
  environment: string;
  /** the parent path */
  path: string;
  name: string;
  description?: string | null;
}

/** Where a folder sits for the rules: its environment and its parent's path (the root sits at "/"). */
const placeOf = (tree: ProjectTree, folder: FolderRow, path = folder.path) => fieldsAt(tree.environmentOf(folder).slug, parentPath(path));

function folderAudit(action: ChangeAction, projectId: string, folder: FolderRow, metadata: Record<string, unknown>): AuditEntry {
  return { action, projectId, targetType: "folder", targetId: folder.id, metadata };
}

export async function createFolder(ctx: StoreContext, projectId: string, input: CreateFolderInput) {
  assertCan(ctx.actor, projectId, "create", "secret-folders", fieldsAt(input.environment, input.path));
  const tree = await loadProjectTree(ctx.db, projectId);
  const environment = tree.requireEnvironment(input.environment);
  const target = joinPath(input.path, input.name);
  const targetProblem = folderPathProblem(target);
  if (targetProblem) throw badRequest(targetProblem);
  if (tree.folderAt(environment.id, target)) throw badRequest(`Folder with name '${input.name}' already exists in path '${input.path}'`);

  const now = nowIso();
  const created: FolderRow[] = [];
  let parent = tree.folderAt(environment.id, ROOT_PATH)!;
  for (const name of pathSegments(target)) {
    const path = joinPath(parent.path, name);
    const existing = tree.folderAt(environment.id, path);
    if (existing) {
      parent = existing;
      continue;
    }
    const folder: FolderRow = {
      id: crypto.randomUUID(),
      projectId,
      environmentId: environment.id,
      parentId: parent.id,
      name,
      path,
      description: path === target ? (input.description ?? null) : null,
      version: 1,
      changeCounter: 0,
      lastSecretModified: null,
      createdAt: now,
      updatedAt: now,
    };
    created.push(folder);
    parent = folder;
  }
  const folder = created.at(-1)!;
  await commitChanges(
    ctx,
    created.map((row) => ctx.db.insert(folders).values(row)),
    created.map((row) => folderChange(tree, row, "folder.create")),
    folderAudit("folder.create", projectId, folder, { environment: input.environment, path: folder.path }),
  );
  return { ...publicFolder(folder), path: folder.path };
}

export interface ListFoldersInput {
  environment: string;
  path: string;
  recursive: boolean;
  lastSecretModified?: string;
}

function folderListing(tree: ProjectTree, input: ListFoldersInput, shown: (folder: FolderRow) => boolean) {
  const environment = tree.requireEnvironment(input.environment);
  const parent = tree.folderAt(environment.id, input.path);
  if (!parent) return [];
  return tree
    .subtree(parent)
    .filter((f) => f.id !== parent.id && (input.recursive || f.parentId === parent.id))
    .filter((f) => !input.lastSecretModified || (f.lastSecretModified !== null && f.lastSecretModified >= input.lastSecretModified))
    .filter(shown)
    .sort((a, b) => a.path.localeCompare(b.path))
    .map((f) => ({ ...publicFolder(f), path: f.path, relativePath: rebasePath(f.path, parent.path, ROOT_PATH) }));
}

/**
 * The folders under a path that the actor may read (refused without any folder `read` rule): direct children sorted
 * by name, or with `recursive` every descendant; a missing parent lists nothing (as Infisical).
 */
export async function listReadableFolders(ctx: StoreContext, projectId: string, input: ListFoldersInput) {
  assertMayEver(ctx.actor, projectId, "read", "secret-folders");
  const tree = await loadProjectTree(ctx.db, projectId);
  const readable = locationCheck(ctx.actor, projectId, "read", "secret-folders");
  return folderListing(tree, input, (folder) => readable(placeOf(tree, folder)));
}

export async function getFolderById(ctx: StoreContext, folderId: string) {
  const row = await ctx.db
    .select({ folder: folders, environment: environments })
    .from(folders)
    .innerJoin(environments, eq(environments.id, folders.environmentId))
    .where(eq(folders.id, folderId))
    .get();
  if (!row) throw notFound(`Folder with ID '${folderId}' not found`);
  assertCan(ctx.actor, row.folder.projectId, "read", "secret-folders", fieldsAt(row.environment.slug, parentPath(row.folder.path)));
  return {
    ...publicFolder(row.folder),
    environment: { envId: row.environment.id, envName: row.environment.name, envSlug: row.environment.slug },
    path: row.folder.path,
    projectId: row.folder.projectId,
  };
}

/** Infisical lets callers name a folder by id or by its name under `path`. */
function locateFolder(tree: ProjectTree, idOrName: string, environmentSlug: string, path: string): FolderRow {
  const environment = tree.requireEnvironment(environmentSlug);
  const byId = tree.folderById(idOrName);
  const folder = byId && byId.environmentId === environment.id ? byId : tree.folderAt(environment.id, joinPath(path, idOrName));
  if (!folder || isRootFolder(folder)) throw notFound(`Folder with ID '${idOrName}' not found`);
  return folder;
}

export interface UpdateFolderInput {
  idOrName: string;
  environment: string;
  /** the parent path, where the folder is looked up by name */
  path: string;
  name: string;
  description?: string | null;
}

/** Renames (and re-describes) folders atomically; a renamed folder's descendants move with it. */
async function renameFolders(
  ctx: StoreContext,
  projectId: string,
  inputs: UpdateFolderInput[],
  audit: (updated: FolderRow[]) => AuditEntry,
) {
  assertMayEver(ctx.actor, projectId, "edit", "secret-folders");
  const tree = await loadProjectTree(ctx.db, projectId);
  const now = nowIso();
  const statements: BatchItem<"sqlite">[] = [];
  const changes: StoreChange[] = [];
  const updated: FolderRow[] = [];
  // Paths as they stand after the renames processed so far in this call.
  const renamedPaths = new Map<string, string>();
  const currentPath = (folder: FolderRow) => renamedPaths.get(folder.id) ?? folder.path;

  for (const input of inputs) {
    const folder = locateFolder(tree, input.idOrName, input.environment, input.path);
    const oldPath = currentPath(folder);
    assertCan(ctx.actor, projectId, "edit", "secret-folders", placeOf(tree, folder, oldPath));
    const newPath = joinPath(parentPath(oldPath), input.name);
    if (newPath !== oldPath) {
      const taken = tree.subtree(tree.folderAt(folder.environmentId, ROOT_PATH)!).some((f) => currentPath(f) === newPath);
      if (taken) throw badRequest("Folder with specified name already exists");
      for (const f of tree.subtree(folder)) {
        if (!isWithin(currentPath(f), oldPath)) continue;
        const moved = rebasePath(currentPath(f), oldPath, newPath);
        const movedProblem = folderPathProblem(moved);
        if (movedProblem) throw badRequest(movedProblem);
        renamedPaths.set(f.id, moved);
      }
    }
    const row: FolderRow = {
      ...folder,
      name: input.name,
      path: newPath,
      description: input.description === undefined ? folder.description : input.description,
      version: folder.version + 1,
      updatedAt: now,
    };
    statements.push(
      ctx.db.update(folders).set({ name: row.name, path: row.path, description: row.description, version: row.version, updatedAt: now }).where(eq(folders.id, folder.id)),
    );
    if (newPath !== oldPath) {
      // Move the descendants in SQL: prefix comparison with substr, because LIKE would treat '_' in names as a wildcard.
      statements.push(
        ctx.db
          .update(folders)
          .set({ path: sql`${newPath} || substr(${folders.path}, ${oldPath.length + 1})` })
          .where(and(eq(folders.environmentId, folder.environmentId), sql`substr(${folders.path}, 1, ${oldPath.length + 1}) = ${`${oldPath}/`}`)),
      );
      changes.push(folderChange(tree, { ...folder, path: oldPath }, "folder.update", null));
    }
    changes.push(folderChange(tree, row, "folder.update"));
    updated.push(row);
  }
  await commitChanges(ctx, statements, changes, audit(updated));
  return updated.map((row) => ({ ...publicFolder(row), path: row.path }));
}

export async function updateFolder(ctx: StoreContext, projectId: string, input: UpdateFolderInput) {
  const audit = ([row]: FolderRow[]) => folderAudit("folder.update", projectId, row!, { environment: input.environment, path: row!.path });
  const [folder] = await renameFolders(ctx, projectId, [input], audit);
  return folder!;
}

export function updateFolders(ctx: StoreContext, projectId: string, inputs: UpdateFolderInput[]) {
  return renameFolders(ctx, projectId, inputs, (rows) => ({
    action: "folder.update",
    projectId,
    targetType: "folder",
    targetId: null,
    metadata: { paths: rows.map((r) => r.path) },
  }));
}

export interface DeleteFolderInput {
  idOrName: string;
  environment: string;
  path: string;
  force: boolean;
}

export async function deleteFolder(ctx: StoreContext, projectId: string, input: DeleteFolderInput) {
  assertMayEver(ctx.actor, projectId, "delete", "secret-folders");
  const tree = await loadProjectTree(ctx.db, projectId);
  const folder = locateFolder(tree, input.idOrName, input.environment, input.path);
  assertCan(ctx.actor, projectId, "delete", "secret-folders", placeOf(tree, folder));
  const subtree = tree.subtree(folder);
  if (!input.force) {
    const holdsSecret = await ctx.db.select({ id: secrets.id }).from(secrets).where(eq(secrets.folderId, folder.id)).limit(1).get();
    if (holdsSecret || subtree.length > 1 || tree.importsOf(folder.id).length) {
      throw badRequest(`Cannot delete folder "${folder.name}" because it contains resources. Use forceDelete=true to delete it forcefully.`);
    }
  }
  await commitChanges(
    ctx,
    [ctx.db.delete(folders).where(and(eq(folders.environmentId, folder.environmentId), sql`(${folders.path} = ${folder.path} OR substr(${folders.path}, 1, ${folder.path.length + 1}) = ${`${folder.path}/`})`))],
    [folderChange(tree, folder, "folder.delete", null)],
    folderAudit("folder.delete", projectId, folder, { environment: input.environment, path: folder.path }),
  );
  return { ...publicFolder(folder), path: folder.path };
}
