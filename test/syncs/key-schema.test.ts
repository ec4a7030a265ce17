/** Key schemas: validation, rendering, Qovery's key rule and the schema-gated matching used for deletes. */
import { describe, expect, it } from "vitest";
import { keySchemaProblemFor, keySchemaSyntaxProblem, matchesKeySchema, qoveryKeyProblem, renderKey } from "../../src/syncs/key-schema";

describe("keySchemaSyntaxProblem", () => {
  it.each([
    "{{secretKey}}",
    "APP_{{secretKey}}",
    "{{secretKey}}_V2",
    "APP_{{environment}}_{{secretKey}}",
    "{{environment}}_{{secretKey}}_{{environment}}",
    "_9{{secretKey}}",
  ])("accepts %s", (schema) => {
    expect(keySchemaSyntaxProblem(schema)).toBeNull();
  });

  it("requires {{secretKey}}", () => {
    expect(keySchemaSyntaxProblem("APP_")).toBe("Key schema must contain {{secretKey}}, the place where each secret's key goes");
    expect(keySchemaSyntaxProblem("")).toBe("Key schema must contain {{secretKey}}, the place where each secret's key goes");
    expect(keySchemaSyntaxProblem("APP_{{environment}}")).toMatch(/must contain \{\{secretKey\}\}/);
  });

  it("requires {{secretKey}} exactly once", () => {
    expect(keySchemaSyntaxProblem("{{secretKey}}_{{secretKey}}")).toBe("Key schema must contain {{secretKey}} exactly once (found 2 times)");
  });

  it("rejects placeholders other than {{secretKey}} and {{environment}}", () => {
    expect(keySchemaSyntaxProblem("{{project}}_{{secretKey}}")).toBe(
      "Key schema contains unsupported placeholder {{project}}: only {{secretKey}} and {{environment}} are supported",
    );
    // Handlebars would accept these spellings; we do not render them, so they must not pass as literal text either.
    expect(keySchemaSyntaxProblem("{{ environment }}_{{secretKey}}")).toMatch(/unsupported placeholder \{\{ environment \}\}/);
    expect(keySchemaSyntaxProblem("{{{secretKey}}}")).toMatch(/unsupported placeholder/);
  });

  it("rejects characters Qovery keys cannot hold, naming them", () => {
    expect(keySchemaSyntaxProblem("APP-{{secretKey}}")).toBe('Key schema contains "-": Qovery keys allow only letters, digits and underscores');
    expect(keySchemaSyntaxProblem("app/{{secretKey}}/x-y")).toBe(
      'Key schema contains "/", "-": Qovery keys allow only letters, digits and underscores',
    );
    expect(keySchemaSyntaxProblem("A B{{secretKey}}")).toMatch(/contains " "/);
    expect(keySchemaSyntaxProblem("{secretKey}}")).toMatch(/must contain \{\{secretKey\}\}/);
    expect(keySchemaSyntaxProblem("{{secretKey}}{")).toBe('Key schema contains "{": Qovery keys allow only letters, digits and underscores');
    expect(keySchemaSyntaxProblem("É_{{secretKey}}")).toMatch(/contains "É"/);
  });

  it("rejects surrounding whitespace and schemas longer than 255 characters", () => {
    expect(keySchemaSyntaxProblem(" APP_{{secretKey}}")).toBe("Key schema cannot start or end with whitespace");
    expect(keySchemaSyntaxProblem("APP_{{secretKey}}\n")).toBe("Key schema cannot start or end with whitespace");
    const longest = "A".repeat(255 - "{{secretKey}}".length) + "{{secretKey}}";
    expect(keySchemaSyntaxProblem(longest)).toBeNull();
    expect(keySchemaSyntaxProblem(`A${longest}`)).toBe("Key schema cannot exceed 255 characters");
  });
});

describe("renderKey", () => {
  it("returns the key itself without a schema", () => {
    expect(renderKey(undefined, "DB_URL", "dev")).toBe("DB_URL");
    expect(renderKey("", "DB_URL", "dev")).toBe("DB_URL");
  });

  it("fills every placeholder", () => {
    expect(renderKey("APP_{{environment}}_{{secretKey}}", "DB_URL", "dev")).toBe("APP_dev_DB_URL");
    expect(renderKey("{{environment}}_{{secretKey}}_{{environment}}", "K", "prod")).toBe("prod_K_prod");
    expect(renderKey("{{secretKey}}", "K", "prod")).toBe("K");
  });

  it("inserts keys verbatim, without Handlebars' HTML escaping", () => {
    expect(renderKey("X_{{secretKey}}", "A=B&C<'\"`>", "dev")).toBe("X_A=B&C<'\"`>");
  });

  it("never reads the key or the slug as a placeholder, nor as a replacement pattern", () => {
    expect(renderKey("X_{{secretKey}}", "{{environment}}", "dev")).toBe("X_{{environment}}");
    expect(renderKey("{{environment}}_{{secretKey}}", "K", "{{secretKey}}")).toBe("{{secretKey}}_K");
    expect(renderKey("X_{{secretKey}}", "$&$1$$", "dev")).toBe("X_$&$1$$");
  });
});

describe("qoveryKeyProblem", () => {
  it.each(["A", "_", "_A1", "DB_URL", "db_url", "a1_B2", "QOVER", "MY_QOVERY_KEY"])("accepts %s", (key) => {
    expect(qoveryKeyProblem(key)).toBeNull();
  });

  it.each(["1A", "A-B", "A B", "A.B", "A/B", "É", "A=B"])("rejects %s, naming the key", (key) => {
    expect(qoveryKeyProblem(key)).toBe(
      `"${key}" is not a valid Qovery key: keys must start with a letter or an underscore and contain only letters, digits and underscores`,
    );
  });

  it.each(["QOVERY", "QOVERY_X", "qovery_x", "QoveryDb"])("rejects %s, reserved for Qovery's built-ins", (key) => {
    expect(qoveryKeyProblem(key)).toBe(`"${key}" is not a valid Qovery key: keys starting with "QOVERY" are reserved for Qovery's built-in variables`);
  });

  it("rejects an empty key", () => {
    expect(qoveryKeyProblem("")).toBe("Qovery keys cannot be empty");
  });
});

describe("keySchemaProblemFor", () => {
  it("accepts schemas that produce valid keys for the environment", () => {
    expect(keySchemaProblemFor("{{secretKey}}", "my-env")).toBeNull();
    expect(keySchemaProblemFor("APP_{{environment}}_{{secretKey}}", "dev")).toBeNull();
    expect(keySchemaProblemFor("{{secretKey}}_{{environment}}", "prod2")).toBeNull();
  });

  it("reports syntax problems first", () => {
    expect(keySchemaProblemFor("APP-{{secretKey}}", "dev")).toBe('Key schema contains "-": Qovery keys allow only letters, digits and underscores');
  });

  it("rejects an environment slug that puts a hyphen in every key", () => {
    expect(keySchemaProblemFor("{{environment}}_{{secretKey}}", "my-env")).toBe(
      'Key schema "{{environment}}_{{secretKey}}" cannot produce valid Qovery keys for environment "my-env": ' +
        '"my-env_A" is not a valid Qovery key: keys must start with a letter or an underscore and contain only letters, digits and underscores',
    );
  });

  it("rejects a prefix starting with a digit, or with QOVERY", () => {
    expect(keySchemaProblemFor("1_{{secretKey}}", "dev")).toMatch(/^Key schema "1_\{\{secretKey\}\}" cannot produce valid Qovery keys .*"1_A" is not a valid/);
    expect(keySchemaProblemFor("{{environment}}{{secretKey}}", "2024")).toMatch(/"2024A" is not a valid Qovery key/);
    expect(keySchemaProblemFor("QOVERY_{{secretKey}}", "dev")).toMatch(/"QOVERY_A" is not a valid Qovery key: keys starting with "QOVERY"/);
    expect(keySchemaProblemFor("{{environment}}_{{secretKey}}", "qovery")).toMatch(/"qovery_A" .*reserved/);
  });
});

describe("matchesKeySchema", () => {
  it("matches every key without a schema, or with a schema that is only {{secretKey}}", () => {
    for (const schema of [undefined, "", "{{secretKey}}"]) {
      expect(matchesKeySchema(schema, "ANYTHING", "dev")).toBe(true);
      expect(matchesKeySchema(schema, "X", "dev")).toBe(true);
    }
  });

  it("follows Infisical's example (APP_{{environment}}_{{secretKey}}, env dev)", () => {
    const schema = "APP_{{environment}}_{{secretKey}}";
    expect(matchesKeySchema(schema, "APP_dev_OLD", "dev")).toBe(true);
    expect(matchesKeySchema(schema, "APP_prod_X", "dev")).toBe(false);
    expect(matchesKeySchema(schema, "MANUAL", "dev")).toBe(false);
  });

  it("requires the prefix and the suffix around a non-empty middle", () => {
    const schema = "PRE_{{secretKey}}_SUF";
    expect(matchesKeySchema(schema, "PRE_X_SUF", "dev")).toBe(true);
    expect(matchesKeySchema(schema, "PRE__SUF", "dev")).toBe(false);
    expect(matchesKeySchema(schema, "PRE_SUF", "dev")).toBe(false);
    expect(matchesKeySchema(schema, "PRE_X", "dev")).toBe(false);
    expect(matchesKeySchema(schema, "X_SUF", "dev")).toBe(false);
    expect(matchesKeySchema("{{secretKey}}_SUF", "A_SUF", "dev")).toBe(true);
    expect(matchesKeySchema("{{secretKey}}_SUF", "_SUF", "dev")).toBe(false);
    expect(matchesKeySchema("PRE_{{secretKey}}", "PRE_", "dev")).toBe(false);
  });

  it("renders {{environment}} on both sides of {{secretKey}}", () => {
    const schema = "{{environment}}_{{secretKey}}_{{environment}}";
    expect(matchesKeySchema(schema, "prod_K_prod", "prod")).toBe(true);
    expect(matchesKeySchema(schema, "prod_K_dev", "prod")).toBe(false);
  });

  it("matches only the exact text of a schema without {{secretKey}}", () => {
    expect(matchesKeySchema("FIXED_{{environment}}", "FIXED_dev", "dev")).toBe(true);
    expect(matchesKeySchema("FIXED_{{environment}}", "FIXED_dev_X", "dev")).toBe(false);
  });

  it("matches every key the schema renders", () => {
    const schema = "APP_{{environment}}_{{secretKey}}_V1";
    for (const key of ["A", "DB_URL", "_", "APP"]) expect(matchesKeySchema(schema, renderKey(schema, key, "stg"), "stg")).toBe(true);
  });
});
