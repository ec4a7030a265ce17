/**
 * Qovery app connections: a named Qovery API token, validated against Qovery before it is stored, encrypted at rest
 * and bound to its row. Nothing here ever returns the token; responses carry `credentials: {}` and a hash of the
 * ciphertext, as Infisical's do. Every function taking `ConnectionServiceDeps` checks the actor's rules itself and
 * records the audit entry of what it changes.
 */
import { and, asc, eq, isNull, or, sql, type SQL } from "drizzle-orm";
import { canUseConnection, type Actor } from "../access/actor";
import { auditInsert, type AuditEntry } from "../audit/audit-log";
import type { Db } from "../db/client";
import { connectionCredentialsAad } from "../db/encrypted-columns";
import { appConnections, projects } from "../db/schema";
import { decryptField, encryptField, sha256Hex, type KeyRing } from "../lib/crypto";
import { badRequest, conflict, notFound } from "../lib/errors";
import { nowIso } from "../lib/time";
import type { QoveryClient } from "../qovery/client";
import { getProjectRow } from "../store/projects";
import { parseAllowedDestinations, serializeAllowedDestinations, type AllowedDestination } from "./allowed-destinations";
import { CONNECTION_DEPENDENTS, connectionIsInUse, type ConnectionDependent } from "./dependents";
import {
  assertCanChangeConnection,
  assertCanCreateConnection,
  assertCanReadConnection,
  canReadConnection,
  connectionListDenied,
  connectionUseDenied,
  mayListConnectionsIn,
  mayListOrganizationConnections,
  mayUseConnectionsIn,
} from "./permissions";
import { listFromQovery, validateQoveryToken, type QoveryClientFactory } from "./qovery-access";

const QOVERY_APP = "qovery";
export const ACCESS_TOKEN_METHOD = "access-token";

/** The apps this service can connect to, for `GET /api/v1/app-connections/options`. */
export const APP_CONNECTION_OPTIONS = [{ name: "Qovery", app: QOVERY_APP, methods: [ACCESS_TOKEN_METHOD] }];

/** What talking to Qovery as a connection takes: the runner and the drift check use it without an actor. */
export interface QoveryAccessDeps {
  db: Db;
  /** loaded on demand: reading connection metadata needs no key */
  keyRing: () => Promise<KeyRing>;
  qovery: QoveryClientFactory;
}

export interface ConnectionServiceDeps extends QoveryAccessDeps {
  actor: Actor;
  /** the request's id, for the audit log */
  requestId: string | null;
}

interface StoredCredentials {
  accessToken: string;
}

type ConnectionRow = typeof appConnections.$inferSelect;

const connectionWithProject = {
  connection: appConnections,
  project: { id: projects.id, name: projects.name, slug: projects.slug },
};

function publicConnection({ connection, project }: { connection: ConnectionRow; project: { id: string; name: string; slug: string } | null }) {
  return {
    id: connection.id,
    name: connection.name,
    description: connection.description,
    version: connection.version,
    orgId: "default",
    projectId: connection.projectId,
    app: connection.app,
    method: connection.method,
    credentials: {},
    credentialsHash: connection.credentialsHash,
    allowedDestinations: parseAllowedDestinations(connection.allowedDestinationsJson),
    isPlatformManagedCredentials: false,
    gatewayId: null,
    createdAt: connection.createdAt,
    updatedAt: connection.updatedAt,
    project,
  };
}

export type PublicConnection = ReturnType<typeof publicConnection>;

function selectConnections(db: Db, where: SQL | undefined) {
  return db
    .select(connectionWithProject)
    .from(appConnections)
    .leftJoin(projects, eq(projects.id, appConnections.projectId))
    .where(and(eq(appConnections.app, QOVERY_APP), where))
    .orderBy(asc(appConnections.createdAt), asc(appConnections.id));
}

const duplicateName = (name: string) => badRequest(`An App Connection with the name "${name}" already exists`);

/** Connection names are unique among the connections of one project, and among the organization-wide ones. */
const sameNamespace = (name: string, projectId: string | null) =>
  and(eq(appConnections.name, name), projectId === null ? isNull(appConnections.projectId) : eq(appConnections.projectId, projectId));

async function sealCredentials(ring: KeyRing, connectionId: string, credentials: StoredCredentials) {
  const credentialsCiphertext = await encryptField(ring, JSON.stringify(credentials), connectionCredentialsAad(connectionId));
  return { credentialsCiphertext, credentialsHash: await sha256Hex(credentialsCiphertext) };
}

const connectionNotFound = (connectionId: string) => notFound(`Could not find App Connection with ID "${connectionId}"`);

/** A connection with no check: for services that check what the caller does with it (use it in a sync, say). */
export async function loadQoveryConnection(db: Db, connectionId: string): Promise<PublicConnection> {
  const row = await selectConnections(db, eq(appConnections.id, connectionId)).get();
  if (!row) throw connectionNotFound(connectionId);
  return publicConnection(row);
}

/** `inProject`: where the caller works (a bound credential's project by default), for explicit grants there. */
export async function getQoveryConnection(deps: ConnectionServiceDeps, connectionId: string, inProject?: string) {
  const connection = await loadQoveryConnection(deps.db, connectionId);
  assertCanReadConnection(deps.actor, connection, inProject ?? deps.actor.projectId);
  return connection;
}

/** A project's own connection of that name first, else the organization-wide one. */
export async function findQoveryConnectionByName(deps: ConnectionServiceDeps, name: string, projectId: string | undefined) {
  const inProject = projectId ?? deps.actor.projectId;
  const organizationWide = isNull(appConnections.projectId);
  const owners = inProject === null ? organizationWide : or(eq(appConnections.projectId, inProject), organizationWide);
  const candidates = await selectConnections(deps.db, and(eq(appConnections.name, name), owners)).all();
  const row = candidates.find((c) => c.connection.projectId !== null) ?? candidates[0];
  if (!row) throw notFound(`Could not find App Connection with name "${name}"`);
  const connection = publicConnection(row);
  assertCanReadConnection(deps.actor, connection, inProject);
  return connection;
}

/**
 * The connections the caller may read: with a project (given, or a bound credential's), that project's and the
 * organization-wide ones; without, every connection. Refused when the caller may read none.
 */
export async function listQoveryConnections(deps: ConnectionServiceDeps, projectId: string | undefined): Promise<PublicConnection[]> {
  const { actor } = deps;
  const inProject = projectId ?? actor.projectId;
  if (inProject === null ? !mayListOrganizationConnections(actor) : !mayListConnectionsIn(actor, inProject)) {
    throw connectionListDenied(actor, inProject);
  }
  const where = inProject === null ? undefined : or(eq(appConnections.projectId, inProject), isNull(appConnections.projectId));
  const all = (await selectConnections(deps.db, where).all()).map(publicConnection);
  return all.filter((connection) => canReadConnection(actor, connection, inProject));
}

/** Infisical's `available` list: the connections the caller may use in a sync of `projectId`. */
export async function listAvailableConnections(deps: ConnectionServiceDeps, projectId: string) {
  const { actor } = deps;
  await getProjectRow(deps.db, projectId);
  if (!mayUseConnectionsIn(actor, projectId)) throw connectionUseDenied(actor, projectId);
  const rows = await selectConnections(deps.db, or(eq(appConnections.projectId, projectId), isNull(appConnections.projectId))).all();
  return rows.map(publicConnection).filter((connection) => canUseConnection(actor, projectId, connection));
}

const auditOf = (deps: ConnectionServiceDeps, action: string, connection: PublicConnection, metadata: Record<string, unknown>) =>
  auditInsert(deps.db, deps.actor, deps.requestId, {
    action,
    projectId: connection.projectId,
    targetType: "app-connection",
    targetId: connection.id,
    metadata,
  } satisfies AuditEntry);

export interface NewConnection {
  name: string;
  description: string | null;
  projectId: string | null;
  accessToken: string;
  allowedDestinations: AllowedDestination[] | null;
}

export async function createQoveryConnection(deps: ConnectionServiceDeps, input: NewConnection): Promise<PublicConnection> {
  const { db } = deps;
  assertCanCreateConnection(deps.actor, input.projectId);
  if (input.projectId) await getProjectRow(db, input.projectId);
  // Checked before asking Qovery so a taken name fails fast; the insert below re-checks atomically.
  if (await db.select({ id: appConnections.id }).from(appConnections).where(sameNamespace(input.name, input.projectId)).get()) {
    throw duplicateName(input.name);
  }
  await validateQoveryToken(deps.qovery(input.accessToken));

  const id = crypto.randomUUID();
  const now = nowIso();
  const sealed = await sealCredentials(await deps.keyRing(), id, { accessToken: input.accessToken });
  const allowed = serializeAllowedDestinations(input.allowedDestinations);
  // D1 has no transactions to hold between check and write: the insert only happens while the name is still free.
  const inserted = await db.run(sql`
    insert into app_connections
      (id, name, description, app, method, project_id, credentials_ciphertext, credentials_hash, allowed_destinations_json,
       version, created_at, updated_at)
    select ${id}, ${input.name}, ${input.description}, ${QOVERY_APP}, ${ACCESS_TOKEN_METHOD}, ${input.projectId},
           ${sealed.credentialsCiphertext}, ${sealed.credentialsHash}, ${allowed}, 1, ${now}, ${now}
    where not exists (select 1 from app_connections where name = ${input.name} and project_id is ${input.projectId})`);
  if (!inserted.meta.changes) throw duplicateName(input.name);
  const connection = await loadQoveryConnection(db, id);
  // The insert is conditional, so its audit entry follows it rather than sharing its batch.
  await auditOf(deps, "app-connection.create", connection, { app: connection.app, name: connection.name }).run();
  return connection;
}

export interface ConnectionPatch {
  name?: string;
  description?: string | null;
  accessToken?: string;
  /** null lifts the restriction; undefined keeps the current list */
  allowedDestinations?: AllowedDestination[] | null;
}

export async function updateQoveryConnection(deps: ConnectionServiceDeps, connectionId: string, patch: ConnectionPatch): Promise<PublicConnection> {
  const { db } = deps;
  const current = await loadQoveryConnection(db, connectionId);
  assertCanChangeConnection(deps.actor, current, "edit");
  const renamed = patch.name !== undefined && patch.name !== current.name;
  if (renamed && (await db.select({ id: appConnections.id }).from(appConnections).where(sameNamespace(patch.name!, current.projectId)).get())) {
    throw duplicateName(patch.name!);
  }

  const changes: Partial<ConnectionRow> = { updatedAt: nowIso() };
  if (patch.name !== undefined) changes.name = patch.name;
  if (patch.description !== undefined) changes.description = patch.description;
  if (patch.allowedDestinations !== undefined) changes.allowedDestinationsJson = serializeAllowedDestinations(patch.allowedDestinations);
  if (patch.accessToken !== undefined) {
    await validateQoveryToken(deps.qovery(patch.accessToken));
    Object.assign(changes, await sealCredentials(await deps.keyRing(), connectionId, { accessToken: patch.accessToken }));
    changes.version = current.version + 1;
  }

  const nameStillFree = sql`not exists (select 1 from app_connections where name = ${changes.name ?? current.name} and project_id is ${current.projectId} and id <> ${connectionId})`;
  const updated = await db
    .update(appConnections)
    .set(changes)
    .where(and(eq(appConnections.id, connectionId), renamed ? nameStillFree : undefined))
    .run();
  if (!updated.meta.changes) {
    if (renamed) throw duplicateName(patch.name!);
    throw connectionNotFound(connectionId);
  }
  const connection = await loadQoveryConnection(db, connectionId);
  await auditOf(deps, "app-connection.update", connection, {
    name: connection.name,
    previousName: current.name,
    credentialsChanged: patch.accessToken !== undefined,
    allowedDestinationsChanged: patch.allowedDestinations !== undefined,
  }).run();
  return connection;
}

export async function deleteQoveryConnection(
  deps: ConnectionServiceDeps,
  connectionId: string,
  dependents: readonly ConnectionDependent[] = CONNECTION_DEPENDENTS,
): Promise<PublicConnection> {
  const { db } = deps;
  const connection = await loadQoveryConnection(db, connectionId);
  assertCanChangeConnection(deps.actor, connection, "delete");
  if (await connectionIsInUse(db, connectionId, dependents)) {
    throw conflict(`App Connection "${connection.name}" is still used by secret syncs; delete them or move them to another connection first`);
  }
  await db.batch([
    db.delete(appConnections).where(eq(appConnections.id, connectionId)),
    auditOf(deps, "app-connection.delete", connection, { name: connection.name }),
  ]);
  return connection;
}

/** A Qovery client authenticated as the connection: the only place a stored token is decrypted. */
export async function qoveryAs(deps: QoveryAccessDeps, connectionId: string): Promise<QoveryClient> {
  const row = await deps.db
    .select({ ciphertext: appConnections.credentialsCiphertext })
    .from(appConnections)
    .where(and(eq(appConnections.id, connectionId), eq(appConnections.app, QOVERY_APP)))
    .get();
  if (!row) throw connectionNotFound(connectionId);
  const plain = await decryptField(await deps.keyRing(), row.ciphertext, connectionCredentialsAad(connectionId));
  return deps.qovery((JSON.parse(plain) as StoredCredentials).accessToken);
}

export interface QoveryOption {
  id: string;
  name: string;
}

const toOption = ({ id, name }: QoveryOption): QoveryOption => ({ id, name });

/** The option lists behind the destination picker: for callers who may read the connection (`inProject` as above). */
export async function listConnectionOrganizations(deps: ConnectionServiceDeps, connectionId: string, inProject?: string) {
  await getQoveryConnection(deps, connectionId, inProject);
  const qovery = await qoveryAs(deps, connectionId);
  return (await listFromQovery("Qovery's organization list", () => qovery.listOrganizations())).map(toOption);
}

export async function listConnectionProjects(deps: ConnectionServiceDeps, connectionId: string, organizationId: string, inProject?: string) {
  await getQoveryConnection(deps, connectionId, inProject);
  const qovery = await qoveryAs(deps, connectionId);
  return (await listFromQovery(`Qovery organization "${organizationId}"`, () => qovery.listProjects(organizationId))).map(toOption);
}

export async function listConnectionEnvironments(deps: ConnectionServiceDeps, connectionId: string, projectId: string, inProject?: string) {
  await getQoveryConnection(deps, connectionId, inProject);
  const qovery = await qoveryAs(deps, connectionId);
  return (await listFromQovery(`Qovery project "${projectId}"`, () => qovery.listEnvironments(projectId))).map(toOption);
}
