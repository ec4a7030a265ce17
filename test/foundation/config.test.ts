/**
 * The configuration schema: defaults, ranges at their boundaries, errors that name variables and never values, one
 * parse per env; what a bad configuration does to requests, the queue and the cron; and the README's Configuration
 * table kept true to the schema (bundled as text with vite's `?raw`: workerd has no file system).
 */
import { env } from "cloudflare:workers";
import {
  createExecutionContext,
  createMessageBatch,
  createScheduledController,
  getQueueResult,
  waitOnExecutionContext,
} from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import readme from "../../README.md?raw";
import wranglerToml from "../../wrangler.toml?raw";
import { systemActor } from "../../src/access/actor";
import { createApp } from "../../src/app";
import { CONFIG_VARIABLES, ConfigurationError, configOf, MIN_ADMIN_TOKEN_LENGTH, readConfig, type VariableSpec } from "../../src/config";
import { createDb } from "../../src/db/client";
import { syncRuns } from "../../src/db/schema";
import worker from "../../src/index";
import type { QueueJob } from "../../src/queue/messages";
import { getRun } from "../../src/syncs/repository";
import { newRun } from "../../src/syncs/run-state";
import { sectionTable, statedNumbers } from "../helpers/markdown";
import { storedRows } from "../helpers/stored-rows";
import { createSync, syncFixture } from "../helpers/sync-fixtures";
import { SOURCES } from "../architecture/source-graph";

const ADMIN_TOKEN = "a-strong-enough-admin-token-for-these-tests";
const minimal = () => ({ ADMIN_TOKEN });
const problem = (vars: Record<string, string | undefined>) => {
  const result = readConfig({ ...minimal(), ...vars });
  return result instanceof ConfigurationError ? result.message : null;
};
type WholeNumber = [name: string, spec: VariableSpec & { range: [number, number] }];
const wholeNumbers = Object.entries(CONFIG_VARIABLES).filter(([, spec]) => (spec as VariableSpec).range) as WholeNumber[];

afterEach(() => vi.restoreAllMocks());

describe("the configuration schema", () => {
  it("gives every var its default when it is unset or empty", () => {
    const config = configOf(minimal());
    expect(config).toEqual({
      encryptionKey: undefined,
      adminToken: ADMIN_TOKEN,
      qoveryApiUrl: "https://api.qovery.com",
      logLevel: "info",
      engine: {
        subrequestBudget: 40,
        writeConcurrency: 4,
        connectionConcurrency: 5,
        maxAttempts: 5,
        leaseSeconds: 120,
        qoveryTimeoutMs: 15_000,
        retryBaseSeconds: 10,
      },
      autoSyncDebounceSeconds: 2,
      webhooks: { secretGraceSeconds: 86_400, allowHttpLocalhost: false, deliveryTimeoutMs: 10_000, maxAttempts: 8, retryBaseSeconds: 30 },
      access: { teamDomain: "", audience: "", adminEmails: new Set() },
    });
    const blank = Object.fromEntries(Object.keys(CONFIG_VARIABLES).filter((name) => name !== "ADMIN_TOKEN").map((name) => [name, ""]));
    expect(configOf({ ...minimal(), ...blank })).toEqual({ ...config, encryptionKey: "" });
  });

  it("reads the Worker's env: wrangler.toml's vars with the test overrides", () => {
    const config = configOf(env);
    expect(config.engine).toMatchObject({ subrequestBudget: 40, qoveryTimeoutMs: 400, retryBaseSeconds: 1 });
    expect(config).toMatchObject({ autoSyncDebounceSeconds: 1, logLevel: "warn", access: { teamDomain: env.ACCESS_TEAM_DOMAIN } });
    expect(config.access.adminEmails).toEqual(new Set(["root@example.com", "ops@example.com"]));
  });

  it.each(wholeNumbers)("takes %s from the bottom to the top of its range, and nothing past either end", (name, { range: [min, max] }) => {
    const refusal = `${name} must be a whole number from ${min} to ${max}`;
    for (const ok of [min, min + 1, max - 1, max]) expect(problem({ [name]: String(ok) }), `${name}=${ok}`).toBeNull();
    for (const bad of [min - 1, max + 1, min + 0.5]) expect(problem({ [name]: String(bad) }), `${name}=${bad}`).toBe(refusal);
    expect(problem({ [name]: "twelve" })).toBe(refusal);
  });

  it("reads words from their lists only", () => {
    expect(configOf({ ...minimal(), LOG_LEVEL: "debug" }).logLevel).toBe("debug");
    expect(problem({ LOG_LEVEL: "verbose" })).toBe("LOG_LEVEL must be one of: debug, info, warn, error");
    expect(configOf({ ...minimal(), ALLOW_HTTP_LOCALHOST_WEBHOOKS: "true" }).webhooks.allowHttpLocalhost).toBe(true);
    expect(configOf({ ...minimal(), ALLOW_HTTP_LOCALHOST_WEBHOOKS: "false" }).webhooks.allowHttpLocalhost).toBe(false);
    expect(problem({ ALLOW_HTTP_LOCALHOST_WEBHOOKS: "yes" })).toBe("ALLOW_HTTP_LOCALHOST_WEBHOOKS must be one of: true, false");
    expect(configOf({ ...minimal(), QOVERY_API_URL: "http://localhost:8787" }).qoveryApiUrl).toBe("http://localhost:8787");
    expect(problem({ QOVERY_API_URL: "ftp://qovery.example" })).toBe("QOVERY_API_URL must be an http(s) URL");
  });

  it("trims the Access settings and reads ADMIN_EMAILS as a case-insensitive list", () => {
    const access = {
      ACCESS_TEAM_DOMAIN: " team.cloudflareaccess.com ",
      ACCESS_AUD: " aud ",
      ADMIN_EMAILS: " A@Example.com,, b@example.COM ",
    };
    expect(configOf({ ...minimal(), ...access }).access).toEqual({
      teamDomain: "team.cloudflareaccess.com",
      audience: "aud",
      adminEmails: new Set(["a@example.com", "b@example.com"]),
    });
  });

  it(`refuses an ADMIN_TOKEN shorter than ${MIN_ADMIN_TOKEN_LENGTH} characters, missing or empty`, () => {
    const message = `ADMIN_TOKEN must be at least ${MIN_ADMIN_TOKEN_LENGTH} characters long; ` +
      "set a longer secret (for example `openssl rand -base64 32`)";
    expect(problem({ ADMIN_TOKEN: "x".repeat(MIN_ADMIN_TOKEN_LENGTH) })).toBeNull();
    for (const token of ["x".repeat(MIN_ADMIN_TOKEN_LENGTH - 1), "", undefined]) expect(problem({ ADMIN_TOKEN: token })).toBe(message);
  });

  it("names every bad variable in one message, and no value", () => {
    const values = { ADMIN_TOKEN: "hunter2-short", SYNC_MAX_ATTEMPTS: "s3cr3t-looking", LOG_LEVEL: "p4ssw0rd-level" };
    const message = problem(values)!;
    for (const name of Object.keys(values)) expect(message).toContain(`${name} must`);
    for (const value of Object.values(values)) expect(message).not.toContain(value);
  });

  it("parses an env once, and another env on its own", () => {
    const first = { ...minimal(), SYNC_MAX_ATTEMPTS: "7" };
    expect(configOf(first)).toBe(configOf(first));
    const second = { ...first, SYNC_MAX_ATTEMPTS: "9" };
    expect(configOf(second).engine.maxAttempts).toBe(9);
    expect(configOf(first).engine.maxAttempts).toBe(7);
    const bad = { ...first, SYNC_MAX_ATTEMPTS: "0" };
    expect(readConfig(bad)).toBe(readConfig(bad));
  });
});

describe("what the schema covers", () => {
  const BINDINGS = ["DB", "SYNC_QUEUE", "LOGIN_LIMITER", "LOGIN_IP_LIMITER", "WEBHOOK_LIMITER", "AUTH_FAILURE_LIMITER"];

  it("holds every variable the Worker's code reads from its env (bindings aside)", () => {
    // `${env.KEY}` in a comment is a secret reference's syntax, not a read
    const reads = (text: string) => [...text.matchAll(/(?<!\$\{)\benv\.([A-Z][A-Z0-9_]+)\b/g)].map((m) => m[1]!);
    const read = new Set(Object.values(SOURCES).flatMap(reads));
    expect(read.size).toBeGreaterThan(BINDINGS.length);
    expect([...read].filter((name) => !BINDINGS.includes(name) && !(name in CONFIG_VARIABLES))).toEqual([]);
  });

  it("is what wrangler.toml declares: its vars with the schema's defaults, and its required secrets", () => {
    // a section runs from its header to the next one, or to the end of the file
    const section = (name: string) => new RegExp(`^\\[${name}\\]\n([\\s\\S]*?)(?=^\\[|(?![\\s\\S]))`, "m").exec(wranglerToml)?.[1] ?? "";
    const vars = Object.fromEntries([...section("vars").matchAll(/^([A-Z][A-Z0-9_]*) = "([^"]*)"$/gm)].map((m) => [m[1]!, m[2]!]));
    const required = /^required = \[([^\]]*)\]/m.exec(section("secrets"))?.[1] ?? "";
    const secrets = [...required.matchAll(/"([A-Z][A-Z0-9_]*)"/g)].map((m) => m[1]);
    const specs = Object.entries(CONFIG_VARIABLES) as [string, VariableSpec][];
    const defaults = specs.filter(([, spec]) => spec.kind === "var").map(([name, spec]) => [name, String(spec.default)]);
    expect(vars).toEqual(Object.fromEntries(defaults));
    expect(secrets.sort()).toEqual(specs.filter(([, spec]) => spec.kind === "secret").map(([name]) => name).sort());
  });
});

describe("a bad configuration", () => {
  const badEnv = () => ({ ...env, SYNC_MAX_ATTEMPTS: "0" });
  const MESSAGE = "SYNC_MAX_ATTEMPTS must be a whole number from 1 to 100";

  it("answers every request with a 500 ConfigurationError naming the variable, and changes nothing", async () => {
    const before = await storedRows();
    const requests = [["/api/v1/projects", env.ADMIN_TOKEN], ["/api/openapi.json", undefined], ["/sign-in", undefined]] as const;
    for (const [path, token] of requests) {
      const ctx = createExecutionContext();
      const headers = token ? { authorization: `Bearer ${token}` } : undefined;
      const res = await createApp().fetch(new Request(new URL(path, "https://sync.test"), { headers }), badEnv(), ctx);
      await waitOnExecutionContext(ctx);
      expect(res.status, path).toBe(500);
      expect(await res.json()).toMatchObject({ statusCode: 500, error: "ConfigurationError", message: MESSAGE });
    }
    expect(await storedRows()).toEqual(before);
  });

  it("makes the queue consumer run nothing, log the error and leave the jobs for later", async () => {
    const f = await syncFixture({ A: "1" });
    const sync = await createSync(f, { autoSyncEnabled: false });
    const run = newRun(sync.id, "sync", "manual", systemActor("test"));
    await createDb(env.DB).insert(syncRuns).values(run);
    await f.tenant.clearCalls();
    const errors = vi.spyOn(console, "error").mockImplementation(() => undefined);

    const body: QueueJob = { type: "sync-run", syncId: sync.id, runId: run.id };
    const batch = createMessageBatch<QueueJob>("secret-sync-jobs", [{ id: crypto.randomUUID(), timestamp: new Date(), attempts: 3, body }]);
    const retry = vi.spyOn(batch.messages[0]!, "retry");
    await worker.queue(batch, { ...badEnv(), ADMIN_TOKEN: "short-admin-token" });
    const result = await getQueueResult(batch, createExecutionContext());

    expect(result.explicitAcks).toEqual([]);
    expect(result.retryMessages).toEqual([{ msgId: batch.messages[0]!.id }]);
    // as after a crash on the third delivery
    expect(retry.mock.calls).toEqual([[{ delaySeconds: 8 }]]);
    expect(await getRun(createDb(env.DB), run.id)).toMatchObject({ status: "pending", attempts: 0 });
    expect(await f.tenant.calls()).toEqual([]);
    const logged = errors.mock.calls.map((args) => String(args[0]));
    expect(logged).toHaveLength(1);
    const line = JSON.parse(logged[0]!);
    expect(line).toMatchObject({ level: "error", event: "configuration_invalid", message: expect.stringContaining(MESSAGE) });
    expect(logged[0]).toContain("ADMIN_TOKEN must be at least");
    expect(logged[0]).not.toContain("short-admin-token");
  });

  it("makes the cron send nothing and log the error; the same cron with a good configuration fans out", async () => {
    const f = await syncFixture({ A: "1" });
    await createSync(f, { autoSyncEnabled: false });
    await env.DB.prepare("update secret_syncs set last_drift_check_at = null").run();
    const errors = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const sent: unknown[] = [];
    const queue = {
      send: async (body: unknown) => void sent.push(body),
      sendBatch: async (messages: Iterable<unknown>) => void sent.push(...messages),
    } as unknown as Queue;
    const controller = () => createScheduledController({ scheduledTime: Date.now(), cron: "*/10 * * * *" });
    const cron = (bindings: Partial<Env>) => worker.scheduled(controller(), { ...env, ...bindings, SYNC_QUEUE: queue });

    await cron({ LOG_LEVEL: "chatty" });
    expect(sent).toEqual([]);
    expect(errors.mock.calls.map((args) => JSON.parse(String(args[0])))).toEqual([
      expect.objectContaining({
        level: "error",
        event: "configuration_invalid",
        message: "LOG_LEVEL must be one of: debug, info, warn, error",
      }),
    ]);

    await cron({});
    expect(sent.length).toBeGreaterThan(0);
  });
});

// ----- the README's Configuration table

/** The rows of the first table under `## Configuration`, by column name. */
function configurationTable(markdown: string): Record<string, string>[] {
  const { header, rows } = sectionTable(markdown, "Configuration");
  return rows.map((cells) => Object.fromEntries(cells.map((cell, i) => [header[i] ?? String(i), cell])));
}

/** A default as the table writes it: `` `40` `` → "40", empty → "", — → none. */
function statedDefault(cell: string): string | undefined {
  if (cell === "—") return undefined;
  if (cell === "empty") return "";
  return /^`([^`]*)`$/.exec(cell)?.[1] ?? `unreadable: ${cell}`;
}

/** What the table gets wrong about `variables`. */
function configurationTableProblems(markdown: string, variables: Record<string, VariableSpec>): string[] {
  const rows = configurationTable(markdown);
  if (!rows[0] || !["name", "kind", "default", "allowed"].every((column) => column in rows[0]!)) {
    return ["README.md has no Configuration table with name, kind, default and allowed columns"];
  }
  const problems: string[] = [];
  const documented = rows.filter((row) => /^(secret|var)\b/.test(row.kind!));
  for (const row of documented) {
    const name = /^`([A-Z][A-Z0-9_]*)`$/.exec(row.name!)?.[1] ?? row.name!;
    const spec = variables[name];
    if (!spec) {
      problems.push(`${name} is in the Configuration table but not in src/config.ts`);
      continue;
    }
    if (!row.kind!.startsWith(spec.kind)) problems.push(`${name}: the table says it is a ${row.kind}, src/config.ts a ${spec.kind}`);
    const fallback = spec.default === undefined ? undefined : String(spec.default);
    if (statedDefault(row.default!) !== fallback) {
      problems.push(`${name}: the table's default is ${row.default}, src/config.ts's ${fallback ?? "none"}`);
    }
    if (spec.range && statedNumbers(row.allowed!).join("–") !== spec.range.join("–")) {
      problems.push(`${name}: the table allows ${row.allowed}, src/config.ts ${spec.range.join("–")}`);
    }
    if (spec.values && row.allowed !== spec.values.map((v) => `\`${v}\``).join(", ")) {
      problems.push(`${name}: the table allows ${row.allowed}, src/config.ts ${spec.values.join(", ")}`);
    }
  }
  const names = documented.map((row) => /^`([A-Z][A-Z0-9_]*)`$/.exec(row.name!)?.[1]);
  for (const name of Object.keys(variables)) {
    const count = names.filter((n) => n === name).length;
    if (count === 0) problems.push(`${name} is not in the Configuration table`);
    if (count > 1) problems.push(`${name} is in ${count} rows of the Configuration table`);
  }
  return problems;
}

describe("the README's Configuration table", () => {
  it("documents every variable of src/config.ts with its kind, default and allowed values, and no other", () => {
    expect(Object.keys(CONFIG_VARIABLES).length).toBeGreaterThan(15);
    expect(configurationTableProblems(readme, CONFIG_VARIABLES)).toEqual([]);
  });

  it("names each kind of mistake", () => {
    const header = ["| name | kind | default | allowed | meaning |", "| --- | --- | --- | --- | --- |"];
    const table = (...rows: string[]) => ["## Configuration", "", ...header, ...rows, "", "## Next"].join("\n");
    const variables: Record<string, VariableSpec> = {
      TOKEN: { kind: "secret", schema: CONFIG_VARIABLES.ADMIN_TOKEN.schema },
      COUNT: { kind: "var", default: 4, range: [1, 1000], schema: CONFIG_VARIABLES.SYNC_WRITE_CONCURRENCY.schema },
      LEVEL: { kind: "var", default: "info", values: ["info", "warn"], schema: CONFIG_VARIABLES.LOG_LEVEL.schema },
      NEW: { kind: "var", default: "", schema: CONFIG_VARIABLES.ACCESS_AUD.schema },
    };
    const markdown = table(
      "| `TOKEN` | var | — | any | x |",
      "| `COUNT` | var | `5` | 1–100 | x |",
      "| `LEVEL` | var | `info` | `warn`, `info` | x |",
      "| `OLD` | var | empty | any | x |",
      "| `DB` | D1 binding | — | — | not a variable |",
    );
    expect(configurationTableProblems(markdown, variables)).toEqual([
      "TOKEN: the table says it is a var, src/config.ts a secret",
      "COUNT: the table's default is `5`, src/config.ts's 4",
      "COUNT: the table allows 1–100, src/config.ts 1–1000",
      "LEVEL: the table allows `warn`, `info`, src/config.ts info, warn",
      "OLD is in the Configuration table but not in src/config.ts",
      "NEW is not in the Configuration table",
    ]);
    const noTable = "README.md has no Configuration table with name, kind, default and allowed columns";
    expect(configurationTableProblems("# no table", variables)).toEqual([noTable]);
  });
});
