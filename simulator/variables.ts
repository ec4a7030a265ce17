/**
 * The variable store rules of Qovery as far as `docs/qovery-api.md` knows them: one namespace per parent chain
 * (project → its environments) shared by variables and secrets, inherited rows visible from below, BUILT_IN rows
 * read-only, aliases and overrides only towards a higher scope, and deletes that cascade to dependents.
 */
import { QoveryApiFailure, type ParentKind, type SimVariable, type TenantData, type VariableScope } from "./model.ts";

export interface VariableParent {
  kind: ParentKind;
  id: string;
}

export interface StoreContext {
  data: TenantData;
  timestamp: () => string;
  newId: () => string;
}

export interface CreateInput {
  key: string;
  value: string;
  description: string | null;
  mountPath: string | null;
  enableInterpolationInFile: boolean | null;
}

export interface EditInput {
  key: string;
  /** null or absent keeps the stored value (what Qovery does with `value: null`) */
  value: string | null;
  description?: string | null;
  enableInterpolationInFile?: boolean | null;
}

const KEY_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;
const SCOPE_RANK: Record<VariableScope, number> = { BUILT_IN: 3, PROJECT: 2, ENVIRONMENT: 1 };

/** The reason a key is refused, or null when Qovery accepts it. */
export function keyProblem(key: string): string | null {
  if (!key) return "Variable key cannot be empty";
  if (!KEY_PATTERN.test(key)) return `Variable key "${key}" is invalid: use letters, digits and underscores, not starting with a digit`;
  if (/^qovery/i.test(key)) return `Variable name cannot begin with "QOVERY": ${key}`;
  return null;
}

const scopeOfParent = (parent: VariableParent): VariableScope => (parent.kind === "project" ? "PROJECT" : "ENVIRONMENT");

function projectIdOf(data: TenantData, parent: VariableParent): string {
  return parent.kind === "project" ? parent.id : data.environments.get(parent.id)!.projectId;
}

const livesAt = (row: SimVariable, parent: VariableParent) => row.parentKind === parent.kind && row.parentId === parent.id;

/** Rows a list at `parent` returns: its own plus those inherited from its project (each keeps its own scope). */
export function visibleRows(data: TenantData, parent: VariableParent, isSecret: boolean): SimVariable[] {
  const projectId = projectIdOf(data, parent);
  return [...data.variables.values()].filter(
    (row) => row.isSecret === isSecret && (livesAt(row, parent) || (row.parentKind === "project" && row.parentId === projectId)),
  );
}

/**
 * Parents whose keys collide with a new key at `parent`: the whole chain above and below it. Siblings (two
 * environments of one project) do not collide.
 */
function collidingParentIds(data: TenantData, parent: VariableParent): Set<string> {
  const projectId = projectIdOf(data, parent);
  if (parent.kind === "environment") return new Set([parent.id, projectId]);
  const ids = new Set([projectId]);
  for (const env of data.environments.values()) if (env.projectId === projectId) ids.add(env.id);
  return ids;
}

function assertKeyFree(ctx: StoreContext, parentIds: Set<string>, key: string, exceptId?: string): void {
  for (const row of ctx.data.variables.values()) {
    if (row.key !== key || row.id === exceptId || !parentIds.has(row.parentId)) continue;
    const environmentId = row.parentKind === "environment" ? row.parentId : null;
    const projectId = environmentId ? ctx.data.environments.get(environmentId)!.projectId : row.parentId;
    throw new QoveryApiFailure(409, `Variable already exists: ${key}`, {
      existing_variable: {
        organization_id: ctx.data.organization.id,
        project_id: projectId,
        environment_id: environmentId,
        service_id: null,
      },
    });
  }
}

function assertValidKey(key: string): void {
  const problem = keyProblem(key);
  if (problem) throw new QoveryApiFailure(400, problem);
}

function findVisible(ctx: StoreContext, parent: VariableParent, isSecret: boolean, id: string): SimVariable {
  const row = visibleRows(ctx.data, parent, isSecret).find((r) => r.id === id);
  if (!row) throw new QoveryApiFailure(404, `${isSecret ? "Secret" : "Variable"} not found: ${id}`);
  return row;
}

/** A row that may be edited or deleted through `parent`: visible there, defined there, and not a built-in. */
function findOwned(ctx: StoreContext, parent: VariableParent, isSecret: boolean, id: string): SimVariable {
  const row = findVisible(ctx, parent, isSecret, id);
  if (row.scope === "BUILT_IN") throw new QoveryApiFailure(400, `Built-in variable ${row.key} cannot be edited or deleted`);
  if (!livesAt(row, parent)) {
    throw new QoveryApiFailure(400, `Variable ${row.key} is defined at ${row.scope} scope: change it there or create an override`);
  }
  return row;
}

function newRow(ctx: StoreContext, fields: Omit<SimVariable, "id" | "createdAt" | "updatedAt">): SimVariable {
  const at = ctx.timestamp();
  const row: SimVariable = { id: ctx.newId(), ...fields, createdAt: at, updatedAt: at };
  ctx.data.variables.set(row.id, row);
  return row;
}

export function createVariable(ctx: StoreContext, parent: VariableParent, isSecret: boolean, input: CreateInput): SimVariable {
  assertValidKey(input.key);
  assertKeyFree(ctx, collidingParentIds(ctx.data, parent), input.key);
  return newRow(ctx, {
    key: input.key,
    value: input.value,
    isSecret,
    scope: scopeOfParent(parent),
    parentKind: parent.kind,
    parentId: parent.id,
    variableType: input.mountPath ? "FILE" : "VALUE",
    mountPath: input.mountPath,
    description: input.description,
    enableInterpolationInFile: input.enableInterpolationInFile,
    aliasedId: null,
    overriddenId: null,
  });
}

export function editVariable(ctx: StoreContext, parent: VariableParent, isSecret: boolean, id: string, input: EditInput): SimVariable {
  const row = findOwned(ctx, parent, isSecret, id);
  if (input.key !== row.key) {
    if (row.variableType === "OVERRIDE") throw new QoveryApiFailure(400, "The key of an override cannot be changed");
    assertValidKey(input.key);
    assertKeyFree(ctx, collidingParentIds(ctx.data, parent), input.key, row.id);
  }
  if (row.variableType === "ALIAS") {
    if (input.value !== null && input.value !== aliasTarget(ctx.data, row).key) row.aliasedId = repointAlias(ctx, parent, row, input.value).id;
  } else if (input.value !== null) {
    row.value = input.value;
  }
  row.key = input.key;
  if (input.description !== undefined) row.description = input.description;
  if (input.enableInterpolationInFile !== undefined) row.enableInterpolationInFile = input.enableInterpolationInFile;
  row.updatedAt = ctx.timestamp();
  return row;
}

/** An alias's value names its target; editing it to another key points the alias at that key instead. */
function repointAlias(ctx: StoreContext, parent: VariableParent, alias: SimVariable, targetKey: string): SimVariable {
  const candidates = [...ctx.data.variables.values()].filter(
    (row) => row.key === targetKey && row.variableType !== "ALIAS" && SCOPE_RANK[row.scope] > SCOPE_RANK[alias.scope],
  );
  const reachable = [...visibleRows(ctx.data, parent, true), ...visibleRows(ctx.data, parent, false)];
  const target = candidates.find((row) => reachable.includes(row));
  if (!target) throw new QoveryApiFailure(400, `No variable ${targetKey} at a higher scope to alias`);
  if (target.isSecret !== alias.isSecret) throw new QoveryApiFailure(400, "An alias cannot point to a variable of the other kind (secret vs variable)");
  return target;
}

export function aliasTarget(data: TenantData, alias: SimVariable): SimVariable {
  return data.variables.get(alias.aliasedId!)!;
}

export function deleteVariable(ctx: StoreContext, parent: VariableParent, isSecret: boolean, id: string): void {
  deleteWithDependents(ctx.data, findOwned(ctx, parent, isSecret, id).id);
}

function deleteWithDependents(data: TenantData, id: string): void {
  data.variables.delete(id);
  for (const row of [...data.variables.values()]) {
    if (row.aliasedId === id || row.overriddenId === id) deleteWithDependents(data, row.id);
  }
}

function assertHigherScope(target: SimVariable, parent: VariableParent, what: "alias" | "override"): void {
  if (SCOPE_RANK[target.scope] <= SCOPE_RANK[scopeOfParent(parent)]) {
    throw new QoveryApiFailure(400, `Can't create an ${what} on the same or a lower scope: ${target.key} is ${target.scope}`);
  }
}

export function createAlias(
  ctx: StoreContext,
  parent: VariableParent,
  isSecret: boolean,
  targetId: string,
  input: { key: string; description: string | null },
): SimVariable {
  const target = findVisible(ctx, parent, isSecret, targetId);
  if (target.variableType === "ALIAS") throw new QoveryApiFailure(400, "You can't create an alias on an alias");
  assertHigherScope(target, parent, "alias");
  assertValidKey(input.key);
  assertKeyFree(ctx, collidingParentIds(ctx.data, parent), input.key);
  return newRow(ctx, {
    key: input.key,
    value: "",
    isSecret,
    scope: scopeOfParent(parent),
    parentKind: parent.kind,
    parentId: parent.id,
    variableType: "ALIAS",
    mountPath: null,
    description: input.description,
    enableInterpolationInFile: null,
    aliasedId: target.id,
    overriddenId: null,
  });
}

export function createOverride(
  ctx: StoreContext,
  parent: VariableParent,
  isSecret: boolean,
  targetId: string,
  input: { value: string; description: string | null },
): SimVariable {
  const target = findVisible(ctx, parent, isSecret, targetId);
  if (target.variableType !== "VALUE" && target.variableType !== "FILE") {
    throw new QoveryApiFailure(400, `Only plain values can be overridden; ${target.key} is ${target.variableType}`);
  }
  assertHigherScope(target, parent, "override");
  // The override shares its target's key on purpose, so only a second override at this level collides.
  assertKeyFree(ctx, new Set([parent.id]), target.key);
  return newRow(ctx, {
    key: target.key,
    value: input.value,
    isSecret,
    scope: scopeOfParent(parent),
    parentKind: parent.kind,
    parentId: parent.id,
    variableType: "OVERRIDE",
    mountPath: target.mountPath,
    description: input.description,
    enableInterpolationInFile: null,
    aliasedId: null,
    overriddenId: target.id,
  });
}
