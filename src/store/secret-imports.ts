/**
 * Secret imports: a folder reads another folder's secrets (any environment of the project) below its own, in
 * position order (1-based, dense). Unlike Infisical, which only refuses direct cycles, we refuse any import that
 * would close a cycle of any length.
 *
 * Access follows Infisical's `secret-imports` rules at the importing folder, plus `describeSecret` on the folder an
 * import reads from when it is created. Unlike Infisical, re-pointing an import checks its new source the same way,
 * so an update cannot reach a folder a create could not.
 */
import { and, eq } from "drizzle-orm";
import { alias } from "drizzle-orm/sqlite-core";
import type { BatchItem } from "drizzle-orm/batch";
import { assertCan } from "../access/actor";
import type { AuditEntry } from "../audit/audit-log";
import type { Db } from "../db/client";
import { environments, folders, secretImports } from "../db/schema";
import { badRequest, notFound } from "../lib/errors";
import { MAX_IMPORTS_PER_FOLDER } from "../lib/limits";
import { nowIso } from "../lib/time";
import { fieldsAt } from "./access";
import { commitChanges } from "./change-events";
import type { ChangeAction } from "./changes";
import type { StoreContext } from "./context";
import { loadProjectTree, type EnvironmentRow, type FolderRow, type ProjectTree, type SecretImportRow } from "./project-tree";

export function publicSecretImport(row: SecretImportRow, importEnv: EnvironmentRow) {
  return {
    id: row.id,
    version: row.version,
    importPath: row.importPath,
    importEnv: { id: importEnv.id, name: importEnv.name, slug: importEnv.slug },
    position: row.position,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    folderId: row.folderId,
    isReplication: row.isReplication,
  };
}

export interface ImportLocation {
  environment: string;
  path: string;
}

function importChange(tree: ProjectTree, folder: FolderRow, action: ChangeAction) {
  const environment = tree.environmentOf(folder);
  return { projectId: tree.projectId, environmentId: environment.id, environmentSlug: environment.slug, folderId: folder.id, path: folder.path, action };
}

/** The folder an import would read from; it must exist, and importing it must not close a cycle. */
function checkedSource(tree: ProjectTree, destination: FolderRow, source: ImportLocation, skipImportId?: string): FolderRow {
  const folder = tree.requireFolder(source.environment, source.path);
  if (folder.id === destination.id || tree.importsReach(folder, destination, skipImportId)) throw badRequest("Cyclic import not allowed");
  return folder;
}

/**
 * Refuses an import (new or changed) that would make some folder's reads reach more folders than one read may: the
 * destination's own, or those of the folders importing it. Reads check it too (folders created or renamed later can
 * complete an import path); this keeps an import change from breaking other folders' reads and syncs.
 */
function checkReach(tree: ProjectTree, destination: FolderRow, row: SecretImportRow): void {
  const after = tree.withImport(row);
  for (const folder of after.importersOf(destination)) after.importReach(folder.id);
}

/** Positions rewritten 1..n in the given order, as statements for the rows whose position changed. */
function renumber(db: Db, ordered: SecretImportRow[], now: string): BatchItem<"sqlite">[] {
  return ordered.flatMap((row, i) =>
    row.position === i + 1 ? [] : [db.update(secretImports).set({ position: i + 1, updatedAt: now }).where(eq(secretImports.id, row.id))],
  );
}

const importsAt = (at: ImportLocation) => fieldsAt(at.environment, at.path);

function importAudit(action: ChangeAction, projectId: string, importId: string, metadata: Record<string, unknown>): AuditEntry {
  return { action, projectId, targetType: "secret-import", targetId: importId, metadata };
}

export interface CreateImportInput extends ImportLocation {
  source: ImportLocation;
}

export async function createSecretImport(ctx: StoreContext, projectId: string, input: CreateImportInput) {
  assertCan(ctx.actor, projectId, "create", "secret-imports", importsAt(input));
  assertCan(ctx.actor, projectId, "describeSecret", "secrets", importsAt(input.source));
  const tree = await loadProjectTree(ctx.db, projectId);
  const destination = tree.requireFolder(input.environment, input.path);
  const source = checkedSource(tree, destination, input.source);
  const existing = tree.importsOf(destination.id);
  if (existing.some((row) => tree.importSource(row)?.id === source.id)) throw badRequest("Secret import already exists");
  if (existing.length >= MAX_IMPORTS_PER_FOLDER) throw badRequest(`A folder can have at most ${MAX_IMPORTS_PER_FOLDER} secret imports`);
  const now = nowIso();
  const row: SecretImportRow = {
    id: crypto.randomUUID(),
    projectId,
    folderId: destination.id,
    importEnvironmentId: source.environmentId,
    importPath: source.path,
    position: existing.length + 1,
    isReplication: false,
    version: 1,
    createdAt: now,
    updatedAt: now,
  };
  checkReach(tree, destination, row);
  await commitChanges(
    ctx,
    [ctx.db.insert(secretImports).values(row)],
    [importChange(tree, destination, "secret-import.create")],
    importAudit("secret-import.create", projectId, row.id, {
      environment: input.environment,
      path: input.path,
      importEnvironment: input.source.environment,
      importPath: input.source.path,
    }),
  );
  return publicSecretImport(row, tree.environmentOf(source));
}

export async function listSecretImports(ctx: StoreContext, projectId: string, at: ImportLocation) {
  assertCan(ctx.actor, projectId, "read", "secret-imports", importsAt(at));
  const tree = await loadProjectTree(ctx.db, projectId);
  const folder = tree.requireFolder(at.environment, at.path);
  return tree.importsOf(folder.id).map((row) => publicSecretImport(row, tree.environmentById(row.importEnvironmentId)!));
}

export async function getSecretImport(ctx: StoreContext, importId: string) {
  const importEnv = alias(environments, "import_env");
  const row = await ctx.db
    .select({ secretImport: secretImports, importEnv, folder: folders, environment: environments })
    .from(secretImports)
    .innerJoin(importEnv, eq(importEnv.id, secretImports.importEnvironmentId))
    .innerJoin(folders, eq(folders.id, secretImports.folderId))
    .innerJoin(environments, eq(environments.id, folders.environmentId))
    .where(eq(secretImports.id, importId))
    .get();
  if (!row) throw notFound(`Secret import with ID '${importId}' not found`);
  assertCan(ctx.actor, row.secretImport.projectId, "read", "secret-imports", fieldsAt(row.environment.slug, row.folder.path));
  return {
    ...publicSecretImport(row.secretImport, row.importEnv),
    environment: { id: row.environment.id, name: row.environment.name, slug: row.environment.slug },
    projectId: row.secretImport.projectId,
    secretPath: row.folder.path,
  };
}

function importIn(tree: ProjectTree, folder: FolderRow, importId: string): SecretImportRow | undefined {
  return tree.importsOf(folder.id).find((row) => row.id === importId);
}

export interface UpdateImportInput extends ImportLocation {
  source: Partial<ImportLocation> & { position?: number };
}

/** Re-points and/or moves an import; the others shift to keep positions dense. */
export async function updateSecretImport(ctx: StoreContext, projectId: string, importId: string, input: UpdateImportInput) {
  assertCan(ctx.actor, projectId, "edit", "secret-imports", importsAt(input));
  const tree = await loadProjectTree(ctx.db, projectId);
  const destination = tree.requireFolder(input.environment, input.path);
  const current = importIn(tree, destination, importId);
  if (!current) throw badRequest("Secret import not found");
  const currentEnv = tree.environmentById(current.importEnvironmentId)!;
  const sourceLocation = { environment: input.source.environment ?? currentEnv.slug, path: input.source.path ?? current.importPath };
  if (sourceLocation.environment !== currentEnv.slug || sourceLocation.path !== current.importPath) {
    assertCan(ctx.actor, projectId, "describeSecret", "secrets", importsAt(sourceLocation));
  }
  const source = checkedSource(tree, destination, sourceLocation, current.id);
  const others = tree.importsOf(destination.id).filter((row) => row.id !== current.id);
  if (others.some((row) => tree.importSource(row)?.id === source.id)) throw badRequest("Secret import already exists");

  const now = nowIso();
  const updated: SecretImportRow = { ...current, importEnvironmentId: source.environmentId, importPath: source.path, version: current.version + 1, updatedAt: now };
  const index = Math.min(Math.max(input.source.position ?? current.position, 1), others.length + 1) - 1;
  updated.position = index + 1;
  checkReach(tree, destination, updated);
  // `updated` already holds its new position, so renumbering only touches the imports that shift around it.
  const ordered = [...others.slice(0, index), updated, ...others.slice(index)];
  await commitChanges(
    ctx,
    [
      ctx.db
        .update(secretImports)
        .set({ importEnvironmentId: updated.importEnvironmentId, importPath: updated.importPath, position: updated.position, version: updated.version, updatedAt: now })
        .where(eq(secretImports.id, updated.id)),
      ...renumber(ctx.db, ordered, now),
    ],
    [importChange(tree, destination, "secret-import.update")],
    importAudit("secret-import.update", projectId, updated.id, {
      environment: input.environment,
      path: input.path,
      importPath: updated.importPath,
      position: updated.position,
    }),
  );
  return publicSecretImport(updated, tree.environmentOf(source));
}

export async function deleteSecretImport(ctx: StoreContext, projectId: string, importId: string, at: ImportLocation) {
  assertCan(ctx.actor, projectId, "delete", "secret-imports", importsAt(at));
  const tree = await loadProjectTree(ctx.db, projectId);
  const destination = tree.requireFolder(at.environment, at.path);
  const current = importIn(tree, destination, importId);
  if (!current) throw notFound("Secret import not found");
  const remaining = tree.importsOf(destination.id).filter((row) => row.id !== current.id);
  await commitChanges(
    ctx,
    [ctx.db.delete(secretImports).where(and(eq(secretImports.id, current.id), eq(secretImports.folderId, destination.id))), ...renumber(ctx.db, remaining, nowIso())],
    [importChange(tree, destination, "secret-import.delete")],
    importAudit("secret-import.delete", projectId, current.id, { environment: at.environment, path: at.path }),
  );
  return publicSecretImport(current, tree.environmentById(current.importEnvironmentId)!);
}
