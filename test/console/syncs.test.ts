import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { api, createToken } from "../helpers/api";
import { grantToken } from "../helpers/people";
import { createSync, getSync, putSecrets, qoveryValues, syncFixture, waitForRun, type SyncFixture } from "../helpers/sync-fixtures";
import { Browser, hiddenInputs, inputValue, textOf, type Page } from "./browser";

const base = (f: SyncFixture) => `/projects/${f.project.id}/integrations`;
const wizard = (f: SyncFixture) => `${base(f)}/secret-syncs/new/qovery`;

async function admin() {
  const browser = new Browser();
  await browser.signIn();
  return browser;
}

/** Submits the wizard's form as a browser would: every hidden field of the page, plus what the user chose. */
const submit = (browser: Browser, f: SyncFixture, page: Page, fields: Record<string, string>) => browser.post(wizard(f), { ...hiddenInputs(page.html), ...fields });

const selectedOption = (html: string, name: string) => new RegExp(`<select[^>]*name="${name}"[\\s\\S]*?<option value="([^"]*)" selected`).exec(html)?.[1];

describe("the Add Sync wizard", () => {
  it("walks every step of the seed in order, keeps what was typed when a step fails, and creates a working sync", async () => {
    const f = await syncFixture({ DB_URL: "postgres://db", API_KEY: "k-1" });
    const browser = await admin();

    const list = await browser.get(`${base(f)}/secret-syncs`);
    expect(textOf(list.html)).toContain("No secret syncs yet.");
    expect(list.html).toContain(`href="${base(f)}/secret-syncs/new"`);
    const choose = await browser.get(`${base(f)}/secret-syncs/new`);
    expect(choose.html).toContain(`href="${wizard(f)}"`);
    expect(textOf(choose.html)).toContain("Qovery");

    let page = await browser.get(wizard(f));
    expect(textOf(page.html)).toContain("Configure source");
    expect(textOf(page.html)).toContain("If you need to sync secrets from multiple folder locations, check out secret imports");
    expect(page.html).toContain('aria-current="step"');

    page = await submit(browser, f, page, { environment: "dev", secretPath: "/missing" });
    expect(page.status).toBe(422);
    // The service's own message, as the API gives it.
    expect(textOf(page.html)).toContain(`Could not find folder with path "/missing" in environment "dev" for project with ID "${f.project.id}"`);
    expect(inputValue(page.html, "secretPath")).toBe("/missing");

    page = await submit(browser, f, page, { environment: "dev", secretPath: "app/" });
    expect(textOf(page.html)).toContain("Configure destination");
    expect(textOf(page.html)).toContain("Leave empty to sync at the project level");
    // The only connection and the only organization are chosen for the user; the projects are listed from Qovery.
    expect(selectedOption(page.html, "connectionId")).toBe(f.connectionId);
    expect(selectedOption(page.html, "organizationId")).toBe(f.tenant.organizationId);
    expect(page.html).toContain(`<option value="${f.tenant.project.id}">backend</option>`);
    expect(hiddenInputs(page.html).secretPath).toBe("/app");

    const missingProject = await submit(browser, f, page, { connectionId: f.connectionId, organizationId: f.tenant.organizationId, qoveryProjectId: "" });
    expect(missingProject.status).toBe(422);
    expect(missingProject.html).toContain("Choose a Qovery project.");

    page = await submit(browser, f, page, {
      connectionId: f.connectionId,
      organizationId: f.tenant.organizationId,
      qoveryProjectId: f.tenant.project.id,
      qoveryEnvironmentId: f.tenant.environment.id,
    });
    expect(textOf(page.html)).toContain("Configure initial sync behavior");
    expect(textOf(page.html)).toContain("Qovery does not support importing secrets, as the Qovery API never returns secret values");
    expect(hiddenInputs(page.html).qoveryEnvironmentName).toBe("staging");

    page = await submit(browser, f, page, { initialSyncBehavior: "overwrite-destination" });
    const options = textOf(page.html);
    expect(options).toContain("Configure sync options");
    for (const label of ["Disable secret deletion", "Auto-sync on changes", "Customize key names", "Sync as environment variables", "We highly recommend customizing key names"]) {
      expect(options).toContain(label);
    }

    page = await submit(browser, f, page, { keyPrefix: "app-", autoSyncEnabled: "true" });
    expect(page.status).toBe(422);
    expect(page.html).toContain("Qovery keys allow only letters, digits and underscores");
    expect(inputValue(page.html, "keyPrefix")).toBe("app-");

    page = await submit(browser, f, page, { keyPrefix: "APP_", autoSyncEnabled: "true" });
    expect(textOf(page.html)).toContain("Configure details");
    expect(page.html).toContain("data-slug-check");

    const back = await submit(browser, f, page, { nav: "back" });
    expect(inputValue(back.html, "keyPrefix")).toBe("APP_");

    page = await submit(browser, f, page, { name: "Not A Slug", description: "made in the console" });
    expect(page.status).toBe(422);
    expect(page.html).toContain("name field can only contain lowercase letters, numbers, and hyphens");
    expect(page.html).toContain(">made in the console</textarea>");

    page = await submit(browser, f, page, { name: "console-sync", description: "made in the console" });
    const review = textOf(page.html);
    expect(review).toContain("Review and create");
    expect(review).toContain("APP_{{secretKey}}");
    expect(review).toContain("backend");
    expect(review).toContain("Create Sync");

    page = await submit(browser, f, page, { nav: "next" });
    expect(textOf(page.html)).toContain("is the source of truth for synced destinations");
    expect(page.html).toContain("I Understand");

    const created = await submit(browser, f, page, { nav: "next" });
    expect(created.status).toBe(303);
    expect(created.location).toMatch(new RegExp(`^${base(f)}/secret-syncs/[^/?]+\\?notice=sync-created$`));
    const syncId = created.location!.split("/").pop()!.split("?")[0]!;
    const detail = await browser.follow(created);
    expect(textOf(detail.html)).toContain("Sync created.");
    expect(detail.html).toContain('data-active="true"');

    const done = await waitForRun(syncId);
    expect(done.syncStatus).toBe("succeeded");
    expect(await qoveryValues(f.tenant, f.tenant.environment.id)).toEqual({ APP_DB_URL: "postgres://db", APP_API_KEY: "k-1" });

    const status = JSON.parse((await browser.get(`${base(f)}/secret-syncs/${syncId}/status`, "application/json")).html);
    expect(status).toMatchObject({ active: false, syncStatus: "succeeded", badge: { tone: "succeeded" } });
    const settled = await browser.get(`${base(f)}/secret-syncs/${syncId}`);
    expect(settled.html).toContain('data-active="false"');
    expect(textOf(settled.html)).toContain("Per-key outcomes (2)");
    expect(textOf(settled.html)).toContain("APP_DB_URL create done");
  });

  it("shows Qovery's error next to the field when the connection's token stopped working", async () => {
    const f = await syncFixture({ A: "1" });
    await f.tenant.revokeToken(f.tenant.token);
    const browser = await admin();
    const start = await browser.get(wizard(f));
    const page = await submit(browser, f, start, { environment: "dev", secretPath: "/app" });
    expect(textOf(page.html)).toContain("Qovery rejected the connection's token");
    const json = await browser.get(`${base(f)}/app-connections/${f.connectionId}/organizations`, "application/json");
    expect(json.status).toBe(400);
    expect(JSON.parse(json.html).error).toContain("Qovery rejected the connection's token");
  });

  it("is closed to a token without syncs:write, which sees the syncs but no Add Sync", async () => {
    const f = await syncFixture({ A: "1" });
    const { token } = await createToken(["syncs:read"], f.project.id);
    const browser = new Browser();
    await browser.signIn(token);
    const list = await browser.get(`${base(f)}/secret-syncs`);
    expect(list.status).toBe(200);
    expect(list.html).not.toContain("/secret-syncs/new");
    expect(list.html).toContain("cannot add syncs");
    expect((await browser.get(wizard(f))).status).toBe(403);
    expect((await browser.post(wizard(f), { step: "confirm", nav: "next", name: "sneaky" })).status).toBe(403);
  });
});

describe("app connections", () => {
  it("adds a connection after Qovery accepts the token, shows Qovery's refusal next to the token, and deletes", async () => {
    const f = await syncFixture();
    const browser = await admin();
    const url = `${base(f)}/app-connections`;

    const refused = await browser.post(url, { name: "bad-token", description: "kept", accessToken: "qov_wrong", scope: "project" });
    expect(refused.status).toBe(422);
    expect(refused.html).toContain("Failed to validate Qovery credentials");
    expect(refused.html).toContain(">kept</textarea>");
    expect(refused.html).not.toContain("qov_wrong");

    const added = await browser.post(url, { name: "second", accessToken: f.tenant.token, scope: "project" });
    expect(added.location).toBe(`${url}?notice=connection-created`);
    const list = await browser.follow(added);
    expect(list.html).toContain("second");
    expect(list.html).not.toContain(f.tenant.token);

    const id = /app-connections\/([^/"]+)\/delete/.exec(list.html.slice(list.html.indexOf('aria-label="Delete second"')))![1]!;
    expect((await browser.post(`${url}/${id}/delete`)).location).toBe(`${url}?notice=connection-deleted`);

    await createSync(f, { autoSyncEnabled: false });
    const inUse = await browser.post(`${url}/${f.connectionId}/delete`);
    expect(inUse.status).toBe(409);
    expect(inUse.html).toContain("is still used by secret syncs");
  });
});

describe("a sync's page", () => {
  it("previews the plan by key, syncs now, shows the run, and escapes user text", async () => {
    const f = await syncFixture({ ONE: "1", TWO: "2" });
    const sync = await createSync(f, { autoSyncEnabled: false, name: "detail-sync" });
    await env.DB.prepare("update secret_syncs set description = ? where id = ?").bind(`<script>alert("d")</script>`, sync.id).run();
    const browser = await admin();
    const url = `${base(f)}/secret-syncs/${sync.id}`;

    const page = await browser.get(url);
    expect(page.html).not.toContain(`<script>alert("d")`);
    expect(page.html).toContain("&lt;script&gt;alert(&quot;d&quot;)&lt;/script&gt;");
    expect(textOf(page.html)).toContain("Not synced yet");
    expect(textOf(page.html)).toContain("No run yet.");

    const plan = await browser.get(`${url}/plan`);
    const planText = textOf(plan.html);
    expect(planText).toContain("2 create");
    expect(planText).toContain("ONE create");
    expect(plan.html).not.toMatch(/>1<\/code>|>2<\/code>/);

    const queued = await browser.post(`${url}/sync`);
    expect(queued.location).toBe(`${url}?notice=run-queued`);
    await waitForRun(sync.id);
    await putSecrets(f.project.id, "dev", "/app", { TWO: "2b" });
    const changed = textOf((await browser.get(`${url}/plan`)).html);
    expect(changed).toContain("1 update");
    expect(changed).toContain("TWO update changed");

    const history = textOf((await browser.get(url)).html);
    expect(history).toContain("Sync (manual)");
    expect(history).toContain("Succeeded");
  });

  it("reports drift found by the last drift check, on the list and on the sync's page", async () => {
    const f = await syncFixture({ A: "1" });
    const sync = await createSync(f, { autoSyncEnabled: false, name: "drifting" });
    const report = { checkedAt: "2026-11-26T10:00:00.000Z", items: [{ key: "A", kind: "value-changed" }, { key: "EXTRA", kind: "unmanaged" }] };
    await env.DB.prepare("update secret_syncs set drift_status = 'drifted', last_drift_check_at = ?, drift_report_json = ? where id = ?")
      .bind(report.checkedAt, JSON.stringify(report), sync.id)
      .run();
    const browser = await admin();
    const list = await browser.get(`${base(f)}/secret-syncs`);
    expect(list.html).toContain('class="badge drift"');
    const page = textOf((await browser.get(`${base(f)}/secret-syncs/${sync.id}`)).html);
    expect(page).toContain("Qovery no longer matches what this sync last wrote.");
    expect(page).toContain("Last checked 2026-11-26 10:00:00 UTC");
    expect(page).toContain("A value changed in Qovery");
    expect(page).toContain("EXTRA in Qovery under this sync's key names, but not written by it");
  });

  it("edits a sync, with field errors kept next to their fields", async () => {
    const f = await syncFixture({ A: "1" });
    const sync = await createSync(f, { autoSyncEnabled: false, name: "editable" });
    const browser = await admin();
    const url = `${base(f)}/secret-syncs/${sync.id}/edit`;
    const form = await browser.get(url);
    expect(selectedOption(form.html, "qoveryProjectId")).toBe(f.tenant.project.id);
    const fields = { ...hiddenInputs(form.html), name: "editable", description: "", environment: "dev", secretPath: "/app", connectionId: f.connectionId, organizationId: f.tenant.organizationId, qoveryProjectId: f.tenant.project.id, qoveryEnvironmentId: f.tenant.environment.id, keyPrefix: "", keySuffix: "", isEnabled: "true", autoSyncEnabled: "false" };

    const invalid = await browser.post(url, { ...fields, secretPath: "/nowhere", name: "Bad Name" });
    expect(invalid.status).toBe(422);
    expect(textOf(invalid.html)).toContain(`Could not find folder with path "/nowhere" in environment "dev"`);
    expect(invalid.html).toContain("lowercase letters, numbers, and hyphens");

    const saved = await browser.post(url, { ...fields, description: "now described", disableSecretDeletion: "true", qoveryEnvironmentId: "" });
    expect(saved.location).toBe(`${base(f)}/secret-syncs/${sync.id}?notice=sync-updated`);
    const updated = await getSync(sync.id);
    expect(updated).toMatchObject({ description: "now described", syncOptions: { disableSecretDeletion: true } });
    expect(updated.destinationConfig.environmentId).toBeUndefined();
  });

  it("names what a delete removes, and with remove-secrets deletes the sync only after Qovery is cleaned", async () => {
    const f = await syncFixture({ GONE_ONE: "1", GONE_TWO: "2" });
    const sync = await createSync(f, { name: "to-delete" });
    await waitForRun(sync.id);
    const browser = await admin();
    const url = `${base(f)}/secret-syncs/${sync.id}`;

    const confirm = textOf((await browser.get(`${url}/delete`)).html);
    expect(confirm).toContain("Delete the sync “to-delete”?");
    expect(confirm).toContain("Keys this sync wrote (2)");
    expect(confirm).toContain("GONE_ONE");
    expect(confirm).toContain("Remove them from Qovery first");

    const queued = await browser.post(`${url}/delete`, { removeSecrets: "true" });
    expect(queued.location).toBe(`${url}?notice=delete-queued`);
    await vi.waitUntil(async () => (await browser.get(`${url}/status`, "application/json")).status === 404, { timeout: 15_000, interval: 100 });
    expect(await qoveryValues(f.tenant, f.tenant.environment.id)).toEqual({});
    expect((await browser.get(`${base(f)}/secret-syncs?notice=sync-deleted`)).html).toContain("Sync deleted.");
  });
});

describe("access in the console: the services decide, the pages show their answers", () => {
  it("a connection's page shows its allowed destinations and saves a new list, refusing bad lines", async () => {
    const f = await syncFixture();
    const browser = await admin();
    const url = `${base(f)}/app-connections/${f.connectionId}`;
    const list = await browser.get(`${base(f)}/app-connections`);
    expect(textOf(list.html)).toContain("Anywhere its token reaches");
    expect(list.html).toContain(`href="${url}"`);

    const page = await browser.get(url);
    expect(textOf(page.html)).toContain("No restriction: anywhere the token reaches.");
    const bad = await browser.post(`${url}/allowed-destinations`, { restrict: "true", destinations: `${f.tenant.organizationId}\nnot an id` });
    expect(bad.status).toBe(422);
    expect(textOf(bad.html)).toContain("Line 2: organizationId may only contain letters, digits, '-' and '_'");
    expect(bad.html).toContain("not an id</textarea>");

    const lines = `${f.tenant.organizationId}/${f.tenant.project.id}\n${f.tenant.organizationId}/${f.tenant.project.id}/${f.tenant.environment.id}`;
    const saved = await browser.post(`${url}/allowed-destinations`, { restrict: "true", destinations: lines });
    expect(saved.location).toBe(`${url}?notice=allowlist-saved`);
    const shown = textOf((await browser.follow(saved)).html);
    expect(shown).toContain("Allowed destinations saved.");
    expect(shown).toContain(`project "${f.tenant.project.id}" (project level) and all its environments`);
    expect(shown).toContain(`environment "${f.tenant.environment.id}"`);
    const stored = await env.DB.prepare("select allowed_destinations_json from app_connections where id = ?").bind(f.connectionId).first<{ allowed_destinations_json: string }>();
    expect(JSON.parse(stored!.allowed_destinations_json)).toEqual([
      { organizationId: f.tenant.organizationId, projectId: f.tenant.project.id },
      { organizationId: f.tenant.organizationId, projectId: f.tenant.project.id, environmentId: f.tenant.environment.id },
    ]);
    expect(textOf((await browser.get(`${base(f)}/app-connections`)).html)).toContain("2 allowed destinations");

    const lifted = await browser.post(`${url}/allowed-destinations`, { restrict: "false", destinations: lines });
    expect(lifted.status).toBe(303);
    expect((await env.DB.prepare("select allowed_destinations_json as v from app_connections where id = ?").bind(f.connectionId).first<{ v: null }>())!.v).toBeNull();
  });

  it("a token that may not change the connection sees the list without the form, and its post is refused", async () => {
    const f = await syncFixture();
    const { token } = await createToken(["connections:read"], f.project.id);
    const browser = new Browser();
    await browser.signIn(token);
    const url = `${base(f)}/app-connections/${f.connectionId}`;
    const page = await browser.get(url);
    expect(page.status).toBe(200);
    expect(page.html).not.toContain("/allowed-destinations");
    const refused = await browser.post(`${url}/allowed-destinations`, { restrict: "true", destinations: "" });
    expect(refused.status).toBe(403);
    expect(textOf(refused.html)).toContain("You are not allowed to edit-app-connections on app-connections");
    expect((await env.DB.prepare("select allowed_destinations_json as v from app_connections where id = ?").bind(f.connectionId).first<{ v: null }>())!.v).toBeNull();

    const stranger = new Browser();
    await stranger.signIn((await createToken(["connections:write"], (await syncFixture()).project.id)).token);
    for (const path of [`${base(f)}/app-connections`, url]) {
      const refused = await stranger.get(path);
      expect(refused.status).toBe(403);
      expect(refused.html).not.toContain(f.project.name);
    }
  });

  it("the wizard shows the service's refusal of a source the token may not read", async () => {
    const f = await syncFixture({ A: "1" });
    const { token } = await createToken(["syncs:write"], f.project.id);
    const browser = new Browser();
    await browser.signIn(token);
    const start = await browser.get(wizard(f));
    expect(start.status).toBe(200);
    const page = await submit(browser, f, start, { environment: "dev", secretPath: "/app" });
    expect(page.status).toBe(422);
    expect(textOf(page.html)).toContain('You do not have permission to read secrets at path "/app" in environment "dev".');
    expect(inputValue(page.html, "secretPath")).toBe("/app");
  });

  it("the run history names who asked for each run", async () => {
    const f = await syncFixture({ A: "1" });
    const sync = await createSync(f, { autoSyncEnabled: false });
    const { token } = await createToken(["syncs:trigger"], f.project.id, { name: "ci-trigger" });
    const browser = new Browser();
    await browser.signIn(token);
    const url = `${base(f)}/secret-syncs/${sync.id}`;
    expect((await browser.post(`${url}/sync`)).location).toBe(`${url}?notice=run-queued`);
    await waitForRun(sync.id);
    expect(textOf((await browser.get(url)).html)).toContain("ci-trigger (api-token)");
  });
});

describe("the wizard's source picker", () => {
  it("offers only the folders the caller may read", async () => {
    const f = await syncFixture({ A: "1" });
    // A folder is where its parent is: the rule below shows /app/sub, and neither /app, /ops nor /ops/sub.
    for (const [path, name] of [["/app", "sub"], ["/", "ops"], ["/ops", "sub"]]) {
      expect((await api.post("/api/v2/folders", { projectId: f.project.id, environment: "dev", path, name })).status).toBe(200);
    }
    const permissions = [
      { subject: "secret-syncs", action: ["create", "read"] },
      { subject: "secret-folders", action: ["read"], conditions: { secretPath: { $glob: "/app/**" } } },
    ];
    const { token } = await grantToken({ permissions }, f.project.id);
    const browser = new Browser();
    await browser.signIn(token);
    const page = await browser.get(wizard(f));
    expect(page.status).toBe(200);
    const offered = [...page.html.matchAll(/<option value="(\/[^"]*)"/g)].map((m) => m[1]);
    expect(offered).toEqual(["/", "/app/sub"]);
  });
});
