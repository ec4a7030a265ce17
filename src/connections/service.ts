/**
 * Qovery app connections: a named Qovery API token, validated against Qovery before it is stored, encrypted at rest
 * and bound to its row. Nothing here ever returns the token; responses carry `credentials: {}` and a hash of the
 * ciphertext, as Infisical's do.
 */
import { and, asc, eq, isNull, or, sql, type SQL } from "drizzle-orm";
import type { Db } from "../db/client";
import { connectionCredentialsAad } from "../db/encrypted-columns";
import { appConnections, projects } from "../db/schema";
import { decryptField, encryptField, sha256Hex, type KeyRing } from "../lib/crypto";
import { badRequest, conflict, notFound } from "../lib/errors";
import { nowIso } from "../lib/time";
import type { QoveryClient } from "../qovery/client";
import { getProjectRow } from "../store/projects";
import { CONNECTION_DEPENDENTS, connectionIsInUse, type ConnectionDependent } from "./dependents";
import { listFromQovery, validateQoveryToken, type QoveryClientFactory } from "./qovery-access";

const QOVERY_APP = "qovery";
export const ACCESS_TOKEN_METHOD = "access-token";

/** The apps this service can connect to, for `GET /api/v1/app-connections/options`. */
export const APP_CONNECTION_OPTIONS = [{ name: "Qovery", app: QOVERY_APP, methods: [ACCESS_TOKEN_METHOD] }];

export interface ConnectionServiceDeps {
  db: Db;
  /** loaded on demand: reading connection metadata needs no key */
  keyRing: () => Promise<KeyRing>;
  qovery: QoveryClientFactory;
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

export async function getQoveryConnection(db: Db, connectionId: string): Promise<PublicConnection> {
  const row = await selectConnections(db, eq(appConnections.id, connectionId)).get();
  if (!row) throw notFound(`Could not find App Connection with ID "${connectionId}"`);
  return publicConnection(row);
}

/** A project's own connection of that name first, else the organization-wide one. */
export async function findQoveryConnectionByName(db: Db, name: string, projectId: string | null): Promise<PublicConnection> {
  const candidates = await selectConnections(
    db,
    and(eq(appConnections.name, name), projectId === null ? isNull(appConnections.projectId) : or(eq(appConnections.projectId, projectId), isNull(appConnections.projectId))),
  ).all();
  const row = candidates.find((c) => c.connection.projectId !== null) ?? candidates[0];
  if (!row) throw notFound(`Could not find App Connection with name "${name}"`);
  return publicConnection(row);
}

/** `projectId`: that project's connections plus the organization-wide ones; undefined: every connection. */
export async function listQoveryConnections(db: Db, projectId: string | undefined): Promise<PublicConnection[]> {
  const where = projectId === undefined ? undefined : or(eq(appConnections.projectId, projectId), isNull(appConnections.projectId));
  return (await selectConnections(db, where).all()).map(publicConnection);
}

export interface NewConnection {
  name: string;
  description: string | null;
  projectId: string | null;
  accessToken: string;
}

export async function createQoveryConnection(deps: ConnectionServiceDeps, input: NewConnection): Promise<PublicConnection> {
  const { db } = deps;
  if (input.projectId) await getProjectRow(db, input.projectId);
  // Checked before asking Qovery so a taken name fails fast; the insert below re-checks atomically.
  if (await db.select({ id: appConnections.id }).from(appConnections).where(sameNamespace(input.name, input.projectId)).get()) {
    throw duplicateName(input.name);
  }
  await validateQoveryToken(deps.qovery(input.accessToken));

  const id = crypto.randomUUID();
  const now = nowIso();
  const sealed = await sealCredentials(await deps.keyRing(), id, { accessToken: input.accessToken });
  // D1 has no transactions to hold between check and write: the insert only happens while the name is still free.
  const inserted = await db.run(sql`
    insert into app_connections (id, name, description, app, method, project_id, credentials_ciphertext, credentials_hash, version, created_at, updated_at)
    select ${id}, ${input.name}, ${input.description}, ${QOVERY_APP}, ${ACCESS_TOKEN_METHOD}, ${input.projectId},
           ${sealed.credentialsCiphertext}, ${sealed.credentialsHash}, 1, ${now}, ${now}
    where not exists (select 1 from app_connections where name = ${input.name} and project_id is ${input.projectId})`);
  if (!inserted.meta.changes) throw duplicateName(input.name);
  return getQoveryConnection(db, id);
}

export interface ConnectionPatch {
  name?: string;
  description?: string | null;
  accessToken?: string;
}

export async function updateQoveryConnection(deps: ConnectionServiceDeps, connectionId: string, patch: ConnectionPatch): Promise<PublicConnection> {
  const { db } = deps;
  const current = await getQoveryConnection(db, connectionId);
  const renamed = patch.name !== undefined && patch.name !== current.name;
  if (renamed && (await db.select({ id: appConnections.id }).from(appConnections).where(sameNamespace(patch.name!, current.projectId)).get())) {
    throw duplicateName(patch.name!);
  }

  const changes: Partial<ConnectionRow> = { updatedAt: nowIso() };
  if (patch.name !== undefined) changes.name = patch.name;
  if (patch.description !== undefined) changes.description = patch.description;
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
    throw notFound(`Could not find App Connection with ID "${connectionId}"`);
  }
  return getQoveryConnection(db, connectionId);
}

export async function deleteQoveryConnection(
  db: Db,
  connectionId: string,
  dependents: readonly ConnectionDependent[] = CONNECTION_DEPENDENTS,
): Promise<PublicConnection> {
  const connection = await getQoveryConnection(db, connectionId);
  if (await connectionIsInUse(db, connectionId, dependents)) {
    throw conflict(`App Connection "${connection.name}" is still used by secret syncs; delete them or move them to another connection first`);
  }
  await db.delete(appConnections).where(eq(appConnections.id, connectionId));
  return connection;
}

/** A Qovery client authenticated as the connection: the only place a stored token is decrypted. */
export async function qoveryAs(deps: ConnectionServiceDeps, connectionId: string): Promise<QoveryClient> {
  const row = await deps.db
    .select({ ciphertext: appConnections.credentialsCiphertext })
    .from(appConnections)
    .where(and(eq(appConnections.id, connectionId), eq(appConnections.app, QOVERY_APP)))
    .get();
  if (!row) throw notFound(`Could not find App Connection with ID "${connectionId}"`);
  const plain = await decryptField(await deps.keyRing(), row.ciphertext, connectionCredentialsAad(connectionId));
  return deps.qovery((JSON.parse(plain) as StoredCredentials).accessToken);
}

export interface QoveryOption {
  id: string;
  name: string;
}

const toOption = ({ id, name }: QoveryOption): QoveryOption => ({ id, name });

export async function listConnectionOrganizations(deps: ConnectionServiceDeps, connectionId: string): Promise<QoveryOption[]> {
  const qovery = await qoveryAs(deps, connectionId);
  return (await listFromQovery("Qovery's organization list", () => qovery.listOrganizations())).map(toOption);
}

export async function listConnectionProjects(deps: ConnectionServiceDeps, connectionId: string, organizationId: string): Promise<QoveryOption[]> {
  const qovery = await qoveryAs(deps, connectionId);
  return (await listFromQovery(`Qovery organization "${organizationId}"`, () => qovery.listProjects(organizationId))).map(toOption);
}

export async function listConnectionEnvironments(deps: ConnectionServiceDeps, connectionId: string, projectId: string): Promise<QoveryOption[]> {
  const qovery = await qoveryAs(deps, connectionId);
  return (await listFromQovery(`Qovery project "${projectId}"`, () => qovery.listEnvironments(projectId))).map(toOption);
}
