/** Actors: whose rules apply where, the typed checks services call, and who may use which connection. */
import { describe, expect, it } from "vitest";
import {
  assertCan,
  assertCanInOrganization,
  assertCanUseConnection,
  can,
  canInOrganization,
  canOnAnyIn,
  canUseConnection,
  credentialActor,
  personActor,
  systemActor,
  webhookEndpointActor,
  type Actor,
} from "../../src/access/actor";
import { PermissionDeniedError } from "../../src/access/denial";
import { BUILT_IN_ROLE_RULES } from "../../src/access/roles";
import { projectRulesSchema, type PermissionRule } from "../../src/access/rules";

const P = "project-p";
const Q = "project-q";
const ciRules = projectRulesSchema.parse([
  { subject: "secrets", action: ["describeSecret", "readValue"], conditions: { environment: "prod", secretPath: { $glob: "/app/**" } } },
]);
const ciOrganizationRules = [{ subject: "workspace", action: ["create"] }];
const ciToken = (projectId: string | null) =>
  credentialActor({ kind: "api-token", id: "tok-1", name: "ci", projectId, rules: { project: ciRules, organization: ciOrganizationRules } });

function thrown(fn: () => void): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return null;
}

describe("credentials", () => {
  it("a bound credential has its rules in its project only, and no organization rules", () => {
    const actor = ciToken(P);
    expect(actor.projectRules(P)).toBe(ciRules);
    expect(actor.projectRules(Q)).toBeNull();
    expect(actor.organizationRules).toEqual([]);
    expect(canInOrganization(actor, "create", "workspace")).toBe(false);
  });

  it("an unbound credential has its rules in every project, and its organization rules", () => {
    const actor = ciToken(null);
    expect(actor.projectRules(P)).toBe(ciRules);
    expect(actor.projectRules(Q)).toBe(ciRules);
    expect(canInOrganization(actor, "create", "workspace")).toBe(true);
  });

  it("checks with conditions: a CI token reads prod under /app/** and nothing else", () => {
    const actor = ciToken(P);
    expect(can(actor, P, "readValue", "secrets", { environment: "prod", secretPath: "/app/api" })).toBe(true);
    expect(can(actor, P, "readValue", "secrets", { environment: "prod", secretPath: "/ops" })).toBe(false);
    expect(can(actor, P, "readValue", "secrets", { environment: "dev", secretPath: "/app" })).toBe(false);
    expect(can(actor, P, "edit", "secrets", { environment: "prod", secretPath: "/app" })).toBe(false);
    expect(can(actor, Q, "readValue", "secrets", { environment: "prod", secretPath: "/app" })).toBe(false);
    expect(can(actor, P, "read", "environments")).toBe(false);
  });

  it("assertCan throws Infisical's denial with the caller's rules, also for a project it cannot reach", () => {
    const actor = ciToken(P);
    expect(() => assertCan(actor, P, "readValue", "secrets", { environment: "prod", secretPath: "/app" })).not.toThrow();
    const denied = thrown(() => assertCan(actor, P, "readValue", "secrets", { environment: "dev", secretPath: "/app" }));
    expect(denied).toBeInstanceOf(PermissionDeniedError);
    expect((denied as PermissionDeniedError).message).toBe("You are not allowed to readValue on secrets");
    expect((denied as PermissionDeniedError).details).toEqual([
      { action: ["describeSecret", "readValue"], inverted: false, subject: "secrets", conditions: ciRules[0]!.conditions },
    ]);
    const elsewhere = thrown(() => assertCan(actor, Q, "readValue", "secrets", { environment: "prod", secretPath: "/app" })) as PermissionDeniedError;
    expect(elsewhere.details).toEqual([]);
    const organization = thrown(() => assertCanInOrganization(actor, "create", "workspace")) as PermissionDeniedError;
    expect(organization.message).toBe("You are not allowed to create on workspace");
  });

  it("canOnAnyIn decides whether a list is refused or filtered", () => {
    const actor = ciToken(P);
    expect(canOnAnyIn(actor, P, "describeSecret", "secrets", { environment: "prod" })).toBe(true);
    expect(canOnAnyIn(actor, P, "describeSecret", "secrets", { environment: "dev" })).toBe(false);
    expect(canOnAnyIn(actor, Q, "describeSecret", "secrets", { environment: "prod" })).toBe(false);
  });
});

describe("people", () => {
  const memberships = new Map<string, readonly PermissionRule[]>([[P, BUILT_IN_ROLE_RULES.viewer]]);

  it("a person sees the projects they belong to, with their role there, and is named by email", () => {
    const person = personActor({ id: "user-1", email: "ada@example.com", isAdmin: false, memberships });
    expect({ kind: person.kind, name: person.name, email: person.email, projectId: person.projectId }).toEqual({
      kind: "person",
      name: "ada@example.com",
      email: "ada@example.com",
      projectId: null,
    });
    expect(can(person, P, "readValue", "secrets", { environment: "prod", secretPath: "/" })).toBe(true);
    expect(can(person, P, "edit", "secrets", { environment: "prod", secretPath: "/" })).toBe(false);
    expect(person.projectRules(Q)).toBeNull();
    expect(canInOrganization(person, "create", "workspace")).toBe(false);
  });

  it("an administrator may do everything everywhere", () => {
    const admin = personActor({ id: "user-2", email: "root@example.com", isAdmin: true, memberships: new Map() });
    expect(can(admin, Q, "delete", "workspace")).toBe(true);
    expect(canInOrganization(admin, "edit", "kms")).toBe(true);
  });
});

describe("webhook endpoints and the system", () => {
  it("a webhook endpoint may only trigger its project's syncs", () => {
    const endpoint = webhookEndpointActor({ id: "wh-1", name: "deploys", projectId: P });
    const sync = { environment: "prod", secretPath: "/", connectionId: "c" };
    expect(can(endpoint, P, "sync-secrets", "secret-syncs", sync)).toBe(true);
    expect(can(endpoint, P, "edit", "secret-syncs", sync)).toBe(false);
    expect(can(endpoint, Q, "sync-secrets", "secret-syncs", sync)).toBe(false);
  });

  it("the system acts everywhere", () => {
    const system = systemActor("scheduler");
    expect(can(system, Q, "remove-secrets", "secret-syncs", { environment: "prod", secretPath: "/", connectionId: "c" })).toBe(true);
    expect(canUseConnection(system, P, { id: "shared", projectId: null })).toBe(true);
  });
});

describe("who may use a connection in a sync", () => {
  const ownConnection = { id: "own", projectId: P };
  const otherConnection = { id: "theirs", projectId: Q };
  const shared = { id: "shared", projectId: null };
  const connect = (conditions?: unknown, inverted?: boolean) => ({
    subject: "app-connections",
    action: "connect-app-connections",
    conditions,
    inverted,
  });
  const bound = (raw: unknown[]): Actor =>
    credentialActor({ kind: "identity", id: "id-1", name: "deployer", projectId: P, rules: { project: projectRulesSchema.parse(raw), organization: [] } });

  it.each([
    ["a blanket connect grant, own connection", [connect()], ownConnection, true],
    ["no connect grant, own connection", [], ownConnection, false],
    ["a blanket connect grant, another project's connection", [connect()], otherConnection, false],
    ["a blanket connect grant, organization-wide connection", [connect()], shared, false],
    ["a $ne grant, organization-wide connection", [connect({ connectionId: { $ne: "x" } })], shared, false],
    ["a grant naming it, organization-wide connection", [connect({ connectionId: "shared" })], shared, true],
    ["a grant naming it in $in, organization-wide connection", [connect({ connectionId: { $in: ["a", "shared"] } })], shared, true],
    ["a grant naming it, then a forbidding rule", [connect({ connectionId: "shared" }), connect({ connectionId: "shared" }, true)], shared, false],
    ["the member role", BUILT_IN_ROLE_RULES.member, shared, false],
  ])("bound identity, %s → %s", (_name, raw, connection, expected) => {
    expect(canUseConnection(bound(raw as unknown[]), P, connection)).toBe(expected);
  });

  it("an organization-wide connect grant reaches organization-wide connections", () => {
    const unbound = credentialActor({
      kind: "api-token",
      id: "t",
      name: "ops",
      projectId: null,
      rules: { project: [], organization: [{ subject: "app-connections", action: ["connect"] }] },
    });
    expect(canUseConnection(unbound, P, shared)).toBe(true);
    expect(canUseConnection(unbound, P, ownConnection)).toBe(false);
  });

  it("refuses with Infisical's denial naming the connect action", () => {
    const denied = thrown(() => assertCanUseConnection(bound([connect()]), P, shared)) as PermissionDeniedError;
    expect(denied).toBeInstanceOf(PermissionDeniedError);
    expect(denied.message).toBe("You are not allowed to connect-app-connections on app-connections");
    expect(denied.fields).toEqual({ connectionId: "shared" });
    expect(() => assertCanUseConnection(bound([connect({ connectionId: "shared" })]), P, shared)).not.toThrow();
  });
});
