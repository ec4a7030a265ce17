/**
 * Services, deployments and "needs redeploy" in the simulated Qovery API, over HTTP, on each tenant's frozen clock so
 * that deployments move only when a test advances time.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { createSimTenant, describeCalls, type SimServiceRow, type SimTenantHandle } from "../helpers/qovery-sim";

let sim: SimTenantHandle;
let envId: string;
let services: Awaited<ReturnType<SimTenantHandle["addServiceOfEachType"]>>;

beforeEach(async () => {
  sim = await createSimTenant();
  envId = sim.environment.id;
  await sim.freezeClock();
  services = await sim.addServiceOfEachType(envId);
});

const json = async (response: Response) => ({ status: response.status, body: (await response.json()) as any });
const post = (path: string, body?: unknown) => sim.api(path, { method: "POST", body });
const statuses = async () => (await json(await sim.api(`/environment/${envId}/statuses`))).body;
const statusOf = async (serviceId: string) => {
  const body = await statuses();
  const all = [...body.applications, ...body.containers, ...body.jobs, ...body.databases, ...body.helms, ...body.terraforms];
  return all.find((status: any) => status.id === serviceId);
};
const createVariable = async (scope: string, parentId: string, key: string, isSecret = false) => {
  const response = await post("/variable", { key, value: "v", is_secret: isSecret, variable_scope: scope, variable_parent_id: parentId });
  expect(response.status, await response.clone().text()).toBe(201);
  return (await response.json()) as any;
};
const deployAll = (ids: { applications?: string[]; containers?: string[] }) =>
  post(`/environment/${envId}/service/deploy`, {
    applications: (ids.applications ?? []).map((id) => ({ application_id: id })),
    containers: (ids.containers ?? []).map((id) => ({ id })),
  });

describe("listing services", () => {
  it("GET /environment/{id}/services lists every type in one {results}, discriminated by service_type", async () => {
    const { status, body } = await json(await sim.api(`/environment/${envId}/services`));
    expect(status).toBe(200);
    expect(Object.keys(body)).toEqual(["results"]);
    expect(body.results.map((s: any) => [s.name, s.service_type])).toEqual([
      ["application", "APPLICATION"],
      ["container", "CONTAINER"],
      ["job", "JOB"],
      ["helm", "HELM"],
      ["terraform", "TERRAFORM"],
      ["database", "DATABASE"],
    ]);
    for (const item of body.results) {
      expect(item).toMatchObject({
        id: expect.any(String),
        name: expect.any(String),
        environment: { id: envId },
        created_at: expect.stringMatching(/Z$/),
        icon_uri: expect.any(String),
      });
    }
    const byType = Object.fromEntries(body.results.map((s: any) => [s.service_type, s]));
    expect(byType.APPLICATION.git_repository.deployed_commit_id).toEqual(expect.any(String));
    expect(byType.CONTAINER).toMatchObject({ image_name: expect.any(String), tag: expect.any(String) });
    expect(byType.JOB.job_type).toBe("LIFECYCLE");
    expect(byType.DATABASE).toMatchObject({ type: "POSTGRESQL", mode: "CONTAINER" });
  });

  it("per-type listings return only their type; other environments and other tenants are apart", async () => {
    for (const [segment, type] of [
      ["application", "APPLICATION"],
      ["container", "CONTAINER"],
      ["job", "JOB"],
      ["helm", "HELM"],
      ["terraform", "TERRAFORM"],
      ["database", "DATABASE"],
    ] as const) {
      const { status, body } = await json(await sim.api(`/environment/${envId}/${segment}`));
      expect({ segment, status, ids: body.results.map((s: any) => s.id) }).toEqual({ segment, status: 200, ids: [services[type].id] });
    }
    const sibling = sim.project.environments[1]!.id;
    expect((await json(await sim.api(`/environment/${sibling}/services`))).body.results).toEqual([]);
    const other = await createSimTenant();
    expect((await sim.api(`/environment/${other.environment.id}/services`)).status).toBe(403);
    expect((await sim.api(`/environment/${other.environment.id}/application`)).status).toBe(403);
  });

  it("logs every new endpoint with its path template", async () => {
    await sim.clearCalls();
    const app = services.APPLICATION.id;
    await sim.api(`/environment/${envId}/services`);
    await sim.api(`/environment/${envId}/helm`);
    await sim.api(`/environment/${envId}/statuses`);
    await sim.api(`/application/${app}/status`);
    await sim.api(`/variable?parent_id=${app}&scope=APPLICATION`);
    await post(`/application/${app}/redeploy`);
    expect(describeCalls(await sim.calls())).toEqual([
      "GET /environment/{environmentId}/services 200",
      "GET /environment/{environmentId}/helm 200",
      "GET /environment/{environmentId}/statuses 200",
      "GET /application/{applicationId}/status 200",
      "GET /variable 200",
      "POST /application/{applicationId}/redeploy 202",
    ]);
  });
});

describe("statuses", () => {
  it("GET /environment/{id}/statuses: the environment and every service with state and service_deployment_status", async () => {
    const body = await statuses();
    expect(Object.keys(body).sort()).toEqual(["applications", "containers", "databases", "environment", "helms", "jobs", "terraforms"]);
    expect(body.environment).toMatchObject({
      id: envId,
      state: "DEPLOYED",
      deployment_status: "UP_TO_DATE",
      last_deployment_id: null,
      deployment_request_id: null,
    });
    expect(body.applications).toEqual([
      {
        id: services.APPLICATION.id,
        state: "DEPLOYED",
        service_deployment_status: "UP_TO_DATE",
        status_details: { action: "DEPLOY", status: "SUCCESS", sub_action: "NONE" },
        is_part_last_deployment: false,
        deployment_request_id: null,
        deployment_requests_count: 0,
        last_deployment_date: expect.stringMatching(/Z$/),
      },
    ]);
    expect(body.terraforms.map((s: any) => s.id)).toEqual([services.TERRAFORM.id]);
  });

  it("per-service status exists for every type but terraform; per-type status lists too", async () => {
    for (const type of ["APPLICATION", "CONTAINER", "JOB", "HELM", "DATABASE"] as const) {
      const segment = type.toLowerCase();
      const one = await json(await sim.api(`/${segment}/${services[type].id}/status`));
      const expected = { type, status: 200, id: services[type].id, state: "DEPLOYED" };
      expect({ type, status: one.status, id: one.body.id, state: one.body.state }).toEqual(expected);
      const list = await json(await sim.api(`/environment/${envId}/${segment}/status`));
      expect(list.body.results.map((s: any) => s.id)).toEqual([services[type].id]);
    }
    expect((await sim.api(`/terraform/${services.TERRAFORM.id}/status`)).status).toBe(404);
    // an id of another type is unknown
    expect((await sim.api(`/container/${services.APPLICATION.id}/status`)).status).toBe(403);
  });

  it("seeded resting states: stopped, never deployed, ready, out of date", async () => {
    const stopped = await sim.addService({ environmentId: envId, type: "CONTAINER", name: "stopped", state: "STOPPED" });
    const never = await sim.addService({ environmentId: envId, type: "APPLICATION", name: "never", state: "READY" });
    const ready = await sim.addService({ environmentId: envId, type: "JOB", name: "ready", state: "READY", neverDeployed: false });
    const stale = await sim.addService({ environmentId: envId, type: "HELM", name: "stale", outOfDate: true });
    const summary = (s: SimServiceRow) => [s.state, s.deploymentStatus];
    expect(summary(stopped)).toEqual(["STOPPED", "UP_TO_DATE"]);
    expect(summary(never)).toEqual(["READY", "NEVER_DEPLOYED"]);
    expect(summary(ready)).toEqual(["READY", "UP_TO_DATE"]);
    expect(summary(stale)).toEqual(["DEPLOYED", "OUT_OF_DATE"]);
    expect(await statusOf(never.id)).toMatchObject({
      state: "READY",
      service_deployment_status: "NEVER_DEPLOYED",
      last_deployment_date: null,
    });
    expect((await statusOf(stopped.id)).status_details).toEqual({ action: "STOP", status: "SUCCESS", sub_action: "NONE" });
    expect((await statuses()).environment.deployment_status).toBe("OUT_OF_DATE");
  });
});

describe("deploying on the tenant's clock", () => {
  it("service/deploy with ids only: 202, then QUEUED → DEPLOYING → DEPLOYED as the clock advances", async () => {
    const app = services.APPLICATION.id;
    const container = services.CONTAINER.id;
    const { status, body } = await json(await deployAll({ applications: [app], containers: [container] }));
    expect(status).toBe(202);
    expect(body).toMatchObject({
      id: envId,
      state: "QUEUED",
      deployment_request_id: expect.any(String),
      status_details: { action: "DEPLOY" },
    });
    const requestId = body.deployment_request_id;

    expect(await statusOf(app)).toMatchObject({
      state: "QUEUED",
      status_details: { action: "DEPLOY", status: "QUEUED" },
      deployment_request_id: requestId,
      deployment_requests_count: 1,
      is_part_last_deployment: true,
    });
    expect((await statusOf(services.JOB.id)).is_part_last_deployment).toBe(false);

    await sim.advanceClock(2); // the default queue wait
    expect(await statusOf(app)).toMatchObject({ state: "DEPLOYING", status_details: { status: "ONGOING" } });
    expect((await statuses()).environment).toMatchObject({
      state: "DEPLOYING",
      last_deployment_id: requestId,
      deployment_request_id: requestId,
    });

    await sim.advanceClock(7.9);
    expect((await statusOf(container)).state).toBe("DEPLOYING");
    await sim.advanceClock(0.1); // the default 8 s of running
    expect(await statusOf(app)).toMatchObject({ state: "DEPLOYED", status_details: { status: "SUCCESS" }, deployment_requests_count: 0 });
    expect((await statuses()).environment).toMatchObject({
      state: "DEPLOYED",
      last_deployment_state: "DEPLOYED",
      total_deployment_duration_in_seconds: 10,
      deployment_request_id: null,
    });
    const [deployment] = await sim.deployments();
    expect(deployment).toMatchObject({
      id: requestId,
      serviceIds: [app, container],
      state: "DEPLOYED",
      outcomes: { [app]: "DEPLOYED", [container]: "DEPLOYED" },
    });

    const byRequest = await json(await sim.api(`/environment/deploymentStatus?deploymentRequestId=${requestId}`));
    expect(byRequest.body).toEqual({ deployment_request_id: requestId, environment_id: envId, status: "DEPLOYED" });
  });

  it("durations are configurable; zero means done by the next call", async () => {
    await sim.configure({ deployment: { queuedSeconds: 0, runningSeconds: 0 } });
    expect((await post(`/helm/${services.HELM.id}/redeploy`)).status).toBe(202);
    expect((await statusOf(services.HELM.id)).state).toBe("DEPLOYED");
  });

  it.each(["APPLICATION", "CONTAINER", "JOB", "HELM", "TERRAFORM", "DATABASE"] as const)(
    "POST /%s/{id}/redeploy and /deploy (no body, {} or null) answer 202 with the service's Status",
    async (type) => {
      const id = services[type].id;
      const segment = type.toLowerCase();
      const redeploy = await json(await post(`/${segment}/${id}/redeploy`));
      expect(redeploy.status).toBe(202);
      expect(redeploy.body).toMatchObject({ id, state: "QUEUED", service_deployment_status: "UP_TO_DATE" });
      await sim.advanceClock(10);
      for (const body of [undefined, {}, null]) {
        const deploy = await sim.api(`/${segment}/${id}/deploy`, { method: "POST", body });
        expect(deploy.status).toBe(202);
        await sim.advanceClock(10);
      }
      expect((await sim.service(id)).state).toBe("DEPLOYED");
    },
  );

  it("a deploy with a version moves the service to it", async () => {
    const app = services.APPLICATION.id;
    await post(`/application/${app}/deploy`, { git_commit_id: "c0ffee" });
    await post(`/container/${services.CONTAINER.id}/deploy`, { image_tag: "2.0.0" }).then((r) => expect(r.status).toBe(400)); // in progress
    await sim.advanceClock(10);
    expect((await sim.service(app)).version).toBe("c0ffee");
    const listed = (await json(await sim.api(`/environment/${envId}/application`))).body.results[0];
    expect(listed.git_repository.deployed_commit_id).toBe("c0ffee");
  });

  it("environment deploy and redeploy deploy every service, stopped ones included (Qovery starts them)", async () => {
    const stopped = await sim.addService({ environmentId: envId, type: "CONTAINER", name: "paused", state: "STOPPED" });
    const deploy = await json(await post(`/environment/${envId}/deploy`));
    expect(deploy.status).toBe(202);
    // a body valid as Status and as EnvironmentStatus
    expect(deploy.body).toMatchObject({
      id: envId,
      state: "QUEUED",
      last_deployment_state: "QUEUED",
      service_deployment_status: "UP_TO_DATE",
      deployment_requests_count: 1,
    });
    await sim.advanceClock(10);
    expect((await sim.service(stopped.id)).state).toBe("DEPLOYED");
    expect((await sim.deployments())[0]!.serviceIds).toHaveLength(7);
    expect((await post(`/environment/${envId}/redeploy`)).status).toBe(202);
  });

  it("stopped services stay stopped when other services deploy and when variables change", async () => {
    const stopped = await sim.addService({ environmentId: envId, type: "CONTAINER", name: "paused", state: "STOPPED" });
    await createVariable("ENVIRONMENT", envId, "SHARED");
    await deployAll({ applications: [services.APPLICATION.id] });
    await sim.advanceClock(10);
    expect(await sim.service(stopped.id)).toMatchObject({ state: "STOPPED", deploymentStatus: "OUT_OF_DATE", pending: [] });
  });

  it("refuses a version-less deploy of an application or container that was never deployed", async () => {
    const never = await sim.addService({ environmentId: envId, type: "APPLICATION", name: "new", state: "READY" });
    for (const response of [await post(`/application/${never.id}/redeploy`), await deployAll({ applications: [never.id] })]) {
      const { status, body } = await json(response);
      expect(status).toBe(400);
      expect(body.detail).toContain("never been deployed");
    }
    expect(await sim.deployments()).toEqual([]);
    expect((await post(`/application/${never.id}/deploy`, { git_commit_id: "abc123" })).status).toBe(202);
    await sim.advanceClock(10);
    expect(await sim.service(never.id)).toMatchObject({ state: "DEPLOYED", deploymentStatus: "UP_TO_DATE", version: "abc123" });
  });

  it("refuses bulk bodies that name nothing, a service of another type or another environment", async () => {
    const elsewhere = await sim.addService({ environmentId: sim.project.environments[1]!.id, type: "APPLICATION", name: "elsewhere" });
    const cases: unknown[] = [
      {},
      { applications: [] },
      { applications: [{ application_id: services.CONTAINER.id }] },
      { containers: [{ id: crypto.randomUUID() }] },
      { applications: [{ application_id: elsewhere.id }] },
      { applications: [{ git_commit_id: "x" }] },
    ];
    for (const body of cases) {
      const response = await post(`/environment/${envId}/service/deploy`, body);
      expect({ body, status: response.status }).toEqual({ body, status: 400 });
    }
    expect(await sim.deployments()).toEqual([]);
  });
});

describe("faults", () => {
  it("a deployment fault ends that service's deploy in DEPLOYMENT_ERROR; the others deploy", async () => {
    const app = services.APPLICATION.id;
    await createVariable("ENVIRONMENT", envId, "CHANGED");
    await sim.injectFault({ type: "deployment", outcome: "DEPLOYMENT_ERROR", serviceId: app });
    await deployAll({ applications: [app], containers: [services.CONTAINER.id] });
    await sim.advanceClock(10);
    expect(await statusOf(app)).toMatchObject({
      state: "DEPLOYMENT_ERROR",
      service_deployment_status: "OUT_OF_DATE",
      status_details: { action: "DEPLOY", status: "ERROR" },
    });
    expect(await statusOf(services.CONTAINER.id)).toMatchObject({ state: "DEPLOYED", service_deployment_status: "UP_TO_DATE" });
    expect((await statuses()).environment).toMatchObject({ state: "DEPLOYMENT_ERROR", last_deployment_state: "DEPLOYMENT_ERROR" });
    // the fault was used up: the next deploy succeeds
    await post(`/application/${app}/redeploy`);
    await sim.advanceClock(10);
    expect(await statusOf(app)).toMatchObject({ state: "DEPLOYED", service_deployment_status: "UP_TO_DATE" });
  });

  it("BUILD_ERROR and CANCELED outcomes", async () => {
    await sim.injectFault({ type: "deployment", outcome: "BUILD_ERROR" });
    await sim.injectFault({ type: "deployment", outcome: "CANCELED" });
    await deployAll({ applications: [services.APPLICATION.id], containers: [services.CONTAINER.id] });
    await sim.advanceClock(10);
    expect((await statusOf(services.APPLICATION.id)).state).toBe("BUILD_ERROR");
    expect(await statusOf(services.CONTAINER.id)).toMatchObject({ state: "CANCELED", status_details: { status: "CANCELED" } });
    expect((await sim.deployments())[0]!.state).toBe("BUILD_ERROR");
  });

  it("a deploy while the environment is deploying answers 400 by default, with Qovery's body, and changes nothing", async () => {
    await post(`/application/${services.APPLICATION.id}/redeploy`);
    const attempts = [
      `/container/${services.CONTAINER.id}/redeploy`,
      `/application/${services.APPLICATION.id}/redeploy`,
      `/environment/${envId}/deploy`,
    ];
    for (const path of attempts) {
      const { status, body } = await json(await post(path));
      expect({ path, status }).toEqual({ path, status: 400 });
      expect(body).toMatchObject({ status: 400, error: "Bad Request", detail: expect.stringContaining("Operation is in progress") });
    }
    await sim.advanceClock(5);
    expect((await deployAll({ containers: [services.CONTAINER.id] })).status).toBe(400);
    expect(await sim.deployments()).toHaveLength(1);
    await sim.advanceClock(5);
    expect((await post(`/container/${services.CONTAINER.id}/redeploy`)).status).toBe(202);
  });

  it("the in-progress answer can be 409, or a queue behind the running deploy", async () => {
    await sim.configure({ deployWhileInProgress: 409 });
    await post(`/application/${services.APPLICATION.id}/redeploy`);
    expect((await json(await post(`/container/${services.CONTAINER.id}/redeploy`))).body).toMatchObject({ status: 409, error: "Conflict" });

    await sim.configure({ deployWhileInProgress: "queue" });
    expect((await post(`/container/${services.CONTAINER.id}/redeploy`)).status).toBe(202);
    await sim.advanceClock(10); // the first is done; the second waits until then, then runs 8 s
    expect(await statusOf(services.CONTAINER.id)).toMatchObject({ state: "DEPLOYING" });
    await sim.advanceClock(8);
    expect((await statusOf(services.CONTAINER.id)).state).toBe("DEPLOYED");
  });

  it("scripted 400 and 409 answers on an action endpoint, with the default detail or a given one", async () => {
    const template = "/environment/{environmentId}/service/deploy";
    await sim.injectFault({ type: "status", status: 409, method: "POST", pathTemplate: template });
    await sim.injectFault({ type: "status", status: 400, method: "POST", pathTemplate: template, detail: "InvalidAction" });
    expect((await json(await deployAll({ applications: [services.APPLICATION.id] }))).body).toEqual({
      status: 409,
      error: "Conflict",
      detail: "Operation is in progress",
    });
    expect((await json(await deployAll({ applications: [services.APPLICATION.id] }))).body.detail).toBe("InvalidAction");
    expect(await sim.deployments()).toEqual([]);
    expect((await deployAll({ applications: [services.APPLICATION.id] })).status).toBe(202);
  });
});

describe("needs redeploy: service_deployment_status", () => {
  const deploymentStatuses = async () =>
    Object.fromEntries((await sim.services()).map((service) => [service.type, service.deploymentStatus]));

  it("a service's own variable makes only that service OUT_OF_DATE; its deploy makes it UP_TO_DATE again", async () => {
    const app = services.APPLICATION.id;
    await createVariable("APPLICATION", app, "OWN", true);
    expect(await deploymentStatuses()).toEqual({
      APPLICATION: "OUT_OF_DATE",
      CONTAINER: "UP_TO_DATE",
      JOB: "UP_TO_DATE",
      HELM: "UP_TO_DATE",
      TERRAFORM: "UP_TO_DATE",
      DATABASE: "UP_TO_DATE",
    });
    expect((await statuses()).environment.deployment_status).toBe("OUT_OF_DATE");
    await post(`/application/${app}/redeploy`);
    expect((await statusOf(app)).service_deployment_status).toBe("OUT_OF_DATE"); // queued: not applied yet
    await sim.advanceClock(10);
    expect((await statusOf(app)).service_deployment_status).toBe("UP_TO_DATE");
    expect((await statuses()).environment.deployment_status).toBe("UP_TO_DATE");
  });

  it("an environment or project variable, created, edited or deleted through either API, outdates every service below it", async () => {
    const row = await createVariable("ENVIRONMENT", envId, "SHARED");
    expect(Object.values(await deploymentStatuses())).toEqual(Array(6).fill("OUT_OF_DATE"));

    await sim.api(`/environment/${envId}/service/deploy`, {
      method: "POST",
      body: { applications: [{ application_id: services.APPLICATION.id }], databases: [services.DATABASE.id] },
    });
    await sim.advanceClock(10);
    expect(await deploymentStatuses()).toMatchObject({ APPLICATION: "UP_TO_DATE", DATABASE: "UP_TO_DATE", CONTAINER: "OUT_OF_DATE" });

    await sim.api(`/environment/${envId}/environmentVariable/${row.id}`, { method: "PUT", body: { key: "SHARED", value: "new" } });
    expect((await deploymentStatuses()).APPLICATION).toBe("OUT_OF_DATE");

    await post(`/environment/${envId}/deploy`);
    await sim.advanceClock(10);
    expect(Object.values(await deploymentStatuses())).toEqual(Array(6).fill("UP_TO_DATE"));
    await sim.api(`/variable/${row.id}`, { method: "DELETE" });
    expect(Object.values(await deploymentStatuses())).toEqual(Array(6).fill("OUT_OF_DATE"));

    // a project variable reaches the services of every environment of the project, and no other
    const production = await sim.addService({ environmentId: sim.project.environments[1]!.id, type: "HELM", name: "prod-helm" });
    const otherProject = await sim.addService({ environmentId: sim.summary.projects[1]!.environments[0]!.id, type: "HELM", name: "other" });
    await sim.api(`/project/${sim.project.id}/secret`, { method: "POST", body: { key: "PROJECT_WIDE", value: "s" } });
    expect((await sim.service(production.id)).deploymentStatus).toBe("OUT_OF_DATE");
    expect((await sim.service(otherProject.id)).deploymentStatus).toBe("UP_TO_DATE");
  });

  it("a variable changed while a deploy is queued is part of it; one changed while it runs is not", async () => {
    const app = services.APPLICATION.id;
    await post(`/application/${app}/redeploy`);
    await createVariable("APPLICATION", app, "WHILE_QUEUED");
    await sim.advanceClock(10);
    expect((await sim.service(app)).deploymentStatus).toBe("UP_TO_DATE");

    await post(`/application/${app}/redeploy`);
    await sim.advanceClock(3);
    await createVariable("APPLICATION", app, "WHILE_RUNNING");
    await sim.advanceClock(7);
    expect(await sim.service(app)).toMatchObject({ state: "DEPLOYED", deploymentStatus: "OUT_OF_DATE" });
  });

  it("with inheritedChangesOutdateServices off, only a service's own variables outdate it", async () => {
    await sim.configure({ inheritedChangesOutdateServices: false });
    await createVariable("ENVIRONMENT", envId, "INHERITED");
    expect((await sim.service(services.APPLICATION.id)).deploymentStatus).toBe("UP_TO_DATE");
    await createVariable("APPLICATION", services.APPLICATION.id, "OWN");
    expect((await sim.service(services.APPLICATION.id)).deploymentStatus).toBe("OUT_OF_DATE");
  });

  it("restarts exist but never apply new configuration", async () => {
    const app = services.APPLICATION.id;
    await createVariable("APPLICATION", app, "NEW_VALUE");
    const restart = await json(await post(`/application/${app}/restart-service`));
    expect(restart.status).toBe(202);
    expect(restart.body).toMatchObject({ id: app, state: "RESTART_QUEUED", status_details: { action: "RESTART", status: "QUEUED" } });
    await sim.advanceClock(10);
    expect(await statusOf(app)).toMatchObject({ state: "RESTARTED", service_deployment_status: "OUT_OF_DATE" });

    const bulk = await post(`/environment/${envId}/service/restart-service`, {
      application_ids: [app],
      container_ids: [services.CONTAINER.id],
    });
    expect(bulk.status).toBe(202);
    await sim.advanceClock(10);
    expect((await statusOf(app)).service_deployment_status).toBe("OUT_OF_DATE");
    expect((await sim.deployments()).map((d) => [d.action, d.state])).toEqual([
      ["RESTART", "RESTARTED"],
      ["RESTART", "RESTARTED"],
    ]);
    // jobs, helm and terraform cannot be restarted; a stopped service neither
    expect((await post(`/job/${services.JOB.id}/restart-service`)).status).toBe(404);
    const stopped = await sim.addService({ environmentId: envId, type: "CONTAINER", name: "paused", state: "STOPPED" });
    expect((await post(`/container/${stopped.id}/restart-service`)).status).toBe(400);
  });
});

describe("removed endpoints", () => {
  it("the old restart endpoints answer 404 (removed by Qovery in 2024)", async () => {
    for (const path of [
      `/environment/${envId}/restart`,
      `/application/${services.APPLICATION.id}/restart`,
      `/container/${services.CONTAINER.id}/restart`,
      `/job/${services.JOB.id}/restart`,
      `/helm/${services.HELM.id}/restart`,
      `/database/${services.DATABASE.id}/restart`,
    ]) {
      expect({ path, status: (await post(path)).status }).toEqual({ path, status: 404 });
    }
    expect(await sim.deployments()).toEqual([]);
  });
});

describe("control API for services", () => {
  it("updateService stops a service (refused while it deploys); reset drops added services and deployments", async () => {
    const container = services.CONTAINER.id;
    expect((await sim.updateService(container, { state: "STOPPED" })).state).toBe("STOPPED");
    expect((await statusOf(container)).state).toBe("STOPPED");
    expect((await sim.updateService(container, { outOfDate: true })).deploymentStatus).toBe("OUT_OF_DATE");

    await post(`/application/${services.APPLICATION.id}/redeploy`);
    await expect(sim.updateService(services.APPLICATION.id, { state: "STOPPED" })).rejects.toThrow(/in flight/);

    await sim.reset();
    expect(await sim.services()).toEqual([]);
    expect(await sim.deployments()).toEqual([]);
    expect((await sim.clock()).frozen).toBe(false);
  });

  it("refuses services in unknown environments and duplicate ids", async () => {
    await expect(sim.addService({ environmentId: crypto.randomUUID(), type: "HELM", name: "x" })).rejects.toThrow(/no environment/);
    await expect(sim.addService({ id: services.HELM.id, environmentId: envId, type: "HELM", name: "x" })).rejects.toThrow(/exists already/);
  });

  it("the default tenant has services with fixed ids: one of each type and a stopped one in backend/staging", async () => {
    const staging = "00000000-0000-4000-8000-000000000005";
    const response = await fetch(`http://qovery.sim/environment/${staging}/statuses`, {
      headers: { Authorization: "Token qov_simulator_default_token" },
    });
    const body = (await response.json()) as any;
    const states = [...body.applications, ...body.containers, ...body.jobs, ...body.helms, ...body.terraforms, ...body.databases].map(
      (s: any) => [s.id, s.state, s.service_deployment_status],
    );
    expect(states).toEqual([
      ["00000000-0000-4000-8000-000000000101", "DEPLOYED", "UP_TO_DATE"],
      ["00000000-0000-4000-8000-000000000108", "READY", "NEVER_DEPLOYED"],
      ["00000000-0000-4000-8000-000000000102", "DEPLOYED", "UP_TO_DATE"],
      ["00000000-0000-4000-8000-000000000107", "STOPPED", "UP_TO_DATE"],
      ["00000000-0000-4000-8000-000000000103", "DEPLOYED", "UP_TO_DATE"],
      ["00000000-0000-4000-8000-000000000104", "DEPLOYED", "UP_TO_DATE"],
      ["00000000-0000-4000-8000-000000000105", "DEPLOYED", "UP_TO_DATE"],
      ["00000000-0000-4000-8000-000000000106", "DEPLOYED", "UP_TO_DATE"],
    ]);
  });
});
