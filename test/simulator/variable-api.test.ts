/**
 * The unified `/variable` API of the simulator over HTTP: service scopes, inheritance, the cross-scope 409, and one
 * store shared with the per-scope families.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { createSimTenant, type SimTenantHandle } from "../helpers/qovery-sim";

let sim: SimTenantHandle;
let envId: string;
let projectId: string;
let services: Awaited<ReturnType<SimTenantHandle["addServiceOfEachType"]>>;

beforeEach(async () => {
  sim = await createSimTenant();
  envId = sim.environment.id;
  projectId = sim.project.id;
  services = await sim.addServiceOfEachType(envId);
});

const json = async (response: Response) => ({ status: response.status, body: (await response.json()) as any });
const list = async (scope: string, parentId: string, extra = "") =>
  (await json(await sim.api(`/variable?parent_id=${parentId}&scope=${scope}${extra}`))).body.results as any[];
const create = (scope: string, parentId: string, key: string, options: { value?: string; isSecret?: boolean } = {}) =>
  sim.api("/variable", {
    method: "POST",
    body: { key, value: options.value ?? "v", is_secret: options.isSecret ?? false, variable_scope: scope, variable_parent_id: parentId },
  });
async function created(scope: string, parentId: string, key: string, options: { value?: string; isSecret?: boolean } = {}) {
  const response = await create(scope, parentId, key, options);
  expect(response.status, await response.clone().text()).toBe(201);
  return (await response.json()) as any;
}

const SERVICE_SCOPES = ["APPLICATION", "CONTAINER", "JOB", "HELM", "TERRAFORM"] as const;

describe("VariableResponse", () => {
  it("creates a plain variable and a secret; the secret's value is null and never appears anywhere", async () => {
    const plain = await created("ENVIRONMENT", envId, "DB_HOST", { value: "db.internal" });
    expect(plain).toEqual({
      id: expect.any(String),
      created_at: expect.stringMatching(/Z$/),
      updated_at: plain.created_at,
      key: "DB_HOST",
      value: "db.internal",
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
      is_secret: false,
      secret_manager_access_id: null,
    });
    const secret = await created("APPLICATION", services.APPLICATION.id, "API_TOKEN", { value: "super-secret-value", isSecret: true });
    expect(secret).toMatchObject({
      value: null,
      is_secret: true,
      variable_kind: "Private",
      scope: "APPLICATION",
      service_id: services.APPLICATION.id,
      service_name: "application",
      service_type: "APPLICATION",
    });
    const listed = await sim.api(`/variable?parent_id=${services.APPLICATION.id}&scope=APPLICATION`);
    expect(await listed.text()).not.toContain("super-secret-value");
    expect((await sim.variables()).find((row) => row.id === secret.id)).toMatchObject({ value: "super-secret-value", parentKind: "service" });
  });

  it("a FILE variable when a mount_path is given", async () => {
    expect(await created("PROJECT", projectId, "CONFIG")).toMatchObject({ variable_type: "VALUE" });
    const file = await json(
      await sim.api("/variable", {
        method: "POST",
        body: {
          key: "CERT",
          value: "pem",
          is_secret: true,
          mount_path: "/etc/cert.pem",
          variable_scope: "HELM",
          variable_parent_id: services.HELM.id,
        },
      }),
    );
    expect(file.body).toMatchObject({ variable_type: "FILE", mount_path: "/etc/cert.pem", value: null });
  });
});

describe("listing with inheritance: one call for secrets and plain variables", () => {
  it.each(SERVICE_SCOPES)("at %s scope: own rows plus environment, project and built-in rows, each marked with its scope", async (scope) => {
    const serviceId = services[scope].id;
    await created("PROJECT", projectId, "FROM_PROJECT", { isSecret: true });
    await created("ENVIRONMENT", envId, "FROM_ENV");
    await created(scope, serviceId, "OWN_SECRET", { isSecret: true });
    await created(scope, serviceId, "OWN_PLAIN", { value: "plain" });
    // a sibling service's rows are not inherited
    const sibling = scope === "APPLICATION" ? services.CONTAINER : services.APPLICATION;
    await created(sibling.type, sibling.id, "SIBLING");

    const rows = await list(scope, serviceId);
    const summary = rows.map((row) => [row.key, row.scope, row.variable_type, row.is_secret]);
    expect(summary).toEqual(
      expect.arrayContaining([
        ["QOVERY_PROJECT_ID", "BUILT_IN", "BUILT_IN", false],
        ["QOVERY_ENVIRONMENT_ID", "BUILT_IN", "BUILT_IN", false],
        ["FROM_PROJECT", "PROJECT", "VALUE", true],
        ["FROM_ENV", "ENVIRONMENT", "VALUE", false],
        ["OWN_SECRET", scope, "VALUE", true],
        ["OWN_PLAIN", scope, "VALUE", false],
      ]),
    );
    expect(rows.map((row) => row.key)).not.toContain("SIBLING");
    expect(rows.find((row) => row.key === "OWN_PLAIN")).toMatchObject({ value: "plain", service_id: serviceId, service_type: scope });
    expect(rows.filter((row) => row.is_secret).every((row) => row.value === null)).toBe(true);

    // the is_secret filter splits them
    expect((await list(scope, serviceId, "&is_secret=true")).map((row) => row.key).sort()).toEqual(["FROM_PROJECT", "OWN_SECRET"]);
    expect((await list(scope, serviceId, "&is_secret=false")).every((row) => !row.is_secret)).toBe(true);
  });

  it("environment built-ins that describe a service carry that service and are visible to every service of the environment", async () => {
    const rows = await list("JOB", services.JOB.id);
    const appBuiltIn = rows.find((row) => row.service_id === services.APPLICATION.id);
    expect(appBuiltIn).toMatchObject({
      scope: "BUILT_IN",
      variable_type: "BUILT_IN",
      service_type: "APPLICATION",
      service_name: "application",
    });
    expect(appBuiltIn.key).toMatch(/^QOVERY_APPLICATION_Z[0-9A-F]{8}_HOST_INTERNAL$/);
    const databaseBuiltIn = rows.find((row) => row.service_id === services.DATABASE.id);
    expect(databaseBuiltIn.key).toMatch(/^QOVERY_DATABASE_Z/);
  });

  it("at ENVIRONMENT scope: environment, project and built-in rows of both kinds, no service rows", async () => {
    await created("PROJECT", projectId, "P_SECRET", { isSecret: true });
    await created("ENVIRONMENT", envId, "E_PLAIN", { value: "e" });
    await created("ENVIRONMENT", envId, "E_SECRET", { isSecret: true });
    await created("HELM", services.HELM.id, "SERVICE_ONLY");
    const rows = await list("ENVIRONMENT", envId);
    const byKey = Object.fromEntries(rows.map((row) => [row.key, row]));
    expect(Object.keys(byKey)).not.toContain("SERVICE_ONLY");
    expect(byKey.P_SECRET).toMatchObject({ id: expect.any(String), scope: "PROJECT", is_secret: true, value: null, variable_type: "VALUE" });
    expect(byKey.E_PLAIN).toMatchObject({ scope: "ENVIRONMENT", is_secret: false, value: "e" });
    expect(byKey.E_SECRET).toMatchObject({ scope: "ENVIRONMENT", is_secret: true, value: null });
    // the project-level list has only project and built-in rows
    expect((await list("PROJECT", projectId)).map((row) => row.scope).sort()).toEqual(["BUILT_IN", "PROJECT"]);
  });

  it("is paginated only in the tenant's paginated mode", async () => {
    const all = await list("ENVIRONMENT", envId);
    await sim.configure({ pageSize: 2 });
    const body = (await json(await sim.api(`/variable?parent_id=${envId}&scope=ENVIRONMENT`))).body;
    expect(body.pagination).toEqual({ page: 1, page_size: 2, total_count: all.length, total_pages: Math.ceil(all.length / 2) });
    expect(body.results.map((row: any) => row.id)).toEqual(all.slice(0, 2).map((row) => row.id));
  });

  it.each([
    ["no parent_id", 400, "/variable?scope=ENVIRONMENT"],
    ["no scope", 400, "/variable?parent_id={env}"],
    ["an unknown scope", 400, "/variable?parent_id={env}&scope=DATABASE"],
    ["the BUILT_IN scope", 400, "/variable?parent_id={env}&scope=BUILT_IN"],
    ["a bad is_secret", 400, "/variable?parent_id={env}&scope=ENVIRONMENT&is_secret=yes"],
    ["a scope that does not match the parent", 403, "/variable?parent_id={env}&scope=PROJECT"],
    ["a database as parent", 403, "/variable?parent_id={db}&scope=APPLICATION"],
    ["a service id under another service scope", 403, "/variable?parent_id={app}&scope=CONTAINER"],
  ])("answers %s with %i", async (_name, status, path) => {
    const resolved = path.replace("{env}", envId).replace("{db}", services.DATABASE.id).replace("{app}", services.APPLICATION.id);
    const response = await json(await sim.api(resolved));
    expect(response.status).toBe(status);
    expect(response.body).toMatchObject({ status, detail: expect.any(String) });
  });
});

describe("one store behind both APIs", () => {
  it("rows created through /variable show in the per-scope families and the other way round", async () => {
    const viaUnified = await created("ENVIRONMENT", envId, "UNIFIED_SECRET", { isSecret: true });
    const legacySecrets = (await json(await sim.api(`/environment/${envId}/secret`))).body.results as any[];
    expect(legacySecrets.map((row) => row.id)).toContain(viaUnified.id);

    const legacyBody = { key: "LEGACY", value: "l" };
    const legacy = await json(await sim.api(`/environment/${envId}/environmentVariable`, { method: "POST", body: legacyBody }));
    expect((await list("ENVIRONMENT", envId)).find((row) => row.key === "LEGACY")).toMatchObject({ id: legacy.body.id, value: "l" });

    // edited through one, seen through the other
    await sim.api(`/variable/${legacy.body.id}`, { method: "PUT", body: { key: "LEGACY", value: "changed" } });
    const legacyVars = (await json(await sim.api(`/environment/${envId}/environmentVariable`))).body.results as any[];
    expect(legacyVars.find((row) => row.id === legacy.body.id).value).toBe("changed");
  });

  it.each(["application", "container", "job"] as const)("the %s per-scope families serve the same service rows", async (segment) => {
    const service = services[segment.toUpperCase() as "APPLICATION" | "CONTAINER" | "JOB"];
    const secret = await json(await sim.api(`/${segment}/${service.id}/secret`, { method: "POST", body: { key: "S", value: "hidden" } }));
    expect(secret.status).toBe(201);
    expect(secret.body).toMatchObject({ scope: service.type, service_id: service.id });
    expect(secret.body).not.toHaveProperty("value");
    await created("ENVIRONMENT", envId, "INHERITED");
    const vars = (await json(await sim.api(`/${segment}/${service.id}/environmentVariable`))).body.results as any[];
    expect(vars.map((row) => [row.key, row.scope])).toContainEqual(["INHERITED", "ENVIRONMENT"]);
    expect((await list(service.type, service.id, "&is_secret=true")).map((row) => row.id)).toEqual([secret.body.id]);
  });

  it("helm, terraform and database services have no per-scope families", async () => {
    for (const path of [
      `/helm/${services.HELM.id}/environmentVariable`,
      `/terraform/${services.TERRAFORM.id}/secret`,
      `/database/${services.DATABASE.id}/environmentVariable`,
    ]) {
      expect({ path, status: (await sim.api(path)).status }).toEqual({ path, status: 404 });
    }
    // an application id under the container family is unknown
    expect((await sim.api(`/container/${services.APPLICATION.id}/secret`)).status).toBe(403);
  });
});

describe("409 across the scope chain", () => {
  const cases: [string, () => [string, string], () => [string, string]][] = [
    ["project, then service", () => ["PROJECT", projectId], () => ["APPLICATION", services.APPLICATION.id]],
    ["environment, then service", () => ["ENVIRONMENT", envId], () => ["HELM", services.HELM.id]],
    ["service, then environment", () => ["TERRAFORM", services.TERRAFORM.id], () => ["ENVIRONMENT", envId]],
    ["service, then project", () => ["JOB", services.JOB.id], () => ["PROJECT", projectId]],
    ["same service, other kind", () => ["CONTAINER", services.CONTAINER.id], () => ["CONTAINER", services.CONTAINER.id]],
  ];
  it.each(cases)("%s", async (_name, first, second) => {
    await created(...first(), "DUP", { value: "original", isSecret: true });
    const { status, body } = await json(await create(...second(), "DUP", { value: "replacement" }));
    expect(status).toBe(409);
    const [firstScope] = first();
    const serviceId = ["PROJECT", "ENVIRONMENT"].includes(firstScope) ? null : first()[1];
    expect(body).toEqual({
      status: 409,
      error: "Conflict",
      detail: "Variable already exists: DUP",
      existing_variable: {
        organization_id: sim.organizationId,
        project_id: projectId,
        environment_id: firstScope === "PROJECT" ? null : envId,
        service_id: serviceId,
      },
    });
    const stored = (await sim.variables()).filter((row) => row.key === "DUP");
    expect(stored.map((row) => row.value)).toEqual(["original"]);
  });

  it("the legacy families refuse the same way (environment row exists, created at an application)", async () => {
    await created("ENVIRONMENT", envId, "TAKEN");
    const path = `/application/${services.APPLICATION.id}/environmentVariable`;
    const response = await sim.api(path, { method: "POST", body: { key: "TAKEN", value: "x" } });
    expect(response.status).toBe(409);
  });

  it("sibling services and services of another environment do not collide", async () => {
    const production = await sim.addService({ environmentId: sim.project.environments[1]!.id, type: "APPLICATION", name: "prod" });
    await created("APPLICATION", services.APPLICATION.id, "SAME");
    await created("CONTAINER", services.CONTAINER.id, "SAME");
    await created("APPLICATION", production.id, "SAME");
    expect((await sim.variables()).filter((row) => row.key === "SAME")).toHaveLength(3);
  });

  it("a key rename through PUT /variable collides too", async () => {
    await created("ENVIRONMENT", envId, "TAKEN");
    const mine = await created("APPLICATION", services.APPLICATION.id, "MINE");
    expect((await sim.api(`/variable/${mine.id}`, { method: "PUT", body: { key: "TAKEN", value: null } })).status).toBe(409);
  });
});

describe("edit, delete, alias and override through /variable", () => {
  it("edits with value null keeping the value; BUILT_IN rows cannot be edited or deleted", async () => {
    const row = await created("HELM", services.HELM.id, "EDIT_ME", { value: "one" });
    const edit = { key: "EDITED", value: null, description: "d" };
    const edited = await json(await sim.api(`/variable/${row.id}`, { method: "PUT", body: edit }));
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ key: "EDITED", value: "one", description: "d", scope: "HELM" });
    expect(edited.body.updated_at > row.updated_at).toBe(true);

    const builtIn = (await list("ENVIRONMENT", envId)).find((r) => r.key === "QOVERY_ENVIRONMENT_ID");
    const overwrite = { key: "QOVERY_ENVIRONMENT_ID", value: "x" };
    expect((await sim.api(`/variable/${builtIn.id}`, { method: "PUT", body: overwrite })).status).toBe(400);
    expect((await sim.api(`/variable/${builtIn.id}`, { method: "DELETE" })).status).toBe(400);
  });

  it("deletes with 204; a second delete and an unknown id are 404", async () => {
    const row = await created("TERRAFORM", services.TERRAFORM.id, "GONE", { isSecret: true });
    const first = await sim.api(`/variable/${row.id}`, { method: "DELETE" });
    expect(first.status).toBe(204);
    expect(await first.text()).toBe("");
    expect((await sim.api(`/variable/${row.id}`, { method: "DELETE" })).status).toBe(404);
    expect((await sim.api(`/variable/${crypto.randomUUID()}`, { method: "PUT", body: { key: "X" } })).status).toBe(404);
  });

  it("overrides an environment variable at a service: same key, OVERRIDE, and the service list shows both rows", async () => {
    const target = await created("ENVIRONMENT", envId, "LOG_LEVEL", { value: "info" });
    const override = await json(
      await sim.api(`/variable/${target.id}/override`, {
        method: "POST",
        body: { value: "debug", override_scope: "CONTAINER", override_parent_id: services.CONTAINER.id },
      }),
    );
    expect(override.status).toBe(201);
    expect(override.body).toMatchObject({
      key: "LOG_LEVEL",
      value: "debug",
      scope: "CONTAINER",
      variable_type: "OVERRIDE",
      overridden_variable: { id: target.id, key: "LOG_LEVEL", value: "info", scope: "ENVIRONMENT", variable_type: "VALUE", mount_path: null },
    });
    const rows = (await list("CONTAINER", services.CONTAINER.id)).filter((row) => row.key === "LOG_LEVEL");
    expect(rows.map((row) => row.scope).sort()).toEqual(["CONTAINER", "ENVIRONMENT"]);
    // an override at a higher scope than its target is refused
    const service = await created("APPLICATION", services.APPLICATION.id, "LOCAL");
    const upwards = await sim.api(`/variable/${service.id}/override`, {
      method: "POST",
      body: { value: "x", override_scope: "ENVIRONMENT", override_parent_id: envId },
    });
    expect(upwards.status).toBe(400);
    // deleting the target deletes the override
    await sim.api(`/variable/${target.id}`, { method: "DELETE" });
    expect((await sim.variables()).map((row) => row.id)).not.toContain(override.body.id);
  });

  it("aliases a project secret at a service: the alias shows null for its value, and its target without value", async () => {
    const target = await created("PROJECT", projectId, "DB_PASSWORD", { isSecret: true });
    const alias = await json(
      await sim.api(`/variable/${target.id}/alias`, {
        method: "POST",
        body: { key: "DATABASE_PASSWORD", alias_scope: "JOB", alias_parent_id: services.JOB.id },
      }),
    );
    expect(alias.status).toBe(201);
    expect(alias.body).toMatchObject({
      key: "DATABASE_PASSWORD",
      value: null,
      is_secret: true,
      scope: "JOB",
      variable_type: "ALIAS",
      aliased_variable: { id: target.id, key: "DB_PASSWORD", value: null, scope: "PROJECT" },
    });
    // the alias's key is in the chain now
    expect((await create("ENVIRONMENT", envId, "DATABASE_PASSWORD")).status).toBe(409);
  });

  it.each([
    ["no is_secret", { key: "A", value: "v", variable_scope: "ENVIRONMENT" }],
    ["no value", { key: "A", is_secret: false, variable_scope: "ENVIRONMENT" }],
    ["no parent", { key: "A", value: "v", is_secret: false, variable_scope: "ENVIRONMENT", variable_parent_id: "" }],
    ["an invalid key", { key: "MY-KEY", value: "v", is_secret: false, variable_scope: "ENVIRONMENT" }],
    ["a QOVERY key", { key: "QOVERY_X", value: "v", is_secret: false, variable_scope: "ENVIRONMENT" }],
    ["the BUILT_IN scope", { key: "A", value: "v", is_secret: false, variable_scope: "BUILT_IN" }],
    ["an external secret manager", { key: "A", value: "v", is_secret: true, variable_scope: "ENVIRONMENT", secret_manager_access_id: "x" }],
  ])("refuses a create with %s (400)", async (_name, body) => {
    const response = await json(await sim.api("/variable", { method: "POST", body: { variable_parent_id: envId, ...body } }));
    expect(response.status).toBe(400);
    expect((await sim.variables()).filter((row) => row.scope !== "BUILT_IN")).toEqual([]);
  });
});
