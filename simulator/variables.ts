/**
 * The variable store rules of Qovery as far as `docs/qovery-api.md` knows them: one namespace per parent chain
 * (project → its environments → their services) shared by variables and secrets, inherited rows visible from below,
 * BUILT_IN rows read-only, aliases and overrides only towards a higher scope, and deletes that cascade to dependents.
 */
import { QoveryApiFailure, type ParentKind, type SimService, type SimVariable, type TenantData, type VariableScope } from "./model.ts";
import { variableScopeOf } from "./services.ts";

export interface VariableParent {
  kind: ParentKind;
  id: string;
}

export interface StoreContext {
  data: TenantData;
  timestamp: () => string;
  newId: () => string;
  /** told about every row created, changed or deleted, with the parent it lives at */
  onChange: (parent: VariableParent) => void;
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
const SERVICE_RANK = 1;
const SCOPE_RANK: Record<VariableScope, number> = {
  BUILT_IN: 4,
  PROJECT: 3,
  ENVIRONMENT: 2,
  APPLICATION: SERVICE_RANK,
  CONTAINER: SERVICE_RANK,
  JOB: SERVICE_RANK,
  HELM: SERVICE_RANK,
  TERRAFORM: SERVICE_RANK,
};

/** The reason a key is refused, or null when Qovery accepts it. */
export function keyProblem(key: string): string | null {
  if (!key) return "Variable key cannot be empty";
  if (!KEY_PATTERN.test(key)) return `Variable key "${key}" is invalid: use letters, digits and underscores, not starting with a digit`;
  if (/^qovery/i.test(key)) return `Variable name cannot begin with "QOVERY": ${key}`;
  return null;
}

export function scopeOfParent(data: TenantData, parent: VariableParent): VariableScope {
  if (parent.kind === "project") return "PROJECT";
  if (parent.kind === "environment") return "ENVIRONMENT";
  return variableScopeOf(data.services.get(parent.id)!.type)!;
}

/** The parent itself and the parents above it: a service, its environment, their project. */
export function chainOf(data: TenantData, parent: VariableParent): VariableParent[] {
  if (parent.kind === "project") return [parent];
  if (parent.kind === "environment") return [parent, { kind: "project", id: data.environments.get(parent.id)!.projectId }];
  const environmentId = data.services.get(parent.id)!.environmentId;
  return [parent, ...chainOf(data, { kind: "environment", id: environmentId })];
}

/** The parents below `parent`: a project's environments and their services, an environment's services. */
export function descendantsOf(data: TenantData, parent: VariableParent): VariableParent[] {
  if (parent.kind === "service") return [];
  const environments =
    parent.kind === "environment"
      ? [parent.id]
      : [...data.environments.values()].filter((env) => env.projectId === parent.id).map((env) => env.id);
  const services = [...data.services.values()].filter((service) => environments.includes(service.environmentId));
  return [
    ...(parent.kind === "project" ? environments.map((id): VariableParent => ({ kind: "environment", id })) : []),
    ...services.map((service): VariableParent => ({ kind: "service", id: service.id })),
  ];
}

/** The services that see a row living at `parent`: the service itself, or every service below an environment or project. */
export function servicesSeeing(data: TenantData, parent: VariableParent): SimService[] {
  const parents = parent.kind === "service" ? [parent] : descendantsOf(data, parent);
  return parents.filter((p) => p.kind === "service").map((p) => data.services.get(p.id)!);
}

const livesAt = (row: SimVariable, parent: VariableParent) => row.parentKind === parent.kind && row.parentId === parent.id;
const livesIn = (row: SimVariable, parents: VariableParent[]) => parents.some((parent) => livesAt(row, parent));

export const parentOfRow = (row: SimVariable): VariableParent => ({ kind: row.parentKind, id: row.parentId });

/**
 * Rows a list at `parent` returns: its own plus those inherited from above (each keeps its own scope), of one kind
 * or of both when `isSecret` is undefined.
 */
export function visibleRows(data: TenantData, parent: VariableParent, isSecret?: boolean): SimVariable[] {
  const chain = chainOf(data, parent);
  return [...data.variables.values()].filter((row) => (isSecret === undefined || row.isSecret === isSecret) && livesIn(row, chain));
}

/**
 * Parents whose keys collide with a new key at `parent`: the whole chain above and below it. Siblings (two
 * environments of one project, two services of one environment) do not collide.
 */
function collidingParents(data: TenantData, parent: VariableParent): VariableParent[] {
  return [...chainOf(data, parent), ...descendantsOf(data, parent)];
}

/** Where a row lives, as Qovery's 409 body names it (`existing_variable`). */
function locationOf(data: TenantData, row: SimVariable) {
  const chain = chainOf(data, parentOfRow(row));
  const idOf = (kind: ParentKind) => chain.find((parent) => parent.kind === kind)?.id ?? null;
  return {
    organization_id: data.organization.id,
    project_id: idOf("project"),
    environment_id: idOf("environment"),
    service_id: idOf("service"),
  };
}

function assertKeyFree(ctx: StoreContext, parents: VariableParent[], key: string, exceptId?: string): void {
  for (const row of ctx.data.variables.values()) {
    if (row.key !== key || row.id === exceptId || !livesIn(row, parents)) continue;
    throw new QoveryApiFailure(409, `Variable already exists: ${key}`, { existing_variable: locationOf(ctx.data, row) });
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

type RowFields = Omit<SimVariable, "id" | "scope" | "parentKind" | "parentId" | "serviceId" | "createdAt" | "updatedAt">;

function newRow(ctx: StoreContext, parent: VariableParent, fields: RowFields): SimVariable {
  const at = ctx.timestamp();
  const row: SimVariable = {
    id: ctx.newId(),
    ...fields,
    scope: scopeOfParent(ctx.data, parent),
    parentKind: parent.kind,
    parentId: parent.id,
    serviceId: parent.kind === "service" ? parent.id : null,
    createdAt: at,
    updatedAt: at,
  };
  ctx.data.variables.set(row.id, row);
  ctx.onChange(parent);
  return row;
}

export function createVariable(ctx: StoreContext, parent: VariableParent, isSecret: boolean, input: CreateInput): SimVariable {
  assertValidKey(input.key);
  assertKeyFree(ctx, collidingParents(ctx.data, parent), input.key);
  return newRow(ctx, parent, {
    key: input.key,
    value: input.value,
    isSecret,
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
    assertKeyFree(ctx, collidingParents(ctx.data, parent), input.key, row.id);
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
  ctx.onChange(parent);
  return row;
}

/** An alias's value names its target; editing it to another key points the alias at that key instead. */
function repointAlias(ctx: StoreContext, parent: VariableParent, alias: SimVariable, targetKey: string): SimVariable {
  const candidates = [...ctx.data.variables.values()].filter(
    (row) => row.key === targetKey && row.variableType !== "ALIAS" && SCOPE_RANK[row.scope] > SCOPE_RANK[alias.scope],
  );
  const reachable = visibleRows(ctx.data, parent);
  const target = candidates.find((row) => reachable.includes(row));
  if (!target) throw new QoveryApiFailure(400, `No variable ${targetKey} at a higher scope to alias`);
  if (target.isSecret !== alias.isSecret) throw new QoveryApiFailure(400, "An alias cannot point to a variable of the other kind (secret vs variable)");
  return target;
}

export function aliasTarget(data: TenantData, alias: SimVariable): SimVariable {
  return data.variables.get(alias.aliasedId!)!;
}

export function deleteVariable(ctx: StoreContext, parent: VariableParent, isSecret: boolean, id: string): void {
  deleteWithDependents(ctx, findOwned(ctx, parent, isSecret, id));
}

function deleteWithDependents(ctx: StoreContext, deleted: SimVariable): void {
  ctx.data.variables.delete(deleted.id);
  ctx.onChange(parentOfRow(deleted));
  for (const row of [...ctx.data.variables.values()]) {
    if (row.aliasedId === deleted.id || row.overriddenId === deleted.id) deleteWithDependents(ctx, row);
  }
}

function assertHigherScope(data: TenantData, target: SimVariable, parent: VariableParent, what: "alias" | "override"): void {
  if (SCOPE_RANK[target.scope] <= SCOPE_RANK[scopeOfParent(data, parent)]) {
    throw new QoveryApiFailure(400, `Can't create an ${what} on the same or a lower scope: ${target.key} is ${target.scope}`);
  }
}

/** The row an alias or override points at: of a higher scope (400 otherwise), and visible from `parent` (404 otherwise). */
function findTarget(ctx: StoreContext, parent: VariableParent, isSecret: boolean, id: string, what: "alias" | "override"): SimVariable {
  const row = ctx.data.variables.get(id);
  if (row?.isSecret === isSecret) assertHigherScope(ctx.data, row, parent, what);
  return findVisible(ctx, parent, isSecret, id);
}

export function createAlias(
  ctx: StoreContext,
  parent: VariableParent,
  isSecret: boolean,
  targetId: string,
  input: { key: string; description: string | null },
): SimVariable {
  const target = findTarget(ctx, parent, isSecret, targetId, "alias");
  if (target.variableType === "ALIAS") throw new QoveryApiFailure(400, "You can't create an alias on an alias");
  assertValidKey(input.key);
  assertKeyFree(ctx, collidingParents(ctx.data, parent), input.key);
  return newRow(ctx, parent, {
    key: input.key,
    value: "",
    isSecret,
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
  const target = findTarget(ctx, parent, isSecret, targetId, "override");
  if (target.variableType !== "VALUE" && target.variableType !== "FILE") {
    throw new QoveryApiFailure(400, `Only plain values can be overridden; ${target.key} is ${target.variableType}`);
  }
  // The override shares its target's key on purpose, so only a second override at this level collides.
  assertKeyFree(ctx, [parent], target.key);
  return newRow(ctx, parent, {
    key: target.key,
    value: input.value,
    isSecret,
    variableType: "OVERRIDE",
    mountPath: target.mountPath,
    description: input.description,
    enableInterpolationInFile: null,
    aliasedId: null,
    overriddenId: target.id,
  });
}
