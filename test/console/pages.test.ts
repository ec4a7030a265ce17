import { describe, expect, it } from "vitest";
import { MAX_IMPORTED_FOLDERS_PER_READ } from "../../src/lib/limits";
import { api, createProject, createToken, unique } from "../helpers/api";
import { importFullHubs, pushPastTheReachCap, reachRefusal } from "../helpers/import-graph";
import { listSecrets, makeFolder, makeImport, putSecret } from "../helpers/store";
import { Browser, textOf } from "./browser";

const XSS = `<script>alert("x")</script>`;

async function admin() {
  const browser = new Browser();
  await browser.signIn();
  return browser;
}

describe("projects", () => {
  it("lists projects and creates one, then lands on its secrets", async () => {
    const browser = await admin();
    const existing = await createProject(unique("listed"));
    const list = await browser.get("/projects");
    expect(list.status).toBe(200);
    expect(list.html).toContain(existing.name);
    expect(list.html).toContain("Create a project");

    const invalid = await browser.post("/projects", { name: "   ", description: "kept" });
    expect(invalid.status).toBe(422);
    expect(invalid.html).toContain("A project name is required");
    expect(invalid.html).toContain(">kept</textarea>");

    const created = await browser.post("/projects", { name: "Console Made" });
    expect(created.status).toBe(303);
    expect(created.location).toMatch(/^\/projects\/[^/]+\/secrets\/dev\?notice=project-created$/);
    const page = await browser.follow(created);
    expect(page.html).toContain("Project created");
    expect(textOf(page.html)).toContain("Development");
    expect(textOf(page.html)).toContain("No secrets in / of Development yet.");
  });

  it("shows a project-bound token only its project, and no way to create one", async () => {
    const mine = await createProject(unique("mine"));
    const theirs = await createProject(unique("theirs"));
    const { token } = await createToken(["secrets:read"], mine.id);
    const browser = new Browser();
    await browser.signIn(token);
    const list = await browser.get("/projects");
    expect(list.html).toContain(mine.name);
    expect(list.html).not.toContain(theirs.name);
    expect(list.html).not.toContain("Create a project");
    const forbidden = await browser.get(`/projects/${theirs.id}/secrets/dev`);
    expect(forbidden.status).toBe(403);
    expect(forbidden.html).toContain("You are not allowed to read on workspace");
    const refused = await browser.post("/projects", { name: "nope" });
    expect(refused.status).toBe(403);
  });
});

describe("secrets", () => {
  it("masks values, reveals exactly one on request, and shows folders and imports", async () => {
    const project = await createProject();
    await putSecret(project.id, "DB_URL", "postgres://db-secret-value");
    await putSecret(project.id, "API_KEY", "api-secret-value");
    await makeFolder(project.id, "/", "app");
    await makeFolder(project.id, "/", "shared", "staging");
    await putSecret(project.id, "SHARED_ONE", "shared-secret-value", { environment: "staging", secretPath: "/shared" });
    await makeImport(project.id, { environment: "dev", path: "/" }, { environment: "staging", path: "/shared" });
    const browser = await admin();

    const page = await browser.get(`/projects/${project.id}/secrets/dev`);
    expect(page.status).toBe(200);
    for (const value of ["postgres://db-secret-value", "api-secret-value", "shared-secret-value"]) expect(page.html).not.toContain(value);
    expect(page.html).toContain("DB_URL");
    expect(page.html).toContain(`/projects/${project.id}/secrets/dev?path=%2Fapp`);
    await makeFolder(project.id, "/app", "api");
    const nested = await browser.get(`/projects/${project.id}/secrets/dev?path=%2Fapp%2Fapi`);
    expect(nested.html).toMatch(/<a href="[^"]*path=%2Fapp">app<\/a><ul><li><a href="[^"]*path=%2Fapp%2Fapi" aria-current="location">api<\/a>/);
    const text = textOf(page.html);
    expect(text).toContain("From staging /shared");
    expect(text).toContain("SHARED_ONE");

    const revealed = await browser.get(`/projects/${project.id}/secrets/dev?reveal=DB_URL`);
    expect(revealed.html).toContain("postgres://db-secret-value");
    expect(revealed.html).not.toContain("api-secret-value");
  });

  it(`lists a folder's own secrets, with a notice, when its imports reach more than ${MAX_IMPORTED_FOLDERS_PER_READ} folders`, { timeout: 90_000 }, async () => {
    const project = await createProject();
    await makeFolder(project.id, "/", "app");
    await putSecret(project.id, "OWN", "own-secret-value", { secretPath: "/app" });
    const [firstSource] = await importFullHubs(project.id, "/app");
    await putSecret(project.id, "FROM_HUB", "hub-secret-value", { secretPath: firstSource });
    const browser = await admin();
    const app = `/projects/${project.id}/secrets/dev?path=%2Fapp`;
    const notice = `The secrets this folder imports cannot be shown: ${reachRefusal("/app")}. The secrets listed above are the folder's own.`;

    const within = await browser.get(app);
    expect(within.status).toBe(200);
    expect(textOf(within.html)).toContain("From dev /hub0");
    expect(textOf(within.html)).not.toContain(notice);

    await pushPastTheReachCap(project.id, "/app");
    const withImports = await api.get("/api/v4/secrets", { query: { projectId: project.id, environment: "dev", secretPath: "/app", include_imports: "true" } });
    expect(withImports.status).toBe(400);
    const past = await browser.get(app);
    expect(past.status).toBe(200);
    const text = textOf(past.html);
    expect(text).toContain(notice);
    expect(past.html).toContain('<div class="notice error" role="alert">');
    expect(text).toContain("OWN");
    expect(text).not.toContain("FROM_HUB");
    expect(text).not.toContain("From dev /hub0");
    const revealed = await browser.get(`${app}&reveal=OWN`);
    expect(revealed.html).toContain("own-secret-value");
  });

  it("adds, edits (renames) and deletes a secret, keeping typed input when a field is refused", async () => {
    const project = await createProject();
    const browser = await admin();
    const action = (what: string) => `/projects/${project.id}/secrets/dev/${what}`;

    const refused = await browser.post(action("create"), { path: "/", key: "BAD:KEY", value: "typed-value", comment: "typed comment" });
    expect(refused.status).toBe(422);
    expect(refused.html).toContain("Secret name cannot contain colon or forward slash.");
    expect(refused.html).toContain(">typed-value</textarea>");
    expect(refused.html).toContain('value="typed comment"');

    expect((await browser.post(action("create"), { path: "/", key: "TOKEN", value: "line1\r\nline2\r\n" })).status).toBe(303);
    const taken = await browser.post(action("create"), { path: "/", key: "TOKEN", value: "again" });
    expect(taken.status).toBe(422);
    expect(taken.html).toContain("Secret already exists");

    const edit = await browser.get(`/projects/${project.id}/secrets/dev?edit=TOKEN`);
    expect(edit.html).toContain("line1\nline2\n</textarea>");
    expect((await browser.post(action("update"), { path: "/", key: "TOKEN", newKey: "RENAMED", value: "v2", comment: "" })).status).toBe(303);
    let secrets = (await listSecrets(project.id)).secrets;
    expect(secrets.map((s: { secretKey: string; secretValue: string }) => [s.secretKey, s.secretValue])).toEqual([["RENAMED", "v2"]]);

    expect((await browser.post(action("delete"), { path: "/", key: "RENAMED" })).status).toBe(303);
    secrets = (await listSecrets(project.id)).secrets;
    expect(secrets).toEqual([]);

    const folder = await browser.post(action("create-folder"), { path: "/", name: "config" });
    expect(folder.location).toBe(`/projects/${project.id}/secrets/dev?path=%2Fconfig&notice=folder-created`);
    const badFolder = await browser.post(action("create-folder"), { path: "/", name: "../up" });
    expect(badFolder.status).toBe(422);
    expect(badFolder.html).toContain("Invalid folder name");

    const audit = await api.get("/api/v1/audit-logs", { query: { projectId: project.id } });
    expect(audit.body.auditLogs.map((e: { action: string }) => e.action)).toEqual(expect.arrayContaining(["secret.create", "secret.update", "secret.delete", "folder.create"]));
  });

  it("shows user-provided names as text, never as markup", async () => {
    const project = await createProject(XSS);
    await putSecret(project.id, "<script>", `<img src=x onerror=alert(1)>`);
    const browser = await admin();
    const list = await browser.get("/projects");
    expect(list.html).not.toContain(XSS);
    expect(list.html).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
    const page = await browser.get(`/projects/${project.id}/secrets/dev?reveal=%3Cscript%3E`);
    expect(page.html).not.toContain("<script>alert");
    expect(page.html).not.toContain("<img src=x");
    expect(page.html).toContain("&lt;img src=x onerror=alert(1)&gt;");
    expect(textOf(page.html)).toContain("<script>");
    expect([...page.html.matchAll(/<script/g)]).toHaveLength(1);
  });

  it("limits a read-only token to reading, and hides values from a token without secrets:read", async () => {
    const project = await createProject();
    await putSecret(project.id, "KEY", "value-1");
    const { token: readOnly } = await createToken(["secrets:read"], project.id);
    const { token: metadataOnly } = await createToken(["syncs:read"], project.id);
    const reader = new Browser();
    await reader.signIn(readOnly);
    const page = await reader.get(`/projects/${project.id}/secrets/dev`);
    expect(page.html).toContain("KEY");
    expect(page.html).not.toContain("Add a secret");
    expect(page.html).not.toContain("/secrets/dev/delete");
    const refused = await reader.post(`/projects/${project.id}/secrets/dev/create`, { path: "/", key: "NEW", value: "x" });
    expect(refused.status).toBe(403);
    expect(refused.html).toContain("You are not allowed to create on secrets");

    const outsider = new Browser();
    await outsider.signIn(metadataOnly);
    const hidden = await outsider.get(`/projects/${project.id}/secrets/dev?reveal=KEY`);
    expect(hidden.status).toBe(200);
    expect(hidden.html).toContain("You cannot see secrets in this project");
    expect(hidden.html).not.toContain("value-1");
  });
});
