/** The rule schemas: Infisical's shape accepted, everything that would be misread refused with a clear message. */
import { describe, expect, it } from "vitest";
import { MAX_MATCHED_VALUE_SEGMENTS } from "../../src/access/glob";
import {
  MAX_CONDITION_VALUES,
  MAX_RULES_PER_SET,
  ORGANIZATION_PERMISSIONS,
  organizationRulesSchema,
  PROJECT_PERMISSIONS,
  projectRulesSchema,
} from "../../src/access/rules";

/** The messages of a refused rule list, or null when it parses. */
function problems(rules: unknown, schema = projectRulesSchema): string[] | null {
  const result = schema.safeParse(rules);
  return result.success ? null : result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
}

describe("accepted rules", () => {
  it("normalizes a single action to a list and keeps conditions as written", () => {
    const parsed = projectRulesSchema.parse([
      { subject: "secrets", action: "readValue", conditions: { environment: "prod", secretPath: { $glob: "/app/**" } } },
      { subject: "secrets", action: ["describeSecret", "readValue", "readValue"], inverted: true, conditions: { environment: { $in: ["dev", "staging"] } } },
    ]);
    expect(parsed).toEqual([
      { subject: "secrets", action: ["readValue"], conditions: { environment: "prod", secretPath: { $glob: "/app/**" } } },
      { subject: "secrets", action: ["describeSecret", "readValue"], inverted: true, conditions: { environment: { $in: ["dev", "staging"] } } },
    ]);
  });

  it("accepts every action of every subject, at both levels", () => {
    for (const [catalogue, schema] of [
      [PROJECT_PERMISSIONS, projectRulesSchema],
      [ORGANIZATION_PERMISSIONS, organizationRulesSchema],
    ] as const) {
      const rules = Object.entries(catalogue).map(([subject, { actions }]) => ({ subject, action: [...actions] }));
      expect(problems(rules, schema)).toBeNull();
    }
  });

  it("accepts each operator on the fields that take it", () => {
    expect(
      problems([
        { subject: "secret-syncs", action: "create", conditions: { environment: { $ne: "prod" }, secretPath: { $eq: "/" }, connectionId: { $in: ["c1"] } } },
        { subject: "secret-folders", action: "edit", conditions: { environment: { $glob: "dev-*" }, secretPath: { $glob: "/**", $ne: "/ops" } } },
        { subject: "app-connections", action: "connect-app-connections", conditions: { connectionId: "c1" } },
      ]),
    ).toBeNull();
  });

  it("treats empty conditions as none", () => {
    expect(projectRulesSchema.parse([{ subject: "secrets", action: "create", conditions: {} }])).toEqual([
      { subject: "secrets", action: ["create"], conditions: undefined },
    ]);
  });

  it("accepts Infisical's legacy secret action read, but not next to the actions that replaced it", () => {
    expect(problems([{ subject: "secrets", action: "read" }])).toBeNull();
    expect(problems([{ subject: "secrets", action: ["read", "readValue"] }])).toEqual([
      "0.action: You cannot select Read Value or Describe Secret if you have selected Read. The Read permission is a legacy action which " +
        "has been replaced by Describe Secret and Read Value.",
    ]);
    expect(problems([{ subject: "secret-syncs", action: "read" }])).toBeNull();
    expect(problems([{ subject: "secret-folders", action: "readValue" }])).toEqual(["0.action.0: action must be one of: read, create, edit, delete"]);
  });
});

describe("refused rules", () => {
  it.each([
    [[{ subject: "billing", action: "read" }], "0.subject: subject must be one of: " + Object.keys(PROJECT_PERMISSIONS).join(", ")],
    [[{ action: "read" }], "0.subject: subject must be one of: " + Object.keys(PROJECT_PERMISSIONS).join(", ")],
    [
      [{ subject: "secrets", action: "manage" }],
      "0.action.0: action must be one of: describeSecret, readValue, create, edit, delete, read",
    ],
    [[{ subject: "secrets", action: [] }], "0.action: action must name at least one action"],
    [[{ subject: "secrets", action: 7 }], "0.action: action must be a string or a list of strings"],
    [
      [{ subject: "app-connections", action: "connect" }],
      "0.action.0: action must be one of: " + PROJECT_PERMISSIONS["app-connections"].actions.join(", "),
    ],
    [[{ subject: "workspace", action: "create" }], "0.action.0: action must be one of: edit, delete"],
    [
      [{ subject: "secrets", action: "edit", condition: { environment: "dev" } }],
      "0: a secrets rule may only have subject, action, inverted and conditions",
    ],
    [
      [{ subject: "webhooks", action: "read", conditions: { environment: "dev" } }],
      "0: a webhooks rule may only have subject, action, inverted",
    ],
    [[{ subject: "secrets", action: "edit", inverted: "yes" }], "0.inverted: inverted must be true or false"],
    [
      [{ subject: "secrets", action: "edit", conditions: { secretName: "KEY" } }],
      "0.conditions: conditions may only name environment, secretPath",
    ],
    [
      [{ subject: "app-connections", action: "connect-app-connections", conditions: { connectionId: { $glob: "*" } } }],
      "0.conditions.connectionId: connectionId conditions take $eq, $ne, $in",
    ],
    [
      [{ subject: "secrets", action: "edit", conditions: { environment: { $regex: "x" } } }],
      "0.conditions.environment: environment conditions take $eq, $ne, $in, $glob",
    ],
    [
      [{ subject: "secrets", action: "edit", conditions: { environment: {} } }],
      "0.conditions.environment: environment conditions take $eq, $ne, $in, $glob",
    ],
    [
      [{ subject: "secrets", action: "edit", conditions: { environment: 3 } }],
      "0.conditions.environment: environment must be a string or an object of operators ($eq, $ne, $in, $glob)",
    ],
    [
      [{ subject: "secrets", action: "edit", conditions: { environment: "" } }],
      "0.conditions.environment: environment values must not be empty",
    ],
    [
      [{ subject: "secrets", action: "edit", conditions: { environment: { $in: [] } } }],
      "0.conditions.environment.$in: $in must list at least one value",
    ],
    [
      [{ subject: "secrets", action: "edit", conditions: { environment: { $glob: "dev/*" } } }],
      "0.conditions.environment.$glob: environment patterns may only contain letters, digits, '_', '-' and the wildcards '*' and '?'",
    ],
    [
      [{ subject: "secrets", action: "edit", conditions: { secretPath: "app" } }],
      "0.conditions.secretPath: Invalid Secret Path; it must start with a '/'",
    ],
    [
      [{ subject: "secrets", action: "edit", conditions: { secretPath: { $in: ["/a", "b"] } } }],
      "0.conditions.secretPath.$in.1: Invalid Secret Path; it must start with a '/'",
    ],
    [
      [{ subject: "secrets", action: "edit", conditions: { secretPath: "/app/" } }],
      "0.conditions.secretPath: secretPath must not end with '/' (only the root path is '/')",
    ],
    [
      [{ subject: "secrets", action: "edit", conditions: { secretPath: { $glob: "/app/**/" } } }],
      "0.conditions.secretPath.$glob: secretPath must not end with '/' (only the root path is '/')",
    ],
    [
      [{ subject: "secrets", action: "edit", conditions: { secretPath: { $eq: "/a//b" } } }],
      "0.conditions.secretPath.$eq: secretPath must not contain empty segments ('//')",
    ],
    [
      [{ subject: "secrets", action: "edit", conditions: { secretPath: { $glob: "**" } } }],
      "0.conditions.secretPath.$glob: Invalid Secret Path; it must start with a '/'",
    ],
    [
      [{ subject: "secrets", action: "edit", conditions: { secretPath: { $eq: "/a*" } } }],
      "0.conditions.secretPath.$eq: secretPath may only contain letters, digits, '_', '-' and '/'",
    ],
    [
      [{ subject: "secrets", action: "edit", conditions: { secretPath: { $glob: "/{a,b}/**" } } }],
      "0.conditions.secretPath.$glob: secretPath patterns may only contain letters, digits, '_', '-', '/' and the wildcards '*', '**' and '?'",
    ],
  ])("%j → %s", (rules, message) => {
    expect(problems(rules)).toEqual([message]);
  });

  it("refuses organization subjects in project rules and project subjects in organization rules", () => {
    expect(problems([{ subject: "kms", action: "edit" }])).toEqual(["0.subject: subject must be one of: " + Object.keys(PROJECT_PERMISSIONS).join(", ")]);
    expect(problems([{ subject: "secrets", action: "create" }], organizationRulesSchema)).toEqual([
      "0.subject: subject must be one of: " + Object.keys(ORGANIZATION_PERMISSIONS).join(", "),
    ]);
    expect(problems([{ subject: "app-connections", action: "connect" }], organizationRulesSchema)).toBeNull();
  });
});

describe("limits", () => {
  const rule = { subject: "secrets", action: "create" };

  it(`takes at most ${MAX_RULES_PER_SET} rules`, () => {
    expect(problems(Array(MAX_RULES_PER_SET).fill(rule))).toBeNull();
    expect(problems(Array(MAX_RULES_PER_SET + 1).fill(rule))).toEqual([`: at most ${MAX_RULES_PER_SET} permission rules are allowed`]);
  });

  it(`takes at most ${MAX_CONDITION_VALUES} values in $in`, () => {
    const values = (n: number) => Array.from({ length: n }, (_, i) => `env-${i}`);
    expect(problems([{ ...rule, conditions: { environment: { $in: values(MAX_CONDITION_VALUES) } } }])).toBeNull();
    expect(problems([{ ...rule, conditions: { environment: { $in: values(MAX_CONDITION_VALUES + 1) } } }])).toEqual([
      `0.conditions.environment.$in: $in may list at most ${MAX_CONDITION_VALUES} values`,
    ]);
  });

  it(`takes paths of at most ${MAX_MATCHED_VALUE_SEGMENTS} segments`, () => {
    const path = (n: number) => "/" + Array(n).fill("a").join("/");
    expect(problems([{ ...rule, conditions: { secretPath: path(MAX_MATCHED_VALUE_SEGMENTS) } }])).toBeNull();
    expect(problems([{ ...rule, conditions: { secretPath: path(MAX_MATCHED_VALUE_SEGMENTS + 1) } }])).toEqual([
      `0.conditions.secretPath: secretPath may have at most ${MAX_MATCHED_VALUE_SEGMENTS} segments`,
    ]);
  });

  it("takes glob patterns up to their length limit", () => {
    expect(problems([{ ...rule, conditions: { secretPath: { $glob: "/" + "a".repeat(255) } } }])).toBeNull();
    expect(problems([{ ...rule, conditions: { secretPath: { $glob: "/" + "a".repeat(256) } } }])).toEqual([
      "0.conditions.secretPath.$glob: $glob patterns must be at most 256 characters",
    ]);
  });
});
