/** Rule evaluation: CASL's precedence, each operator at its boundaries, fail-closed fields, "on any" and explicit grants. */
import { describe, expect, it } from "vitest";
import { can, canExplicitly, canOnAny, decidingRule, explicitlyNamedValues, rulesConcerning } from "../../src/access/evaluate";
import { MAX_MATCHED_VALUE_LENGTH } from "../../src/access/glob";
import { projectRulesSchema, type PermissionRule } from "../../src/access/rules";

const rules = (raw: unknown[]): PermissionRule[] => projectRulesSchema.parse(raw);
const at = (environment: string, secretPath: string) => ({ environment, secretPath });

describe("conditions", () => {
  const cases: [string, unknown, { environment: string; secretPath: string }, boolean][] = [
    ["plain string is $eq", { environment: "prod" }, at("prod", "/"), true],
    ["plain string is $eq (other env)", { environment: "prod" }, at("production", "/"), false],
    ["$eq", { environment: { $eq: "dev" } }, at("dev", "/"), true],
    ["$eq is case-sensitive", { environment: { $eq: "dev" } }, at("Dev", "/"), false],
    ["$ne other", { environment: { $ne: "prod" } }, at("dev", "/"), true],
    ["$ne same", { environment: { $ne: "prod" } }, at("prod", "/"), false],
    ["$in member", { environment: { $in: ["dev", "staging"] } }, at("staging", "/"), true],
    ["$in non-member", { environment: { $in: ["dev", "staging"] } }, at("prod", "/"), false],
    ["environment $glob", { environment: { $glob: "dev-*" } }, at("dev-eu", "/"), true],
    ["environment $glob miss", { environment: { $glob: "dev-*" } }, at("prod-eu", "/"), false],
    ["operators of one field are ANDed", { secretPath: { $glob: "/app/**", $ne: "/app/admin" } }, at("dev", "/app/admin"), false],
    ["operators of one field are ANDed (pass)", { secretPath: { $glob: "/app/**", $ne: "/app/admin" } }, at("dev", "/app/api"), true],
    ["fields are ANDed", { environment: "prod", secretPath: "/app" }, at("prod", "/other"), false],
    ["fields are ANDed (pass)", { environment: "prod", secretPath: "/app" }, at("prod", "/app"), true],
    ["secretPath $eq root", { secretPath: "/" }, at("dev", "/"), true],
    ["secretPath $eq root is not a prefix", { secretPath: "/" }, at("dev", "/app"), false],
    ["secretPath $eq is exact, no subfolders", { secretPath: { $eq: "/app" } }, at("dev", "/app/api"), false],
    ["* is one segment", { secretPath: { $glob: "/app/*" } }, at("dev", "/app/api"), true],
    ["* is not two segments", { secretPath: { $glob: "/app/*" } }, at("dev", "/app/api/v1"), false],
    ["* is not zero segments", { secretPath: { $glob: "/app/*" } }, at("dev", "/app"), false],
    ["** is any depth", { secretPath: { $glob: "/app/**" } }, at("dev", "/app/api/v1"), true],
    ["** includes the folder itself", { secretPath: { $glob: "/app/**" } }, at("dev", "/app"), true],
    ["** does not reach siblings sharing a prefix", { secretPath: { $glob: "/app/**" } }, at("dev", "/application"), false],
    ["/** covers the root", { secretPath: { $glob: "/**" } }, at("dev", "/"), true],
    ["/* does not cover the root", { secretPath: { $glob: "/*" } }, at("dev", "/"), false],
    ["$in of paths", { secretPath: { $in: ["/a", "/b"] } }, at("dev", "/b"), true],
  ];

  it.each(cases)("%s", (_name, conditions, fields, expected) => {
    const allow = rules([{ subject: "secrets", action: "readValue", conditions }]);
    expect(can(allow, "readValue", "secrets", fields)).toBe(expected);
    // The same conditions on a forbidding rule after a blanket allow forbid exactly where they match.
    const forbid = rules([
      { subject: "secrets", action: "readValue" },
      { subject: "secrets", action: "readValue", conditions, inverted: true },
    ]);
    expect(can(forbid, "readValue", "secrets", fields)).toBe(!expected);
  });
});

describe("precedence: the last matching rule decides", () => {
  const allowDev = { subject: "secrets", action: "edit", conditions: { environment: "dev" } };
  const forbidDev = { ...allowDev, inverted: true };
  const allowAll = { subject: "secrets", action: "edit" };
  const forbidAll = { ...allowAll, inverted: true };

  it.each([
    ["no rules", [], "dev", false],
    ["allowed", [allowDev], "dev", true],
    ["allowed elsewhere only", [allowDev], "prod", false],
    ["inverted after allowed", [allowAll, forbidDev], "dev", false],
    ["inverted after allowed, not matching", [allowAll, forbidDev], "prod", true],
    ["allowed after inverted", [forbidDev, allowAll], "dev", true],
    ["allowed after blanket inverted", [forbidAll, allowDev], "dev", true],
    ["allowed after blanket inverted, elsewhere", [forbidAll, allowDev], "prod", false],
    ["blanket inverted after allowed", [allowDev, forbidAll], "dev", false],
    ["inverted alone", [forbidDev], "dev", false],
  ])("%s → %s", (_name, raw, environment, expected) => {
    expect(can(rules(raw), "edit", "secrets", at(environment, "/"))).toBe(expected);
  });

  it("looks only at rules for the subject and action asked about", () => {
    const set = rules([
      { subject: "secrets", action: "edit" },
      { subject: "secret-folders", action: "edit", inverted: true },
      { subject: "secrets", action: "delete", inverted: true },
    ]);
    expect(can(set, "edit", "secrets", at("dev", "/"))).toBe(true);
    expect(can(set, "delete", "secrets", at("dev", "/"))).toBe(false);
    expect(can(set, "edit", "secret-folders", at("dev", "/"))).toBe(false);
    expect(can(set, "create", "secrets", at("dev", "/"))).toBe(false);
  });

  it("reads each action of an action list", () => {
    const set = rules([{ subject: "secret-syncs", action: ["read", "sync-secrets"] }]);
    const sync = { ...at("dev", "/"), connectionId: "c" };
    expect(["read", "sync-secrets", "edit"].map((a) => can(set, a, "secret-syncs", sync))).toEqual([true, true, false]);
  });

  it("returns the deciding rule", () => {
    const set = rules([allowAll, forbidDev]);
    expect(decidingRule(set, "edit", "secrets", at("dev", "/"))).toBe(set[1]);
    expect(decidingRule(set, "edit", "secrets", at("prod", "/"))).toBe(set[0]);
    expect(decidingRule(set, "create", "secrets", at("prod", "/"))).toBeNull();
  });
});

describe("Infisical's legacy secret read", () => {
  it("grants describeSecret and readValue, in the rule's own place in the order", () => {
    const legacy = rules([{ subject: "secrets", action: "read", conditions: { environment: "dev" } }]);
    expect(can(legacy, "describeSecret", "secrets", at("dev", "/"))).toBe(true);
    expect(can(legacy, "readValue", "secrets", at("dev", "/"))).toBe(true);
    expect(can(legacy, "readValue", "secrets", at("prod", "/"))).toBe(false);
    const thenForbidden = rules([{ subject: "secrets", action: "read" }, { subject: "secrets", action: "readValue", inverted: true }]);
    expect(can(thenForbidden, "describeSecret", "secrets", at("dev", "/"))).toBe(true);
    expect(can(thenForbidden, "readValue", "secrets", at("dev", "/"))).toBe(false);
  });

  it("means nothing on other subjects' actions", () => {
    const legacy = rules([{ subject: "secrets", action: "read" }]);
    expect(can(legacy, "create", "secrets", at("dev", "/"))).toBe(false);
  });
});

describe("fields the check cannot supply fail closed", () => {
  const allowApp = rules([{ subject: "secrets", action: "readValue", conditions: { secretPath: { $glob: "/app/**" } } }]);
  const forbidApp = rules([
    { subject: "secrets", action: "readValue" },
    { subject: "secrets", action: "readValue", inverted: true, conditions: { secretPath: { $glob: "/app/**" } } },
  ]);

  it("a missing field never satisfies an allowing rule and always satisfies a forbidding one", () => {
    expect(can(allowApp, "readValue", "secrets", { environment: "dev" })).toBe(false);
    expect(can(forbidApp, "readValue", "secrets", { environment: "dev" })).toBe(false);
  });

  it("a value beyond the glob limits is treated the same way", () => {
    const tooLong = "/app/" + "a".repeat(MAX_MATCHED_VALUE_LENGTH);
    expect(can(allowApp, "readValue", "secrets", at("dev", tooLong))).toBe(false);
    expect(can(forbidApp, "readValue", "secrets", at("dev", tooLong))).toBe(false);
  });

  it("unconditional rules need no fields", () => {
    expect(can(rules([{ subject: "secrets", action: "readValue" }]), "readValue", "secrets")).toBe(true);
  });
});

describe("canOnAny: may some resource with these known fields be allowed?", () => {
  const describeAll = { subject: "secrets", action: "describeSecret" };
  const describeWhere = (conditions: unknown, inverted?: boolean) => ({ ...describeAll, conditions, inverted });
  it.each([
    ["no rules", [], { environment: "dev" }, false],
    ["allowed in that environment under a path", [describeWhere({ environment: "dev", secretPath: { $glob: "/app/**" } })], { environment: "dev" }, true],
    ["allowed only in another environment", [describeWhere({ environment: "prod" })], { environment: "dev" }, false],
    ["a later blanket forbid for that environment", [describeAll, describeWhere({ environment: "dev" }, true)], { environment: "dev" }, false],
    ["a later forbid on one path leaves the rest", [describeAll, describeWhere({ secretPath: "/ops" }, true)], { environment: "dev" }, true],
    ["an allow after a blanket forbid", [describeWhere(undefined, true), describeWhere({ secretPath: "/pub" })], { environment: "dev" }, true],
    ["with nothing known, any conditional allow counts (CASL's bare-subject check)", [describeWhere({ environment: "prod" })], {}, true],
    ["with nothing known, a conditional forbid does not count", [describeAll, describeWhere({ environment: "prod" }, true)], {}, true],
  ])("%s → %s", (_name, raw, known, expected) => {
    expect(canOnAny(rules(raw), "describeSecret", "secrets", known)).toBe(expected);
  });
});

describe("explicit grants", () => {
  const connect = (conditions?: unknown, inverted?: boolean) => ({
    subject: "app-connections",
    action: "connect-app-connections",
    conditions,
    inverted,
  });

  it.each([
    ["no condition is not explicit", [connect()], false],
    ["a plain value naming it", [connect({ connectionId: "org-conn" })], true],
    ["$eq naming it", [connect({ connectionId: { $eq: "org-conn" } })], true],
    ["$in naming it", [connect({ connectionId: { $in: ["a", "org-conn"] } })], true],
    ["$ne of something else is not explicit", [connect({ connectionId: { $ne: "other" } })], false],
    ["naming another connection", [connect({ connectionId: "other" })], false],
    ["named, then forbidden", [connect({ connectionId: "org-conn" }), connect({ connectionId: "org-conn" }, true)], false],
    ["named, then a later blanket allow", [connect({ connectionId: "org-conn" }), connect()], true],
    ["named, forbidden, then a blanket allow", [connect({ connectionId: "org-conn" }), connect({ connectionId: "org-conn" }, true), connect()], false],
    ["a blanket allow, then forbidden", [connect(), connect({}, true)], false],
  ])("%s → %s", (_name, raw, expected) => {
    const fields = { connectionId: "org-conn" };
    expect(canExplicitly(rules(raw), "connect-app-connections", "app-connections", fields, "connectionId")).toBe(expected);
  });

  it("lists the values allowing rules name", () => {
    const set = rules([
      connect({ connectionId: "a" }),
      connect({ connectionId: { $in: ["b", "c"] } }),
      connect({ connectionId: { $eq: "d", $ne: "x" } }),
      connect({ connectionId: "e" }, true),
      connect(),
      { subject: "app-connections", action: "read-app-connections", conditions: { connectionId: "f" } },
    ]);
    expect(explicitlyNamedValues(set, "connect-app-connections", "app-connections", "connectionId").sort()).toEqual(["a", "b", "c", "d"]);
  });
});

describe("rulesConcerning lists what decides first, first", () => {
  it("keeps rules for the subject and action, latest first", () => {
    const set = rules([
      { subject: "secrets", action: ["readValue", "edit"] },
      { subject: "secrets", action: "create" },
      { subject: "secrets", action: "read", inverted: true, conditions: { environment: "prod" } },
      { subject: "secret-folders", action: "read" },
    ]);
    expect(rulesConcerning(set, "readValue", "secrets")).toEqual([set[2], set[0]]);
  });
});
