/** The privilege boundary: which granted rules a granter provably holds, field by field, and who is an organization administrator. */
import { describe, expect, it } from "vitest";
import { credentialActor, personActor } from "../../src/access/actor";
import { globCovers, isOrganizationAdmin, ungrantedBy } from "../../src/access/boundary";
import { projectRulesSchema } from "../../src/access/rules";
import { rulesForScopes } from "../../src/access/scopes";
import { expandScopes } from "../../src/auth/scopes";

const rules = (raw: unknown[]) => projectRulesSchema.parse(raw);
const secrets = (action: string[], conditions?: unknown, inverted?: boolean) => ({ subject: "secrets", action, conditions, inverted });
const missingActions = (held: unknown[], granted: unknown[]) => ungrantedBy(rules(held), rules(granted)).map((m) => m.action);

describe("globCovers", () => {
  const cases: [string, string, boolean][] = [
    ["/app/**", "/app/**", true],
    ["/app/**", "/app/api/**", true],
    ["/app/**", "/app/*/v1", true],
    ["/app/**", "/**", false],
    ["/app/**", "/application/**", false],
    ["/**", "/anything/*/at/**", true],
    ["/app/*", "/app/a*", true],
    ["/app/*", "/app/?", true],
    ["/app/*", "/app/**", false],
    ["/app/*", "/app/a/b", false],
    ["/app/*/v1", "/app/api/v1", true],
    ["/app/**/v1", "/app/api/v1", false],
    ["*", "dev-*", true],
    ["dev-*", "*", false],
    ["dev-*", "dev-*", true],
  ];
  it.each(cases)("%s covers %s: %s", (outer, inner, expected) => {
    expect(globCovers(outer, inner)).toBe(expected);
  });
});

describe("ungrantedBy", () => {
  const ci = [secrets(["describeSecret", "readValue"], { environment: "prod", secretPath: { $glob: "/app/**" } })];

  it("an unconditional rule covers any conditions on the same action", () => {
    expect(missingActions([secrets(["readValue"])], ci)).toEqual(["describeSecret"]);
    expect(missingActions([secrets(["describeSecret", "readValue"])], ci)).toEqual([]);
  });

  it("finite grants are covered value by value; open grants only by a wider pattern", () => {
    const held = ci;
    const grant = (conditions: unknown) => missingActions(held, [secrets(["readValue"], conditions)]);
    expect(grant({ environment: "prod", secretPath: "/app/api" })).toEqual([]);
    expect(grant({ environment: "prod", secretPath: "/app" })).toEqual([]);
    expect(grant({ environment: "prod", secretPath: "/ops" })).toEqual(["readValue"]);
    expect(grant({ environment: { $in: ["prod", "dev"] }, secretPath: "/app" })).toEqual(["readValue"]);
    expect(grant({ environment: { $in: ["prod"] }, secretPath: { $in: ["/app/a", "/app/b/c"] } })).toEqual([]);
    expect(grant({ environment: "prod", secretPath: { $glob: "/app/api/**" } })).toEqual([]);
    expect(grant({ environment: "prod", secretPath: { $glob: "/**" } })).toEqual(["readValue"]);
    expect(grant({ environment: "prod" })).toEqual(["readValue"]);
    expect(grant({ secretPath: "/app" })).toEqual(["readValue"]);
    expect(grant({ environment: { $ne: "dev" }, secretPath: "/app" })).toEqual(["readValue"]);
  });

  it("$ne is covered by the same $ne or by a pattern that excludes its value", () => {
    const held = [secrets(["edit"], { environment: { $ne: "prod" } })];
    const grant = (environment: unknown) => missingActions(held, [secrets(["edit"], { environment })]);
    expect(grant({ $ne: "prod" })).toEqual([]);
    expect(grant({ $glob: "dev-*" })).toEqual([]);
    expect(grant("staging")).toEqual([]);
    expect(grant("prod")).toEqual(["edit"]);
    expect(grant({ $glob: "*" })).toEqual(["edit"]);
    expect(grant({ $ne: "dev" })).toEqual(["edit"]);
  });

  it("a held forbidding rule after the covering one counts unless it provably misses the grant", () => {
    const held = [secrets(["edit"]), secrets(["edit"], { environment: "prod" }, true)];
    expect(missingActions(held, [secrets(["edit"], { environment: "dev" })])).toEqual([]);
    expect(missingActions(held, [secrets(["edit"], { environment: { $in: ["dev", "staging"] } })])).toEqual([]);
    expect(missingActions(held, [secrets(["edit"], { environment: { $in: ["dev", "prod"] } })])).toEqual(["edit"]);
    expect(missingActions(held, [secrets(["edit"], { environment: { $ne: "dev" } })])).toEqual(["edit"]);
    expect(missingActions(held, [secrets(["edit"])])).toEqual(["edit"]);
    // a later allow wins over an earlier forbid, as in evaluation
    expect(missingActions([...held, secrets(["edit"])], [secrets(["edit"], { environment: "prod" })])).toEqual([]);
  });

  it("granted forbidding rules need no cover; legacy read needs both actions it stands for", () => {
    expect(missingActions([], [secrets(["edit"], undefined, true)])).toEqual([]);
    expect(missingActions([secrets(["describeSecret"])], [secrets(["read"])])).toEqual(["readValue"]);
    expect(missingActions([secrets(["read"])], [secrets(["describeSecret", "readValue"])])).toEqual([]);
  });

  it("reports each missing action with the subject and the grant's conditions", () => {
    expect(ungrantedBy(rules([]), rules([{ subject: "webhooks", action: ["read", "create"] }, ...ci]))).toEqual([
      { subject: "webhooks", action: "read" },
      { subject: "webhooks", action: "create" },
      { subject: "secrets", action: "describeSecret", conditions: ci[0]!.conditions },
      { subject: "secrets", action: "readValue", conditions: ci[0]!.conditions },
    ]);
  });
});

describe("isOrganizationAdmin", () => {
  const token = (scopes: Parameters<typeof expandScopes>[0], projectId: string | null) =>
    credentialActor({ kind: "api-token", id: "t", name: "t", projectId, rules: rulesForScopes(expandScopes(scopes)) });

  it("holds for the admin scope on an unbound credential and for administrators, and nothing less", () => {
    expect(isOrganizationAdmin(token(["admin"], null))).toBe(true);
    expect(isOrganizationAdmin(token(["admin"], "p"))).toBe(false);
    expect(isOrganizationAdmin(token(["syncs:write", "connections:write", "projects:write", "audit:read"], null))).toBe(false);
    expect(isOrganizationAdmin(personActor({ id: "u", email: "root@example.com", isAdmin: true, memberships: new Map() }))).toBe(true);
    expect(isOrganizationAdmin(personActor({ id: "u", email: "ada@example.com", isAdmin: false, memberships: new Map() }))).toBe(false);
  });
});
