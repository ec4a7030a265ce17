/**
 * The secret store checks Infisical's rules itself: for every subject and action it guards, an actor holding exactly
 * that rule can and one holding every other action of the subject gets Infisical's 403; conditions on environment and
 * secret path (globs, inverted rules); what lists and reads show; reference expansion; and the audit record each
 * change writes in the same D1 batch as the change.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Actor } from "../../src/access/actor";
import { PermissionDeniedError } from "../../src/access/denial";
import { PROJECT_PERMISSIONS, type ProjectSubject } from "../../src/access/rules";
import type { StoreContext } from "../../src/store/context";
import * as folders from "../../src/store/folders";
import * as projects from "../../src/store/projects";
import * as imports from "../../src/store/secret-imports";
import { getSecretById, getSecretView, importedSecretsView, listSecretsView, type ListSecretsQuery } from "../../src/store/secret-reader";
import { changedSecret, createdSecret } from "../../src/store/secret-shapes";
import * as secrets from "../../src/store/secrets";
import { api, createProject, createToken, unique } from "../helpers/api";
import { makeFolder, makeImport, putSecret } from "../helpers/store";
import { storedRows } from "../helpers/stored-rows";
import { actorWith, auditRowsOf, batchRecordingD1, storeAs } from "../helpers/store-actors";

type Rule = { subject: string; action: string[]; conditions?: Record<string, unknown>; inverted?: boolean };

const readAll: Rule = { subject: "secrets", action: ["describeSecret", "readValue"] };
const noFields = { comment: "", skipMultilineEncoding: false, reminderNote: null, reminderRepeatDays: null, metadata: [] };
const newSecret = (key: string, value: string) => ({ key, value, ...noFields });

/** dev:/app holding KEY and the folder /app/sub, and importing staging:/ ; prod has nothing. */
async function fixture() {
  const project = await createProject();
  await makeFolder(project.id, "/", "app");
  const sub = await makeFolder(project.id, "/app", "sub");
  const secret = await putSecret(project.id, "KEY", "value-1", { secretPath: "/app" });
  const secretImport = await makeImport(project.id, { environment: "dev", path: "/app" }, { environment: "staging", path: "/" });
  return { projectId: project.id, project, sub, secret, secretImport };
}
type Fixture = Awaited<ReturnType<typeof fixture>>;

const appTarget = (f: Fixture) => ({ projectId: f.projectId, environment: "dev", secretPath: "/app" });

const listQuery = (projectId: string, q: Partial<ListSecretsQuery> = {}): ListSecretsQuery => ({
  projectId,
  environment: "dev",
  secretPath: "/",
  recursive: false,
  includeImports: false,
  expandReferences: false,
  viewValue: true,
  tagSlugs: [],
  metadataFilter: [],
  ...q,
});

const getQuery = (projectId: string, key: string, q: Partial<Parameters<typeof getSecretView>[1]> = {}) => ({
  projectId,
  environment: "dev",
  secretPath: "/",
  key,
  includeImports: false,
  expandReferences: false,
  viewValue: true,
  ...q,
});

/** What a refused call threw, for exact assertions. */
async function refusal(promise: Promise<unknown>): Promise<any> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected the call to be refused");
}

function expectDenied(error: unknown, action: string, subject: string) {
  expect(error).toBeInstanceOf(PermissionDeniedError);
  expect(error).toMatchObject({ statusCode: 403, error: "PermissionDenied", message: `You are not allowed to ${action} on ${subject}` });
}

interface MatrixCase {
  subject: ProjectSubject;
  action: string;
  /** rules the call needs besides the one under test */
  extra?: Rule[];
  run: (ctx: StoreContext, f: Fixture) => Promise<unknown>;
  /** what a granted call returns */
  check: (result: any, f: Fixture) => void;
}

const matrix: MatrixCase[] = [
  {
    subject: "secrets",
    action: "describeSecret",
    run: (ctx, f) => listSecretsView(ctx, listQuery(f.projectId, { secretPath: "/app", viewValue: false })),
    check: (view) => expect(view.secrets.map((s: any) => [s.secretKey, s.secretValue])).toEqual([["KEY", "<hidden-by-infisical>"]]),
  },
  {
    subject: "secrets",
    action: "readValue",
    run: (ctx, f) => getSecretById(ctx, f.secret.id),
    check: (secret) => expect(secret).toMatchObject({ secretKey: "KEY", secretValue: "value-1", secretValueHidden: false }),
  },
  {
    subject: "secrets",
    action: "create",
    run: (ctx, f) => secrets.createSecret(ctx, appTarget(f), newSecret("NEW", "v")),
    check: (created) => expect(created).toMatchObject({ key: "NEW", value: "v", valueHidden: false }),
  },
  {
    subject: "secrets",
    action: "edit",
    run: (ctx, f) => secrets.updateSecret(ctx, appTarget(f), { key: "KEY", value: "value-2" }),
    check: (updated) => expect(updated).toMatchObject({ key: "KEY", row: { version: 2 } }),
  },
  {
    subject: "secrets",
    action: "delete",
    run: (ctx, f) => secrets.deleteSecret(ctx, appTarget(f), "KEY"),
    check: (deleted) => expect(deleted.key).toBe("KEY"),
  },
  {
    subject: "secret-folders",
    action: "read",
    run: (ctx, f) => folders.listReadableFolders(ctx, f.projectId, { environment: "dev", path: "/app", recursive: false }),
    check: (listed) => expect(listed.map((x: any) => x.path)).toEqual(["/app/sub"]),
  },
  {
    subject: "secret-folders",
    action: "create",
    run: (ctx, f) => folders.createFolder(ctx, f.projectId, { environment: "dev", path: "/app", name: "made" }),
    check: (folder) => expect(folder.path).toBe("/app/made"),
  },
  {
    subject: "secret-folders",
    action: "edit",
    run: (ctx, f) => folders.updateFolder(ctx, f.projectId, { idOrName: f.sub.id, environment: "dev", path: "/app", name: "renamed" }),
    check: (folder) => expect(folder.path).toBe("/app/renamed"),
  },
  {
    subject: "secret-folders",
    action: "delete",
    run: (ctx, f) => folders.deleteFolder(ctx, f.projectId, { idOrName: f.sub.id, environment: "dev", path: "/app", force: false }),
    check: (folder) => expect(folder.path).toBe("/app/sub"),
  },
  {
    subject: "secret-imports",
    action: "read",
    run: (ctx, f) => imports.listSecretImports(ctx, f.projectId, { environment: "dev", path: "/app" }),
    check: (listed, f) => expect(listed.map((i: any) => i.id)).toEqual([f.secretImport.id]),
  },
  {
    subject: "secret-imports",
    action: "create",
    extra: [{ subject: "secrets", action: ["describeSecret"], conditions: { environment: "prod" } }],
    run: (ctx, f) => imports.createSecretImport(ctx, f.projectId, { environment: "dev", path: "/app", source: { environment: "prod", path: "/" } }),
    check: (created) => expect(created).toMatchObject({ importPath: "/", position: 2, importEnv: { slug: "prod" } }),
  },
  {
    subject: "secret-imports",
    action: "edit",
    run: (ctx, f) => imports.updateSecretImport(ctx, f.projectId, f.secretImport.id, { environment: "dev", path: "/app", source: { position: 1 } }),
    check: (updated) => expect(updated).toMatchObject({ version: 2, position: 1 }),
  },
  {
    subject: "secret-imports",
    action: "delete",
    run: (ctx, f) => imports.deleteSecretImport(ctx, f.projectId, f.secretImport.id, { environment: "dev", path: "/app" }),
    check: (deleted, f) => expect(deleted.id).toBe(f.secretImport.id),
  },
  {
    subject: "environments",
    action: "read",
    run: (ctx, f) => projects.listEnvironments(ctx, f.projectId),
    check: (listed) => expect(listed.map((e: any) => e.slug)).toEqual(["dev", "staging", "prod"]),
  },
  {
    subject: "environments",
    action: "create",
    run: (ctx, f) => projects.createEnvironment(ctx, f.projectId, { name: "QA", slug: "qa" }),
    check: (created) => expect(created).toMatchObject({ slug: "qa", position: 4 }),
  },
  {
    subject: "environments",
    action: "edit",
    run: (ctx, f) => projects.updateEnvironment(ctx, f.projectId, f.project.environments[2]!.id, { name: "Live" }),
    check: (updated) => expect(updated).toMatchObject({ slug: "prod", name: "Live" }),
  },
  {
    subject: "environments",
    action: "delete",
    run: (ctx, f) => projects.deleteEnvironment(ctx, f.projectId, f.project.environments[2]!.id),
    check: (deleted) => expect(deleted.slug).toBe("prod"),
  },
  {
    subject: "workspace",
    action: "edit",
    run: (ctx, f) => projects.updateProject(ctx, f.projectId, { name: "Renamed" }),
    check: (project) => expect(project.name).toBe("Renamed"),
  },
  {
    subject: "workspace",
    action: "delete",
    run: (ctx, f) => projects.deleteProject(ctx, f.projectId),
    check: (project, f) => expect(project.id).toBe(f.projectId),
  },
];

const withoutAction = (subject: ProjectSubject, action: string): Rule[] => {
  const others = (PROJECT_PERMISSIONS[subject].actions as readonly string[]).filter((a) => a !== action);
  return others.length ? [{ subject, action: others }] : [];
};

describe("every store action, granted by exactly its rule", () => {
  it.each(matrix.map((c) => [`${c.subject}:${c.action}`, c] as const))("%s", async (_name, c) => {
    const f = await fixture();
    const extra = c.extra ?? [];
    const without = actorWith([...withoutAction(c.subject, c.action), ...extra], f.projectId);
    const before = await storedRows({ projectId: f.projectId });
    const denied = await refusal(c.run(storeAs(without), f));
    expectDenied(denied, c.action, c.subject);
    expect(denied.details).toEqual([]);
    expect(await storedRows({ projectId: f.projectId })).toEqual(before);

    const outsider = actorWith([{ subject: c.subject, action: [c.action] }, ...extra], (await createProject()).id);
    expectDenied(await refusal(c.run(storeAs(outsider), f)), c.action, c.subject);

    const granted = actorWith([{ subject: c.subject, action: [c.action] }, ...extra], f.projectId);
    c.check(await c.run(storeAs(granted), f), f);
  });

  it("creating a project takes workspace:create in the organization", async () => {
    const unbound = (organization: unknown[]) => actorWith([readAll], null, organization);
    const denied = await refusal(projects.createProject(storeAs(unbound([])), { name: unique("p") }));
    expectDenied(denied, "create", "workspace");
    const bound = actorWith([readAll], (await createProject()).id, [{ subject: "workspace", action: ["create"] }]);
    expectDenied(await refusal(projects.createProject(storeAs(bound), { name: unique("p") })), "create", "workspace");
    const created = await projects.createProject(storeAs(unbound([{ subject: "workspace", action: ["create"] }])), { name: "Allowed" });
    expect(created.environments.map((e) => e.slug)).toEqual(["dev", "staging", "prod"]);
  });

  it("reading a project takes any access to it, and lists show only those", async () => {
    const mine = await createProject();
    const theirs = await createProject();
    const member = actorWith([], mine.id);
    expect((await projects.readProject(storeAs(member), mine.id)).id).toBe(mine.id);
    expectDenied(await refusal(projects.readProject(storeAs(member), theirs.id)), "read", "workspace");
    expect((await projects.listProjects(storeAs(member))).map((p) => p.id)).toEqual([mine.id]);
  });

  it("importing a folder also takes describeSecret on the folder imported, on create and when re-pointed", async () => {
    const f = await fixture();
    const importer = actorWith(
      [
        { subject: "secret-imports", action: ["create", "edit"] },
        { subject: "secrets", action: ["describeSecret"], conditions: { environment: "staging" } },
      ],
      f.projectId,
    );
    const create = (source: { environment: string; path: string }) =>
      imports.createSecretImport(storeAs(importer), f.projectId, { environment: "dev", path: "/app", source });
    const denied = await refusal(create({ environment: "prod", path: "/" }));
    expectDenied(denied, "describeSecret", "secrets");
    expect(denied.details).toEqual([{ action: ["describeSecret"], inverted: false, subject: "secrets", conditions: { environment: "staging" } }]);
    const update = (source: { environment?: string; position?: number }) =>
      imports.updateSecretImport(storeAs(importer), f.projectId, f.secretImport.id, { environment: "dev", path: "/app", source });
    expectDenied(await refusal(update({ environment: "prod" })), "describeSecret", "secrets");
    // Moving it without re-pointing reads nothing new.
    expect(await update({ position: 1 })).toMatchObject({ version: 2 });
  });

  it("checks a folder where it really is, not where the request says it is", async () => {
    const f = await fixture();
    // May edit folders in "/" only; the folder named by id sits in "/app".
    const rootOnly = actorWith([{ subject: "secret-folders", action: ["edit", "delete"], conditions: { secretPath: "/" } }], f.projectId);
    const rename = (idOrName: string, name: string) =>
      folders.updateFolder(storeAs(rootOnly), f.projectId, { idOrName, environment: "dev", path: "/", name });
    expectDenied(await refusal(rename(f.sub.id, "x")), "edit", "secret-folders");
    const remove = folders.deleteFolder(storeAs(rootOnly), f.projectId, { idOrName: f.sub.id, environment: "dev", path: "/", force: true });
    expectDenied(await refusal(remove), "delete", "secret-folders");
    expect(await rename("app", "application")).toMatchObject({ path: "/application" });
  });

  it("an upsert needs edit for keys that exist and create for keys that do not", async () => {
    const f = await fixture();
    const editor = actorWith([{ subject: "secrets", action: ["edit"] }], f.projectId);
    const upsert = (ctx: StoreContext, key: string) => secrets.updateSecrets(ctx, appTarget(f), [{ key, value: "u" }], "upsert");
    expect((await upsert(storeAs(editor), "KEY"))[0]).toMatchObject({ key: "KEY", row: { version: 2 } });
    expectDenied(await refusal(upsert(storeAs(editor), "FRESH")), "create", "secrets");
    const creator = actorWith([{ subject: "secrets", action: ["create"] }], f.projectId);
    expect((await upsert(storeAs(creator), "FRESH"))[0]).toMatchObject({ key: "FRESH", row: { version: 1 } });
    expectDenied(await refusal(upsert(storeAs(creator), "KEY")), "edit", "secrets");
    // A batch rename needs create at the folder, as Infisical (a single rename needs edit).
    const batchRename = secrets.updateSecrets(storeAs(editor), appTarget(f), [{ key: "KEY", newKey: "K2" }], "failOnNotFound");
    expectDenied(await refusal(batchRename), "create", "secrets");
    expect(await secrets.updateSecret(storeAs(editor), appTarget(f), { key: "KEY", newKey: "K2" })).toMatchObject({ key: "K2" });
  });
});

describe("conditions on environment and secret path", () => {
  async function spread() {
    const p = await createProject();
    for (const environment of ["dev", "staging", "prod"]) await putSecret(p.id, "K", `${environment}-value`, { environment });
    await makeFolder(p.id, "/", "app");
    await makeFolder(p.id, "/app", "api");
    await makeFolder(p.id, "/app/api", "v1");
    await makeFolder(p.id, "/", "ops");
    for (const path of ["/app", "/app/api", "/app/api/v1", "/ops"]) await putSecret(p.id, "K", `dev${path}`, { secretPath: path });
    return p.id;
  }
  const readable = async (actor: Actor, projectId: string, environment: string, secretPath = "/") => {
    try {
      return (await getSecretView(storeAs(actor), getQuery(projectId, "K", { environment, secretPath }))).secretValue;
    } catch (error) {
      if (error instanceof PermissionDeniedError || (error as { statusCode?: number }).statusCode === 403) return "denied";
      throw error;
    }
  };

  it("environment $eq, $ne and $in", async () => {
    const p = await spread();
    const byEnvironment = async (condition: unknown) => {
      const actor = actorWith([{ ...readAll, conditions: { environment: condition } }], p);
      return Promise.all(["dev", "staging", "prod"].map((e) => readable(actor, p, e)));
    };
    expect(await byEnvironment({ $eq: "dev" })).toEqual(["dev-value", "denied", "denied"]);
    expect(await byEnvironment("staging")).toEqual(["denied", "staging-value", "denied"]);
    expect(await byEnvironment({ $ne: "prod" })).toEqual(["dev-value", "staging-value", "denied"]);
    expect(await byEnvironment({ $in: ["dev", "prod"] })).toEqual(["dev-value", "denied", "prod-value"]);
  });

  it("secretPath $glob: /app/* is one level below /app, /app/** is /app and everything below it", async () => {
    const p = await spread();
    const byPath = async (pattern: string) => {
      const actor = actorWith([{ ...readAll, conditions: { environment: "dev", secretPath: { $glob: pattern } } }], p);
      return Promise.all(["/", "/app", "/app/api", "/app/api/v1", "/ops"].map((path) => readable(actor, p, "dev", path)));
    };
    expect(await byPath("/app/*")).toEqual(["denied", "denied", "dev/app/api", "denied", "denied"]);
    expect(await byPath("/app/**")).toEqual(["denied", "dev/app", "dev/app/api", "dev/app/api/v1", "denied"]);
  });

  it("an inverted rule after an allow forbids what it matches; before it, it forbids nothing the allow covers", async () => {
    const p = await spread();
    const forbidApi: Rule = { subject: "secrets", action: ["readValue"], inverted: true, conditions: { secretPath: { $glob: "/app/api/**" } } };
    const allowFirst = actorWith([readAll, forbidApi], p);
    expect(await readable(allowFirst, p, "dev", "/app")).toBe("dev/app");
    expect(await readable(allowFirst, p, "dev", "/app/api/v1")).toBe("denied");
    const listed = await listSecretsView(storeAs(allowFirst), listQuery(p, { secretPath: "/app/api", viewValue: false }));
    const denied = await refusal(getSecretById(storeAs(allowFirst), listed.secrets[0]!.id));
    expectDenied(denied, "readValue", "secrets");
    expect(denied.details[0]).toEqual({ ...forbidApi, inverted: true });
    // The secret can still be described: only its value is forbidden.
    const described = await getSecretView(storeAs(allowFirst), getQuery(p, "K", { secretPath: "/app/api", viewValue: false }));
    expect(described).toMatchObject({ secretValue: "<hidden-by-infisical>", secretValueHidden: true });
    const forbidFirst = actorWith([forbidApi, readAll], p);
    expect(await readable(forbidFirst, p, "dev", "/app/api/v1")).toBe("dev/app/api/v1");
  });

  it("conditions apply to writes at the folder written", async () => {
    const p = await spread();
    const conditions = { environment: "dev", secretPath: { $glob: "/app/**" } };
    const writer = actorWith([{ subject: "secrets", action: ["create", "edit", "delete"], conditions }], p);
    const at = (environment: string, secretPath: string) => ({ projectId: p, environment, secretPath });
    expect(await secrets.createSecret(storeAs(writer), at("dev", "/app/api"), newSecret("NEW", "x"))).toMatchObject({ key: "NEW" });
    expectDenied(await refusal(secrets.createSecret(storeAs(writer), at("dev", "/ops"), newSecret("NEW", "x"))), "create", "secrets");
    expectDenied(await refusal(secrets.createSecret(storeAs(writer), at("prod", "/app"), newSecret("NEW", "x"))), "create", "secrets");
    // A batch touching one folder it may not edit changes nothing.
    const mixed = [{ key: "K", secretPath: "/app", value: "1" }, { key: "K", secretPath: "/ops", value: "1" }];
    const before = await storedRows({ projectId: p });
    expectDenied(await refusal(secrets.updateSecrets(storeAs(writer), at("dev", "/app"), mixed, "failOnNotFound")), "edit", "secrets");
    expect(await storedRows({ projectId: p })).toEqual(before);
    expectDenied(await refusal(secrets.deleteSecrets(storeAs(writer), at("dev", "/ops"), ["K"])), "delete", "secrets");
  });
});

describe("what reads show", () => {
  it("describe without readValue: keys with hidden values, and a refusal when values are asked for", async () => {
    const f = await fixture();
    const describer = actorWith([{ subject: "secrets", action: ["describeSecret"] }], f.projectId);
    const hidden = await listSecretsView(storeAs(describer), listQuery(f.projectId, { secretPath: "/app", viewValue: false }));
    expect(hidden.secrets).toEqual([expect.objectContaining({ secretKey: "KEY", secretValue: "<hidden-by-infisical>", secretValueHidden: true })]);
    expectDenied(await refusal(listSecretsView(storeAs(describer), listQuery(f.projectId, { secretPath: "/app" }))), "readValue", "secrets");
    const get = (viewValue: boolean) => getSecretView(storeAs(describer), getQuery(f.projectId, "KEY", { secretPath: "/app", viewValue }));
    expect(await refusal(get(true))).toMatchObject({
      statusCode: 403,
      error: "ForbiddenReadSecretError",
      message: "You do not have permission to view secret value on secret with name 'KEY'",
    });
    expect(await get(false)).toMatchObject({ secretValueHidden: true });
    // Without any describeSecret rule the list is refused outright.
    expectDenied(await refusal(listSecretsView(storeAs(actorWith([], f.projectId)), listQuery(f.projectId))), "describeSecret", "secrets");
  });

  it("a path-limited reader sees only its subtree, recursively and through imports", async () => {
    const p = (await createProject()).id;
    await putSecret(p, "ROOT", "root-value");
    await makeFolder(p, "/", "app");
    await makeFolder(p, "/app", "common");
    await makeFolder(p, "/", "ops");
    await putSecret(p, "APP", "app-value", { secretPath: "/app" });
    await putSecret(p, "COMMON", "common-value", { secretPath: "/app/common" });
    await putSecret(p, "OPS", "ops-value", { secretPath: "/ops" });
    await putSecret(p, "SHARED", "ops-shared", { secretPath: "/ops" });
    await putSecret(p, "SHARED", "common-shared", { secretPath: "/app/common" });
    await makeImport(p, { environment: "dev", path: "/app" }, { environment: "dev", path: "/app/common" });
    await makeImport(p, { environment: "dev", path: "/app" }, { environment: "dev", path: "/ops" });
    // /app/common imports /ops too: nested imported secrets are judged at the folder they come from.
    await makeImport(p, { environment: "dev", path: "/app/common" }, { environment: "dev", path: "/ops" });
    const appOnly = { environment: "dev", secretPath: { $glob: "/app/**" } };
    const reader = actorWith([{ ...readAll, conditions: appOnly }, { subject: "secret-imports", action: ["read"] }], p);

    const everything = await listSecretsView(storeAs(reader), listQuery(p, { recursive: true }));
    expect(everything.secrets.map((s) => [s.secretPath, s.secretKey, s.secretValue])).toEqual([
      ["/app", "APP", "app-value"],
      ["/app/common", "COMMON", "common-value"],
      ["/app/common", "SHARED", "common-shared"],
    ]);
    const withImports = await listSecretsView(storeAs(reader), listQuery(p, { secretPath: "/app", includeImports: true }));
    expect(withImports.imports.map((i) => [i.secretPath, i.secrets.map((s) => [s.secretKey, s.secretValue])])).toEqual([
      ["/app/common", [["COMMON", "common-value"], ["SHARED", "common-shared"]]],
      ["/ops", []],
    ]);
    const importRoute = await importedSecretsView(storeAs(reader), { projectId: p, environmentSlug: "dev", path: "/app" });
    expect(importRoute.map((i) => i.secrets.map((s) => s.secretKey))).toEqual([["COMMON", "SHARED"], []]);
    // The import fallback of a get finds only what the reader may describe.
    const getImported = (key: string) => getSecretView(storeAs(reader), getQuery(p, key, { secretPath: "/app", includeImports: true }));
    expect(await getImported("COMMON")).toMatchObject({ secretValue: "common-value" });
    expect(await refusal(getImported("OPS"))).toMatchObject({ statusCode: 404 });
    // An admin sees the other folders' secrets through the same imports.
    const admin = await listSecretsView(storeAs(actorWith([readAll], p)), listQuery(p, { secretPath: "/app", includeImports: true }));
    expect(admin.imports[1]!.secrets.map((s) => s.secretKey)).toEqual(["OPS", "SHARED"]);
  });

  it("an imported secret the reader may describe but not read is left out when values are asked for, and hidden otherwise", async () => {
    const p = (await createProject()).id;
    await putSecret(p, "FROM_STAGING", "staging-value", { environment: "staging" });
    await makeImport(p, { environment: "dev", path: "/" }, { environment: "staging", path: "/" });
    const reader = actorWith([readAll, { subject: "secrets", action: ["readValue"], inverted: true, conditions: { environment: "staging" } }], p);
    const values = await listSecretsView(storeAs(reader), listQuery(p, { includeImports: true }));
    expect(values.imports[0]!.secrets).toEqual([]);
    const keys = await listSecretsView(storeAs(reader), listQuery(p, { includeImports: true, viewValue: false }));
    expect(keys.imports[0]!.secrets).toEqual([
      expect.objectContaining({ secretKey: "FROM_STAGING", secretValue: "<hidden-by-infisical>", secretValueHidden: true }),
    ]);
    const one = await refusal(getSecretView(storeAs(reader), getQuery(p, "FROM_STAGING", { includeImports: true })));
    expect(one).toMatchObject({
      statusCode: 403,
      error: "ForbiddenReadSecretError",
      message: "You do not have permission to view secret import value on secret with name 'FROM_STAGING'",
    });
  });

  it("recursive listing with values leaves out subfolders whose values the reader may not read", async () => {
    const p = (await createProject()).id;
    await putSecret(p, "TOP", "top");
    await makeFolder(p, "/", "locked");
    await putSecret(p, "LOCKED", "locked-value", { secretPath: "/locked" });
    const reader = actorWith([readAll, { subject: "secrets", action: ["readValue"], inverted: true, conditions: { secretPath: "/locked" } }], p);
    const list = await listSecretsView(storeAs(reader), listQuery(p, { recursive: true }));
    expect(list.secrets.map((s) => s.secretKey)).toEqual(["TOP"]);
    const keys = await listSecretsView(storeAs(reader), listQuery(p, { recursive: true, viewValue: false }));
    expect(keys.secrets.map((s) => s.secretKey)).toEqual(["TOP", "LOCKED"]);
  });

  it("folders are listed and fetched where the reader may read them", async () => {
    const f = await fixture();
    const ops = await makeFolder(f.projectId, "/", "ops");
    const reader = actorWith([{ subject: "secret-folders", action: ["read"], conditions: { secretPath: { $glob: "/app/**" } } }], f.projectId);
    const listed = await folders.listReadableFolders(storeAs(reader), f.projectId, { environment: "dev", path: "/", recursive: true });
    expect(listed.map((x) => x.path)).toEqual(["/app/sub"]);
    expect((await folders.getFolderById(storeAs(reader), f.sub.id)).path).toBe("/app/sub");
    expectDenied(await refusal(folders.getFolderById(storeAs(reader), ops.id)), "read", "secret-folders");
  });

  it("a write answers values only where the writer may read them", async () => {
    const f = await fixture();
    const writeOnly = actorWith([{ subject: "secrets", action: ["create", "edit", "delete"] }], f.projectId);
    const batch = await secrets.createSecrets(storeAs(writeOnly), appTarget(f), [newSecret("A", "a-value")]);
    expect(createdSecret(batch[0]!)).toMatchObject({ secretKey: "A", secretValue: "<hidden-by-infisical>" });
    const updated = await secrets.updateSecret(storeAs(writeOnly), appTarget(f), { key: "KEY", value: "new-value" });
    expect(changedSecret(updated)).toMatchObject({ secretValue: "<hidden-by-infisical>", secretValueHidden: true });
    const deleted = await secrets.deleteSecret(storeAs(writeOnly), appTarget(f), "KEY");
    expect(JSON.stringify(changedSecret(deleted))).not.toContain("new-value");
    // The single create answers the value just sent, as Infisical.
    const single = await secrets.createSecret(storeAs(writeOnly), appTarget(f), newSecret("B", "b-value"));
    expect(createdSecret(single)).toMatchObject({ secretValue: "b-value" });
  });
});

describe("references", () => {
  async function referencing() {
    const p = (await createProject()).id;
    await makeFolder(p, "/", "app");
    await makeFolder(p, "/", "ops");
    await putSecret(p, "PASSWORD", "s3cr3t", { secretPath: "/ops" });
    await putSecret(p, "HOST", "db.internal", { secretPath: "/app" });
    await putSecret(p, "URL", "postgres://${dev.ops.PASSWORD}@${HOST}", { secretPath: "/app" });
    await putSecret(p, "CHAIN", "via ${URL}", { secretPath: "/app" });
    await putSecret(p, "LOCAL", "only ${HOST}", { secretPath: "/app" });
    const reader = actorWith([{ ...readAll, conditions: { secretPath: { $glob: "/app/**" } } }], p);
    return { p, reader };
  }
  const denial = (key: string, by: string) =>
    `You do not have permission to read secret '${key}' in environment 'dev' at path '/ops', ` +
    `which is referenced by secret '${by}' in environment 'dev' at path '/app'.`;

  it("getting a secret whose expansion reaches a folder the reader may not read is refused, naming both", async () => {
    const { p, reader } = await referencing();
    const get = (key: string, expandReferences: boolean) =>
      getSecretView(storeAs(reader), getQuery(p, key, { secretPath: "/app", expandReferences }));
    expect(await refusal(get("URL", true))).toMatchObject({ statusCode: 403, error: "ForbiddenError", message: denial("PASSWORD", "URL") });
    // Through another reference too: the message names the secret asked for.
    expect(await refusal(get("CHAIN", true))).toMatchObject({ statusCode: 403, message: denial("PASSWORD", "CHAIN") });
    expect((await get("URL", false)).secretValue).toBe("postgres://${dev.ops.PASSWORD}@${HOST}");
    expect((await get("LOCAL", true)).secretValue).toBe("only db.internal");
  });

  it("listing with expansion is refused with every refusal in the details", async () => {
    const { p, reader } = await referencing();
    const refused = await refusal(listSecretsView(storeAs(reader), listQuery(p, { secretPath: "/app", expandReferences: true })));
    expect(refused).toMatchObject({ statusCode: 403, error: "ForbiddenError", message: "Failed to expand one or more secret references" });
    expect(refused.details).toEqual([denial("PASSWORD", "CHAIN"), denial("PASSWORD", "URL")]);
    const raw = await listSecretsView(storeAs(reader), listQuery(p, { secretPath: "/app" }));
    expect(raw.secrets.map((s) => s.secretKey)).toEqual(["CHAIN", "HOST", "LOCAL", "URL"]);
  });

  it("a reference into an unreadable folder is refused even when nothing is there", async () => {
    const { p, reader } = await referencing();
    await putSecret(p, "GHOST", "${dev.ops.MISSING}", { secretPath: "/app" });
    expect(await refusal(getSecretView(storeAs(reader), getQuery(p, "GHOST", { secretPath: "/app", expandReferences: true })))).toMatchObject({
      message: denial("MISSING", "GHOST"),
    });
  });

  it("imported secrets are expanded where the reader may follow them, and kept as stored otherwise", async () => {
    const { p, reader } = await referencing();
    await makeFolder(p, "/app", "consumer");
    await makeImport(p, { environment: "dev", path: "/app/consumer" }, { environment: "dev", path: "/app" });
    const list = await listSecretsView(storeAs(reader), listQuery(p, { secretPath: "/app/consumer", includeImports: true }));
    const values = Object.fromEntries(list.imports[0]!.secrets.map((s) => [s.secretKey, s.secretValue]));
    expect(values).toEqual({ CHAIN: "via ${URL}", HOST: "db.internal", LOCAL: "only db.internal", URL: "postgres://${dev.ops.PASSWORD}@${HOST}" });
  });

  it("writing a value that references a location the writer may not describe is refused", async () => {
    const { p } = await referencing();
    const writer = actorWith([{ subject: "secrets", action: ["create", "edit", "describeSecret"], conditions: { secretPath: "/app" } }], p);
    const target = { projectId: p, environment: "dev", secretPath: "/app" };
    const denied = await refusal(secrets.createSecret(storeAs(writer), target, newSecret("STEAL", "${dev.ops.PASSWORD}")));
    expectDenied(denied, "describeSecret", "secrets");
    const update = secrets.updateSecret(storeAs(writer), target, { key: "HOST", value: "${prod.ANYTHING}" });
    expectDenied(await refusal(update), "describeSecret", "secrets");
    expect(await secrets.createSecret(storeAs(writer), target, newSecret("FINE", "${HOST}:${dev.app.HOST}"))).toMatchObject({ key: "FINE" });
  });
});

describe("audit records written by the store", () => {
  const changing = ["secrets", "secret-folders", "secret-imports", "environments"].map((subject) => ({
    subject,
    action: ["create", "edit", "delete"],
  }));
  const writer = (projectId: string) => actorWith([readAll, ...changing], projectId);

  it("each change writes one record naming the actor, the target and the request", async () => {
    const f = await fixture();
    const actor = writer(f.projectId);
    type Expected = { action: string; target_type: string; target_id: string | null; metadata: Record<string, unknown> };
    const expectAudit = async (ctx: StoreContext & { requestId: string }, expected: Expected) => {
      const rows = await auditRowsOf(ctx.requestId);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ ...expected, project_id: f.projectId, actor_type: "api-token", actor_id: actor.id, actor_name: actor.name });
      expect(rows[0]!.metadata).toEqual(expected.metadata);
    };
    let ctx = storeAs(actor);
    const created = await secrets.createSecret(ctx, appTarget(f), newSecret("NEW", "never-in-audit"));
    const inApp = (keys: string[]) => ({ environment: "dev", secretPath: "/app", keys });
    await expectAudit(ctx, { action: "secret.create", target_type: "secret", target_id: created.row.id, metadata: inApp(["NEW"]) });
    ctx = storeAs(actor);
    await secrets.updateSecrets(ctx, appTarget(f), [{ key: "NEW", value: "v2" }, { key: "KEY", value: "v2" }], "failOnNotFound");
    await expectAudit(ctx, { action: "secret.update", target_type: "secret", target_id: null, metadata: inApp(["NEW", "KEY"]) });
    ctx = storeAs(actor);
    await secrets.deleteSecret(ctx, appTarget(f), "NEW");
    await expectAudit(ctx, { action: "secret.delete", target_type: "secret", target_id: created.row.id, metadata: inApp(["NEW"]) });

    ctx = storeAs(actor);
    const folder = await folders.createFolder(ctx, f.projectId, { environment: "dev", path: "/app", name: "x" });
    const folderAt = (path: string) => ({ environment: "dev", path });
    await expectAudit(ctx, { action: "folder.create", target_type: "folder", target_id: folder.id, metadata: folderAt("/app/x") });
    ctx = storeAs(actor);
    await folders.updateFolder(ctx, f.projectId, { idOrName: folder.id, environment: "dev", path: "/app", name: "y" });
    await expectAudit(ctx, { action: "folder.update", target_type: "folder", target_id: folder.id, metadata: folderAt("/app/y") });
    ctx = storeAs(actor);
    await folders.updateFolders(ctx, f.projectId, [{ idOrName: folder.id, environment: "dev", path: "/app", name: "z" }]);
    await expectAudit(ctx, { action: "folder.update", target_type: "folder", target_id: null, metadata: { paths: ["/app/z"] } });
    ctx = storeAs(actor);
    await folders.deleteFolder(ctx, f.projectId, { idOrName: folder.id, environment: "dev", path: "/app", force: false });
    await expectAudit(ctx, { action: "folder.delete", target_type: "folder", target_id: folder.id, metadata: folderAt("/app/z") });

    ctx = storeAs(actor);
    const source = { environment: "prod", path: "/" };
    const imported = await imports.createSecretImport(ctx, f.projectId, { environment: "dev", path: "/app", source });
    await expectAudit(ctx, {
      action: "secret-import.create",
      target_type: "secret-import",
      target_id: imported.id,
      metadata: { environment: "dev", path: "/app", importEnvironment: "prod", importPath: "/" },
    });
    ctx = storeAs(actor);
    await imports.updateSecretImport(ctx, f.projectId, imported.id, { environment: "dev", path: "/app", source: { position: 1 } });
    await expectAudit(ctx, {
      action: "secret-import.update",
      target_type: "secret-import",
      target_id: imported.id,
      metadata: { environment: "dev", path: "/app", importPath: "/", position: 1 },
    });
    ctx = storeAs(actor);
    await imports.deleteSecretImport(ctx, f.projectId, imported.id, { environment: "dev", path: "/app" });
    await expectAudit(ctx, { action: "secret-import.delete", target_type: "secret-import", target_id: imported.id, metadata: folderAt("/app") });

    ctx = storeAs(actor);
    const qa = await projects.createEnvironment(ctx, f.projectId, { name: "QA", slug: "qa" });
    await expectAudit(ctx, { action: "environment.create", target_type: "environment", target_id: qa.id, metadata: { slug: "qa" } });
    ctx = storeAs(actor);
    await projects.updateEnvironment(ctx, f.projectId, qa.id, { name: "Quality" });
    await expectAudit(ctx, { action: "environment.update", target_type: "environment", target_id: qa.id, metadata: { fields: ["name"] } });
    ctx = storeAs(actor);
    await projects.deleteEnvironment(ctx, f.projectId, qa.id);
    await expectAudit(ctx, { action: "environment.delete", target_type: "environment", target_id: qa.id, metadata: { slug: "qa" } });

    const serialized = JSON.stringify(await env.DB.prepare("SELECT * FROM audit_logs WHERE project_id = ?").bind(f.projectId).all());
    expect(serialized).not.toContain("never-in-audit");
  });

  it("project changes are recorded with the project", async () => {
    const admin = actorWith([{ subject: "workspace", action: ["edit", "delete"] }], null, [{ subject: "workspace", action: ["create"] }]);
    let ctx = storeAs(admin);
    const project = await projects.createProject(ctx, { name: "Audited", slug: unique("audited") });
    expect(await auditRowsOf(ctx.requestId)).toEqual([
      expect.objectContaining({
        action: "project.create",
        project_id: project.id,
        target_id: project.id,
        actor_id: admin.id,
        metadata: { name: "Audited", slug: project.slug },
      }),
    ]);
    ctx = storeAs(admin);
    await projects.updateProject(ctx, project.id, { name: "Renamed" });
    const update = expect.objectContaining({ action: "project.update", target_id: project.id, metadata: { fields: ["name"] } });
    expect(await auditRowsOf(ctx.requestId)).toEqual([update]);
    ctx = storeAs(admin);
    await projects.deleteProject(ctx, project.id);
    const removal = expect.objectContaining({ action: "project.delete", project_id: null, target_id: project.id, metadata: { name: "Renamed" } });
    expect(await auditRowsOf(ctx.requestId)).toEqual([removal]);
  });

  it("the record goes in the same D1 batch as the change, and a refused change records nothing", async () => {
    const f = await fixture();
    const actor = writer(f.projectId);
    const { db, batches } = batchRecordingD1(env.DB);
    const ctx = storeAs(actor, { DB: db });
    await secrets.createSecret(ctx, appTarget(f), newSecret("BATCHED", "v"));
    await folders.createFolder(ctx, f.projectId, { environment: "dev", path: "/", name: "batched" });
    await projects.createEnvironment(ctx, f.projectId, { name: "QA", slug: "qa" });
    const writes = batches.filter((sql) => sql.some((s) => /^insert into "(secrets|folders|environments)"/i.test(s)));
    expect(writes).toHaveLength(3);
    for (const batch of writes) expect(batch.filter((s) => /^insert into "audit_logs"/i.test(s))).toHaveLength(1);

    const refusedCtx = storeAs(actorWith([readAll], f.projectId));
    await refusal(secrets.createSecret(refusedCtx, appTarget(f), newSecret("NOPE", "v")));
    const failed = storeAs(actor);
    await refusal(secrets.createSecret(failed, appTarget(f), newSecret("KEY", "exists")));
    expect(await auditRowsOf(refusedCtx.requestId)).toEqual([]);
    expect(await auditRowsOf(failed.requestId)).toEqual([]);
  });
});

describe("through the API, with scope-based tokens", () => {
  it("refuses in Infisical's shape and records the caller's writes under the request id", async () => {
    const p = await createProject();
    const reader = (await createToken(["secrets:read"], p.id)).token;
    const refused = await api.post("/api/v3/secrets/raw/NEW", { workspaceId: p.id, environment: "dev", secretValue: "v" }, { token: reader });
    expect(refused.status).toBe(403);
    expect(refused.body).toEqual({
      reqId: refused.headers.get("x-request-id"),
      statusCode: 403,
      error: "PermissionDenied",
      message: "You are not allowed to create on secrets",
      details: [],
    });

    const writer = await createToken(["secrets:write"], p.id);
    const requestId = unique("api-req");
    const body = { projectId: p.id, environment: "dev", secretValue: "v" };
    const created = await api.post("/api/v4/secrets/NEW", body, { token: writer.token, headers: { "x-request-id": requestId } });
    expect(created.status).toBe(200);
    expect(await auditRowsOf(requestId)).toEqual([
      expect.objectContaining({
        action: "secret.create",
        actor_type: "api-token",
        actor_id: writer.apiToken.id,
        target_id: created.body.secret.id,
        metadata: { environment: "dev", secretPath: "/", keys: ["NEW"] },
      }),
    ]);
  });

  it("keeps a project-bound token out of other projects' store routes", async () => {
    const mine = await createProject();
    const theirs = await createProject();
    const folder = await makeFolder(theirs.id, "/", "f");
    const imp = await makeImport(theirs.id, { environment: "dev", path: "/" }, { environment: "staging", path: "/" });
    const secret = await putSecret(theirs.id, "K", "v");
    const token = (await createToken(["admin"], mine.id)).token;
    const o = { token };
    for (const res of [
      await api.get(`/api/v1/projects/${theirs.id}`, o),
      await api.get(`/api/v1/projects/${theirs.id}/environments`, o),
      await api.get("/api/v4/secrets", { ...o, query: { projectId: theirs.id, environment: "dev" } }),
      await api.get(`/api/v4/secrets/id/${secret.id}`, o),
      await api.get(`/api/v2/folders/${folder.id}`, o),
      await api.get("/api/v2/folders", { ...o, query: { projectId: theirs.id, environment: "dev" } }),
      await api.get(`/api/v2/secret-imports/${imp.id}`, o),
      await api.get("/api/v2/secret-imports/secrets", { ...o, query: { projectId: theirs.id, environment: "dev" } }),
      await api.post("/api/v2/folders", { projectId: theirs.id, environment: "dev", name: "g" }, o),
      await api.patch(`/api/v1/projects/${theirs.id}`, { name: "hijack" }, o),
    ]) {
      expect(res.status).toBe(403);
      expect(res.body.error).toBe("PermissionDenied");
    }
  });
});
