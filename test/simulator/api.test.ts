/** The simulated Qovery API, reached the way the Worker reaches it: plain fetch through vitest's outboundService. */
import { beforeEach, describe, expect, it } from "vitest";
import { createSimTenant, describeCalls, type SimTenantHandle } from "../helpers/qovery-sim";

let sim: SimTenantHandle;
beforeEach(async () => {
  sim = await createSimTenant();
});

const json = async (response: Response) => ({ status: response.status, body: (await response.json()) as any });
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

function paths() {
  const env = sim.environment.id;
  const project = sim.project.id;
  return {
    projectVars: `/project/${project}/environmentVariable`,
    projectSecrets: `/project/${project}/secret`,
    envVars: `/environment/${env}/environmentVariable`,
    envSecrets: `/environment/${env}/secret`,
  };
}

async function create(path: string, body: Record<string, unknown>) {
  const response = await sim.api(path, { method: "POST", body });
  expect(response.status, await response.clone().text()).toBe(201);
  return (await response.json()) as any;
}

describe("authentication", () => {
  it("answers 401 with Qovery's error body without a token, with a wrong scheme or with an unknown token", async () => {
    for (const init of [{ token: null }, { token: "qov_unknown" }]) {
      const { status, body } = await json(await sim.api("/organization", init));
      expect(status).toBe(401);
      expect(body).toEqual({ status: 401, error: "Unauthorized", detail: "Access token is missing or invalid" });
    }
    const bearer = await fetch("http://qovery.sim/organization", { headers: { Authorization: `Bearer ${sim.token}` } });
    expect(bearer.status).toBe(401);
  });

  it("stops accepting a revoked token at once, while other tokens of the organization keep working", async () => {
    const second = await sim.issueToken();
    expect(second).toMatch(/^qov_/);
    expect((await sim.api("/organization", { token: second })).status).toBe(200);
    await sim.revokeToken(second);
    expect((await sim.api("/organization", { token: second })).status).toBe(401);
    expect((await sim.api("/organization")).status).toBe(200);
  });

  it("binds each token to its own organization: ids of another tenant answer 403", async () => {
    const other = await createSimTenant();
    const organizations = await json(await sim.api("/organization"));
    expect(organizations.body.results.map((o: any) => o.id)).toEqual([sim.organizationId]);

    for (const path of [
      `/organization/${other.organizationId}`,
      `/organization/${other.organizationId}/project`,
      `/project/${other.project.id}/environment`,
      `/project/${other.project.id}/secret`,
      `/environment/${other.environment.id}/environmentVariable`,
    ]) {
      const { status, body } = await json(await sim.api(path));
      expect({ path, status }).toEqual({ path, status: 403 });
      expect(body).toEqual({ status: 403, error: "Forbidden", detail: "Access forbidden" });
    }
    const write = await sim.api(`/environment/${other.environment.id}/secret`, { method: "POST", body: { key: "A", value: "x" } });
    expect(write.status).toBe(403);
    expect(await other.variables()).not.toContainEqual(expect.objectContaining({ key: "A" }));
  });

  it("can answer 404 instead of 403 for unknown ids when configured", async () => {
    await sim.configure({ unknownIdStatus: 404 });
    const { status, body } = await json(await sim.api(`/project/${crypto.randomUUID()}/environment`));
    expect(status).toBe(404);
    expect(body.detail).toBe("Resource not found");
  });
});

describe("organizations, projects, environments", () => {
  it("lists them as {results} with Qovery's fields", async () => {
    const orgs = await json(await sim.api("/organization"));
    expect(orgs.status).toBe(200);
    expect(Object.keys(orgs.body)).toEqual(["results"]);
    expect(orgs.body.results[0]).toMatchObject({ id: sim.organizationId, name: sim.summary.organization.name, plan: "TEAM" });
    expect(orgs.body.results[0].created_at).toMatch(TIMESTAMP);

    const org = await json(await sim.api(`/organization/${sim.organizationId}`));
    expect(org.body).toEqual(orgs.body.results[0]);

    const projects = await json(await sim.api(`/organization/${sim.organizationId}/project`));
    expect(projects.body.results).toHaveLength(2);
    expect(projects.body.results[0]).toMatchObject({
      id: sim.project.id,
      name: "backend",
      associated_environments_count: 2,
      organization: { id: sim.organizationId },
    });

    const envs = await json(await sim.api(`/project/${sim.project.id}/environment`));
    expect(envs.body.results.map((e: any) => e.name)).toEqual(["staging", "production"]);
    expect(envs.body.results[0]).toMatchObject({
      id: sim.environment.id,
      organization: { id: sim.organizationId },
      project: { id: sim.project.id },
      mode: "STAGING",
      expires_at: null,
    });
    expect(envs.body.results[0].cloud_provider).toEqual({ provider: "AWS", cluster: expect.any(String) });

    expect((await json(await sim.api(`/project/${sim.project.id}`))).body.id).toBe(sim.project.id);
    expect((await json(await sim.api(`/environment/${sim.environment.id}`))).body.name).toBe("staging");
  });

  it("paginates every list in paginated mode and serves {results} only otherwise", async () => {
    await sim.configure({ pageSize: 1 });
    const first = await json(await sim.api(`/organization/${sim.organizationId}/project`));
    expect(first.body.pagination).toEqual({ page: 1, page_size: 1, total_count: 2, total_pages: 2 });
    expect(first.body.results.map((p: any) => p.name)).toEqual(["backend"]);
    const second = await json(await sim.api(`/organization/${sim.organizationId}/project?page=2&page_size=100`));
    expect(second.body.results.map((p: any) => p.name)).toEqual(["frontend"]);
    const beyond = await json(await sim.api(`/organization/${sim.organizationId}/project?page=3`));
    expect(beyond.body.results).toEqual([]);

    await sim.configure({ pageSize: null });
    const plain = await json(await sim.api(`/organization/${sim.organizationId}/project?page=2`));
    expect(plain.body).not.toHaveProperty("pagination");
    expect(plain.body.results).toHaveLength(2);
  });
});

describe("variables and secrets", () => {
  it("creates a variable with the legacy EnvironmentVariable shape", async () => {
    const row = await create(paths().envVars, { key: "DB_URL", value: "postgres://x" });
    expect(row).toEqual({
      id: expect.any(String),
      created_at: expect.stringMatching(TIMESTAMP),
      updated_at: row.created_at,
      key: "DB_URL",
      value: "postgres://x",
      mount_path: null,
      description: null,
      enable_interpolation_in_file: null,
      scope: "ENVIRONMENT",
      variable_type: "VALUE",
      variable_kind: "Public",
      overridden_variable: null,
      aliased_variable: null,
      service_id: null,
      service_name: null,
      service_type: null,
      owned_by: "QOVERY",
    });
  });

  it("never returns a secret's value, neither on create nor in lists, but stores it", async () => {
    const row = await create(paths().projectSecrets, { key: "API_KEY", value: "s3cr3t-value" });
    expect(row).not.toHaveProperty("value");
    expect(row).not.toHaveProperty("mount_path");
    expect(row).toMatchObject({ key: "API_KEY", scope: "PROJECT", variable_type: "VALUE", variable_kind: "Private" });

    const listed = await sim.api(paths().projectSecrets);
    expect(await listed.text()).not.toContain("s3cr3t-value");
    const envListed = await sim.api(paths().envSecrets);
    expect(await envListed.text()).not.toContain("s3cr3t-value");

    const stored = (await sim.variables()).find((v) => v.key === "API_KEY");
    expect(stored).toMatchObject({ value: "s3cr3t-value", isSecret: true, scope: "PROJECT" });
  });

  it("environment lists include PROJECT and BUILT_IN rows, each with its own scope; project lists do not include environment rows", async () => {
    await create(paths().projectVars, { key: "SHARED", value: "p" });
    await create(paths().envVars, { key: "ONLY_ENV", value: "e" });
    await create(paths().envSecrets, { key: "ENV_SECRET", value: "s" });

    const envVars = (await json(await sim.api(paths().envVars))).body.results as any[];
    expect(envVars.map((r) => [r.key, r.scope]).sort()).toEqual(
      [
        ["ONLY_ENV", "ENVIRONMENT"],
        ["QOVERY_ENVIRONMENT_ID", "BUILT_IN"],
        ["QOVERY_KUBERNETES_NAMESPACE_NAME", "BUILT_IN"],
        ["QOVERY_PROJECT_ID", "BUILT_IN"],
        ["SHARED", "PROJECT"],
      ].sort(),
    );
    expect(envVars.find((r) => r.key === "QOVERY_ENVIRONMENT_ID")).toMatchObject({ variable_type: "BUILT_IN", value: sim.environment.id });

    const projectVars = (await json(await sim.api(paths().projectVars))).body.results as any[];
    expect(projectVars.map((r) => r.key).sort()).toEqual(["QOVERY_PROJECT_ID", "SHARED"]);

    // the two families are split by kind
    const envSecrets = (await json(await sim.api(paths().envSecrets))).body.results as any[];
    expect(envSecrets.map((r) => r.key)).toEqual(["ENV_SECRET"]);

    // a sibling environment sees the project row but not the other environment's rows
    const sibling = sim.project.environments[1]!.id;
    const siblingVars = (await json(await sim.api(`/environment/${sibling}/environmentVariable`))).body.results as any[];
    expect(siblingVars.map((r) => r.key)).toContain("SHARED");
    expect(siblingVars.map((r) => r.key)).not.toContain("ONLY_ENV");
  });

  describe("409 on duplicate keys", () => {
    const cases: [string, (p: ReturnType<typeof paths>) => [string, string]][] = [
      ["same scope, same kind", (p) => [p.envVars, p.envVars]],
      ["same scope, other kind (variable then secret)", (p) => [p.envVars, p.envSecrets]],
      ["same scope, other kind (secret then variable)", (p) => [p.projectSecrets, p.projectVars]],
      ["key exists at the project, created in its environment", (p) => [p.projectVars, p.envSecrets]],
      ["key exists in an environment, created at its project", (p) => [p.envSecrets, p.projectVars]],
    ];
    it.each(cases)("%s", async (_name, pick) => {
      const [first, second] = pick(paths());
      await create(first, { key: "DUP", value: "original" });
      const { status, body } = await json(await sim.api(second, { method: "POST", body: { key: "DUP", value: "replacement" } }));
      expect(status).toBe(409);
      expect(body).toMatchObject({ status: 409, error: "Conflict", detail: "Variable already exists: DUP" });
      expect(body.existing_variable).toMatchObject({ organization_id: sim.organizationId, project_id: sim.project.id, service_id: null });
      const stored = (await sim.variables()).filter((v) => v.key === "DUP");
      expect(stored).toHaveLength(1);
      expect(stored[0]!.value).toBe("original");
    });

    it("does not conflict across sibling environments or other projects", async () => {
      const [staging, production] = sim.project.environments;
      await create(`/environment/${staging!.id}/environmentVariable`, { key: "SAME", value: "1" });
      await create(`/environment/${production!.id}/environmentVariable`, { key: "SAME", value: "2" });
      await create(`/project/${sim.summary.projects[1]!.id}/secret`, { key: "SAME", value: "3" });
      expect((await sim.variables()).filter((v) => v.key === "SAME")).toHaveLength(3);
    });

    it("applies to a key rename through PUT as well", async () => {
      await create(paths().envVars, { key: "TAKEN", value: "1" });
      const mine = await create(paths().envVars, { key: "MINE", value: "2" });
      const response = await sim.api(`${paths().envVars}/${mine.id}`, { method: "PUT", body: { key: "TAKEN", value: "2" } });
      expect(response.status).toBe(409);
    });
  });

  it.each([
    ["empty", ""],
    ["starting with a digit", "1ABC"],
    ["with a hyphen", "MY-KEY"],
    ["with a space", "MY KEY"],
    ["starting with QOVERY", "QOVERY_THING"],
    ["starting with qovery in lower case", "qovery_thing"],
  ])("refuses a key %s with 400", async (_name, key) => {
    const { status, body } = await json(await sim.api(paths().envVars, { method: "POST", body: { key, value: "v" } }));
    expect(status).toBe(400);
    expect(body).toMatchObject({ status: 400, error: "Bad Request", detail: expect.any(String) });
    expect((await sim.variables()).filter((v) => v.scope !== "BUILT_IN")).toEqual([]);
  });

  it("refuses malformed bodies with 400", async () => {
    expect((await sim.api(paths().envVars, { method: "POST", body: { value: "no key" } })).status).toBe(400);
    expect((await sim.api(paths().envVars, { method: "POST", body: { key: "A", description: "x".repeat(256) } })).status).toBe(400);
    const notJson = await fetch(`http://qovery.sim${paths().envVars}`, {
      method: "POST",
      headers: { Authorization: `Token ${sim.token}`, "Content-Type": "application/json" },
      body: "{",
    });
    expect(notJson.status).toBe(400);
  });

  it("edits with PUT: moves updated_at every time, keeps the value when value is null", async () => {
    const row = await create(paths().envVars, { key: "EDITED", value: "v1" });
    const item = `${paths().envVars}/${row.id}`;
    const first = await json(await sim.api(item, { method: "PUT", body: { key: "EDITED", value: "v2" } }));
    expect(first.status).toBe(200);
    expect(first.body.value).toBe("v2");
    expect(first.body.created_at).toBe(row.created_at);
    expect(first.body.updated_at > row.updated_at).toBe(true);

    const second = await json(await sim.api(item, { method: "PUT", body: { key: "RENAMED", value: null } }));
    expect(second.body).toMatchObject({ key: "RENAMED", value: "v2" });
    expect(second.body.updated_at > first.body.updated_at).toBe(true);
  });

  it("edits a secret's value without ever showing it", async () => {
    const row = await create(paths().envSecrets, { key: "TOKEN", value: "old-secret" });
    const edited = await json(await sim.api(`${paths().envSecrets}/${row.id}`, { method: "PUT", body: { key: "TOKEN", value: "new-secret" } }));
    expect(edited.status).toBe(200);
    expect(edited.body).not.toHaveProperty("value");
    expect((await sim.variables()).find((v) => v.id === row.id)!.value).toBe("new-secret");
  });

  it("refuses to edit or delete BUILT_IN rows with 400", async () => {
    const builtIn = ((await json(await sim.api(paths().envVars))).body.results as any[]).find((r) => r.key === "QOVERY_ENVIRONMENT_ID");
    const item = `${paths().envVars}/${builtIn.id}`;
    const put = await json(await sim.api(item, { method: "PUT", body: { key: "QOVERY_ENVIRONMENT_ID", value: "hacked" } }));
    expect(put.status).toBe(400);
    expect((await sim.api(item, { method: "DELETE" })).status).toBe(400);
    expect((await sim.variables()).find((v) => v.id === builtIn.id)!.value).toBe(sim.environment.id);
  });

  it("refuses to change an inherited PROJECT row through an environment path", async () => {
    const projectRow = await create(paths().projectVars, { key: "FROM_PROJECT", value: "p" });
    const viaEnv = `${paths().envVars}/${projectRow.id}`;
    expect((await sim.api(viaEnv, { method: "PUT", body: { key: "FROM_PROJECT", value: "e" } })).status).toBe(400);
    expect((await sim.api(viaEnv, { method: "DELETE" })).status).toBe(400);
  });

  it("deletes with 204 and no body; a second delete is 404", async () => {
    const row = await create(paths().envSecrets, { key: "GONE", value: "x" });
    const item = `${paths().envSecrets}/${row.id}`;
    const first = await sim.api(item, { method: "DELETE" });
    expect(first.status).toBe(204);
    expect(await first.text()).toBe("");
    const second = await json(await sim.api(item, { method: "DELETE" }));
    expect(second.status).toBe(404);
    expect(second.body).toMatchObject({ status: 404, error: "Not Found" });
    // the id of a variable reached through the other family is not found either
    const variable = await create(paths().envVars, { key: "PLAIN", value: "x" });
    expect((await sim.api(`${paths().envSecrets}/${variable.id}`, { method: "DELETE" })).status).toBe(404);
  });

  describe("aliases and overrides", () => {
    it("creates an override of a PROJECT variable in an environment, with the same key", async () => {
      const target = await create(paths().projectVars, { key: "LOG_LEVEL", value: "info" });
      const override = await create(`${paths().envVars}/${target.id}/override`, { value: "debug" });
      expect(override).toMatchObject({
        key: "LOG_LEVEL",
        value: "debug",
        scope: "ENVIRONMENT",
        variable_type: "OVERRIDE",
        overridden_variable: { id: target.id, key: "LOG_LEVEL", value: "info", scope: "PROJECT", variable_type: "VALUE" },
      });
      // a second override at the same level collides
      expect((await sim.api(`${paths().envVars}/${target.id}/override`, { method: "POST", body: { value: "x" } })).status).toBe(409);
      // its key cannot be changed
      const rename = await sim.api(`${paths().envVars}/${override.id}`, { method: "PUT", body: { key: "OTHER", value: "debug" } });
      expect(rename.status).toBe(400);
    });

    it("creates an alias whose value is the target's key, and refuses alias-of-alias and same-scope targets", async () => {
      const target = await create(paths().projectSecrets, { key: "DB_PASSWORD", value: "pw" });
      const alias = await create(`${paths().envSecrets}/${target.id}/alias`, { key: "DATABASE_PASSWORD" });
      expect(alias).toMatchObject({
        key: "DATABASE_PASSWORD",
        scope: "ENVIRONMENT",
        variable_type: "ALIAS",
        aliased_secret: { id: target.id, key: "DB_PASSWORD", scope: "PROJECT", variable_type: "VALUE" },
      });
      expect(alias.aliased_secret).not.toHaveProperty("value");

      expect((await sim.api(`${paths().envSecrets}/${alias.id}/alias`, { method: "POST", body: { key: "X" } })).status).toBe(400);
      const sameScope = await create(paths().envSecrets, { key: "LOCAL", value: "l" });
      expect((await sim.api(`${paths().envSecrets}/${sameScope.id}/alias`, { method: "POST", body: { key: "Y" } })).status).toBe(400);
      expect((await sim.api(`${paths().envSecrets}/${sameScope.id}/override`, { method: "POST", body: { value: "z" } })).status).toBe(400);
    });

    it("re-points an alias with PUT, but not to the other kind", async () => {
      const first = await create(paths().projectVars, { key: "FIRST", value: "1" });
      await create(paths().projectVars, { key: "SECOND", value: "2" });
      await create(paths().projectSecrets, { key: "A_SECRET", value: "s" });
      const alias = await create(`${paths().envVars}/${first.id}/alias`, { key: "POINTER" });
      expect(alias.value).toBe("FIRST");

      const repointed = await json(await sim.api(`${paths().envVars}/${alias.id}`, { method: "PUT", body: { key: "POINTER", value: "SECOND" } }));
      expect(repointed.status).toBe(200);
      expect(repointed.body).toMatchObject({ value: "SECOND", aliased_variable: { key: "SECOND", value: "2" } });

      const crossKind = await sim.api(`${paths().envVars}/${alias.id}`, { method: "PUT", body: { key: "POINTER", value: "A_SECRET" } });
      expect(crossKind.status).toBe(400);
    });

    it("deleting a variable deletes its aliases and overrides; deleting those afterwards is 404", async () => {
      const target = await create(paths().projectVars, { key: "PARENT", value: "p" });
      const override = await create(`${paths().envVars}/${target.id}/override`, { value: "o" });
      const alias = await create(`${paths().envVars}/${target.id}/alias`, { key: "CHILD_ALIAS" });
      const unrelated = await create(paths().envVars, { key: "UNRELATED", value: "u" });

      expect((await sim.api(`${paths().projectVars}/${target.id}`, { method: "DELETE" })).status).toBe(204);
      const remaining = (await sim.variables()).map((v) => v.id);
      expect(remaining).not.toContain(override.id);
      expect(remaining).not.toContain(alias.id);
      expect(remaining).toContain(unrelated.id);
      expect((await sim.api(`${paths().envVars}/${override.id}`, { method: "DELETE" })).status).toBe(404);
      expect((await sim.api(`${paths().envVars}/${alias.id}`, { method: "DELETE" })).status).toBe(404);
    });
  });
});

describe("tenants", () => {
  it("are isolated: one tenant's rows, faults and calls never show in another", async () => {
    const other = await createSimTenant();
    await create(paths().envVars, { key: "MINE", value: "1" });
    await other.injectFault({ type: "status", status: 500, count: 5 });

    expect((await sim.api(paths().envVars)).status).toBe(200);
    expect((await other.variables()).map((v) => v.key)).not.toContain("MINE");
    expect(await other.calls()).toEqual([]);
    expect(describeCalls(await sim.calls())).toEqual([
      "POST /environment/{environmentId}/environmentVariable 201",
      "GET /environment/{environmentId}/environmentVariable 200",
    ]);
  });

  it("reset restores the seed data and drops faults, extra tokens and the call log, keeping ids and the token", async () => {
    await create(paths().envVars, { key: "TEMP", value: "1" });
    const extra = await sim.issueToken();
    await sim.injectFault({ type: "status", status: 503 });
    await sim.configure({ pageSize: 1 });

    const summary = await sim.reset();
    expect(summary).toEqual(sim.summary);
    expect((await sim.variables()).every((v) => v.scope === "BUILT_IN")).toBe(true);
    expect(await sim.calls()).toEqual([]);
    expect((await sim.api("/organization", { token: extra })).status).toBe(401);
    const orgs = await json(await sim.api("/organization"));
    expect(orgs.status).toBe(200);
    expect(orgs.body).not.toHaveProperty("pagination");
  });

  it("the default tenant is seeded with a fixed token for local development", async () => {
    const response = await fetch("http://qovery.sim/organization", { headers: { Authorization: "Token qov_simulator_default_token" } });
    expect(response.status).toBe(200);
    const body = (await response.json()) as any;
    expect(body.results[0].id).toBe("00000000-0000-4000-8000-000000000001");
  });

  it("control API errors are plain JSON with a useful message", async () => {
    const unknown = await fetch("http://qovery.sim/__sim/tenants/nope/calls");
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ error: "no tenant nope" });
    const badFault = await fetch(`http://qovery.sim/__sim/tenants/${sim.id}/faults`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ type: "status", status: 418 }),
    });
    expect(badFault.status).toBe(400);
  });
});
