/**
 * The console in a real browser, as a newcomer uses it: sign in, create a project and secrets, add a Qovery
 * connection, walk the whole Add Sync wizard, confirm, and check that the Qovery simulator holds the secrets; then
 * change a secret, preview the plan, sync, and find the run in the history. Each wizard step is photographed.
 */
import assert from "node:assert/strict";
import { join } from "node:path";

const SIMULATOR_TOKEN = "qov_simulator_default_token";
const SECRETS = { DATABASE_URL: "postgres://shop:s3cret@db.internal/shop", STRIPE_KEY: "sk_test_e2e_1" };
const KEY_PREFIX = "SHOP_";
const PHONE = { width: 390, height: 844 };

/** `state` carries what later steps need: the page, URLs, ids. */
export function defineConsoleFlow(suite, { apiUrl, simulatorUrl, adminToken, artifacts }) {
  const state = { screenshots: [], problems: [] };
  const shot = async (name) => {
    const file = join(artifacts, `${name}.png`);
    await state.page.screenshot({ path: file, fullPage: true });
    state.screenshots.push(file);
  };
  const simulator = async (path) => {
    const res = await fetch(`${simulatorUrl}/__sim/tenants/default${path}`);
    assert.equal(res.status, 200, `simulator ${path} answered ${res.status}`);
    return res.json();
  };
  /** The rows the sync manages at the chosen Qovery environment, as `{KEY: value}`. */
  const qoveryValues = async () => {
    const { variables } = await simulator("/variables");
    return Object.fromEntries(variables.filter((v) => v.parentId === state.qoveryEnvironmentId && v.key.startsWith(KEY_PREFIX)).map((v) => [v.key, v.value]));
  };
  const waitForSettledRun = async (page) => {
    // The page's script polls the status endpoint and reloads once the run settles.
    await page.waitForSelector('[data-poll-url][data-active="false"]', { timeout: 60_000 });
  };

  suite.step("signs in with the admin token, by keyboard", async ({ context }) => {
    const page = await context.newPage();
    state.page = page;
    // Chromium logs every 4xx document as "Failed to load resource", including the deliberate 422 form refusals;
    // failed sub-resources (script, stylesheet, option lists) are caught from the responses instead.
    page.on("console", (message) => {
      if (message.type() === "error" && !message.text().startsWith("Failed to load resource")) state.problems.push(`console: ${message.text()}`);
    });
    page.on("response", (response) => {
      if (response.status() >= 400 && response.request().resourceType() !== "document") state.problems.push(`${response.status()} for ${response.url()}`);
    });
    page.on("pageerror", (error) => state.problems.push(`page error: ${error.message}`));
    await page.goto(`${apiUrl}/`);
    await page.waitForURL(/\/sign-in/);
    const focused = async () => page.evaluate(() => document.activeElement?.getAttribute("name") ?? document.activeElement?.textContent?.trim());
    await page.keyboard.press("Tab");
    assert.equal(await focused(), "Skip to content", "the first Tab reaches the skip link");
    for (let presses = 0; presses < 3 && (await focused()) !== "token"; presses++) await page.keyboard.press("Tab");
    assert.equal(await focused(), "token", "the token field is reached by keyboard");
    await page.keyboard.type(adminToken);
    await page.keyboard.press("Enter");
    await page.waitForURL(/\/projects$/);
    await page.getByRole("heading", { name: "Projects", level: 1 }).waitFor();
    await page.getByText("There are no projects yet.").waitFor();
  });

  suite.step("creates a project, a folder and secrets, with values masked", async () => {
    const { page } = state;
    await page.getByLabel("Project name").fill("E2E Shop");
    await page.getByRole("button", { name: "Create project" }).click();
    await page.waitForURL(/\/secrets\/dev\?notice=project-created/);
    state.projectUrl = new URL(page.url()).pathname.replace(/\/secrets\/dev$/, "");

    await page.getByText("Add a folder here").click();
    await page.getByLabel("Folder name").fill("app");
    await page.getByRole("button", { name: "Create folder" }).click();
    await page.waitForURL(/path=%2Fapp/);
    for (const [key, value] of Object.entries(SECRETS)) {
      await page.locator("#new-key").fill(key);
      await page.locator("#new-value").fill(value);
      await page.getByRole("button", { name: "Add secret" }).click();
      await page.waitForURL(/notice=secret-created/);
    }
    const html = await page.content();
    for (const value of Object.values(SECRETS)) assert.ok(!html.includes(value), "values are masked until revealed");
    await page.getByRole("link", { name: "Reveal the value of STRIPE_KEY" }).click();
    await page.getByText(SECRETS.STRIPE_KEY).waitFor();
    await shot("secrets");
  });

  suite.step("adds a Qovery connection, checked against the simulator", async () => {
    const { page } = state;
    await page.getByRole("link", { name: "Integrations" }).click();
    await page.getByRole("link", { name: "App Connections" }).click();
    await page.getByText("No Qovery connection yet.").waitFor();
    await page.getByLabel("Name", { exact: true }).fill("local-simulator");
    await page.getByLabel("Qovery API token").fill("qov_not_a_valid_token");
    await page.getByRole("button", { name: "Save connection" }).click();
    await page.getByText("Failed to validate Qovery credentials").waitFor();
    assert.equal(await page.getByLabel("Name", { exact: true }).inputValue(), "local-simulator", "the typed name survives the refusal");
    await page.getByLabel("Qovery API token").fill(SIMULATOR_TOKEN);
    await page.getByRole("button", { name: "Save connection" }).click();
    await page.waitForURL(/notice=connection-created/);
    await page.getByRole("rowheader", { name: /local-simulator/ }).waitFor();
  });

  suite.step("walks every step of the Add Sync wizard, and the simulator receives the secrets", async () => {
    const { page } = state;
    const summary = await simulator("");
    const backend = summary.projects.find((p) => p.name === "backend");
    state.qoveryEnvironmentId = backend.environments.find((e) => e.name === "staging").id;

    await page.getByRole("link", { name: "Secret Syncs" }).click();
    await page.getByText("No secret syncs yet.").waitFor();
    await shot("wizard-1-add-sync");
    await page.getByRole("link", { name: "Add Sync" }).click();

    await page.getByRole("heading", { name: "Select a destination" }).waitFor();
    await shot("wizard-2-select-qovery");
    await page.getByRole("link", { name: /Qovery/ }).click();

    await page.getByRole("heading", { name: "Configure source" }).waitFor();
    await page.getByLabel("Environment", { exact: true }).selectOption("dev");
    await page.getByLabel("Secret Path").fill("/nowhere");
    await page.getByRole("button", { name: "Continue" }).click();
    // The sync service's own refusal (the console asks the service, as the API does).
    await page.getByText('Could not find folder with path "/nowhere" in environment "dev"').waitFor();
    assert.equal(await page.getByLabel("Secret Path").inputValue(), "/nowhere", "the typed path survives the refusal");
    await page.getByLabel("Secret Path").fill("/app");
    await page.getByText("check out secret imports").waitFor();
    await shot("wizard-3-source");
    await page.getByRole("button", { name: "Continue" }).click();

    await page.getByRole("heading", { name: "Configure destination" }).waitFor();
    assert.equal(await page.locator("select[name=connectionId] option:checked").textContent(), "local-simulator");
    assert.equal(await page.locator("select[name=organizationId] option:checked").textContent(), "Simulated organization");
    await page.getByLabel("Project", { exact: true }).selectOption({ label: "backend" });
    // The script asks the connection's option endpoint for the project's environments.
    await page.locator("select[name=qoveryEnvironmentId] option", { hasText: "staging" }).waitFor({ state: "attached" });
    await page.getByLabel("Environment (optional)").selectOption({ label: "staging" });
    await shot("wizard-4-destination");
    await page.getByRole("button", { name: "Continue" }).click();

    await page.getByRole("heading", { name: "Configure initial sync behavior" }).waitFor();
    assert.ok(await page.getByLabel(/Overwrite Qovery/).isChecked());
    await page.getByText("the Qovery API never returns secret values").waitFor();
    await shot("wizard-5-initial-sync");
    await page.getByRole("button", { name: "Continue" }).click();

    await page.getByRole("heading", { name: "Configure sync options" }).waitFor();
    assert.ok(!(await page.getByLabel("Disable secret deletion").isChecked()));
    assert.ok(await page.getByLabel("Auto-sync on changes").isChecked());
    await page.getByLabel("Key prefix").fill(KEY_PREFIX);
    await page.locator("[data-key-preview-output]", { hasText: `${KEY_PREFIX}DATABASE_URL` }).waitFor();
    await page.getByText("We highly recommend customizing key names").waitFor();
    await shot("wizard-6-sync-options");
    await page.getByRole("button", { name: "Continue" }).click();

    await page.getByRole("heading", { name: "Configure details" }).waitFor();
    const name = page.getByLabel("Name", { exact: true });
    await name.pressSequentially("Shop Sync");
    await page.getByText("Only lowercase letters, numbers and hyphens are allowed").waitFor();
    await name.fill("");
    await name.pressSequentially("shop-to-qovery");
    await page.getByText("This name is valid.").waitFor();
    await page.getByLabel("Description (optional)").fill("The shop's secrets, for the backend's staging environment");
    await shot("wizard-7-details");
    await page.getByRole("button", { name: "Continue" }).click();

    await page.getByRole("heading", { name: "Review and create" }).waitFor();
    for (const text of ["/app", "local-simulator", "backend", "staging", `${KEY_PREFIX}{{secretKey}}`, "shop-to-qovery"]) await page.getByText(text, { exact: true }).first().waitFor();
    await shot("wizard-8-review");
    await page.getByRole("button", { name: "Create Sync" }).click();

    await page.getByRole("alertdialog").getByText("is the source of truth for synced destinations").waitFor();
    await shot("wizard-9-confirm");
    await page.getByRole("button", { name: "I Understand" }).click();

    await page.waitForURL(/\/secret-syncs\/[^/]+\?notice=sync-created$/);
    state.syncUrl = new URL(page.url()).pathname;
    await page.getByText("Sync created.").waitFor();
    await waitForSettledRun(page);
    await page.locator("[data-sync-badge]", { hasText: "Succeeded" }).waitFor();
    await shot("wizard-10-created");

    assert.deepEqual(await qoveryValues(), Object.fromEntries(Object.entries(SECRETS).map(([k, v]) => [`${KEY_PREFIX}${k}`, v])));
  });

  suite.step("changes a secret, previews the plan, syncs now and finds the run in the history", async () => {
    const { page } = state;
    await page.goto(`${apiUrl}${state.projectUrl}/secrets/dev?path=%2Fapp`);
    await page.getByRole("link", { name: "Edit STRIPE_KEY" }).click();
    await page.locator("#edit-value").fill("sk_test_e2e_2");
    await page.getByRole("button", { name: "Save" }).click();
    await page.waitForURL(/notice=secret-updated/);

    await page.goto(`${apiUrl}${state.syncUrl}`);
    await page.getByRole("link", { name: "Preview plan" }).click();
    await page.getByRole("heading", { name: "Plan for shop-to-qovery" }).waitFor();
    const row = page.getByRole("row", { name: new RegExp(`${KEY_PREFIX}STRIPE_KEY`) });
    await row.getByText("update").waitFor();
    assert.ok(!(await page.content()).includes("sk_test_e2e_2"), "the plan shows keys, never values");
    await shot("sync-plan");

    await page.getByRole("button", { name: "Sync now" }).click();
    await page.waitForURL(/notice=run-queued/);
    await waitForSettledRun(page);
    await page.getByRole("cell", { name: /Sync \(manual\)/ }).waitFor();
    const manualRun = page.getByRole("row", { name: /Sync \(manual\)/ });
    await manualRun.getByText("Succeeded").waitFor();
    await manualRun.getByText("Per-key outcomes").click();
    await manualRun.getByText(`${KEY_PREFIX}STRIPE_KEY`).waitFor();
    await shot("sync-detail");
    assert.equal((await qoveryValues())[`${KEY_PREFIX}STRIPE_KEY`], "sk_test_e2e_2");
  });

  suite.step("reads on a phone-sized screen without sideways scrolling", async () => {
    const { page } = state;
    await page.setViewportSize(PHONE);
    for (const path of [state.syncUrl, `${state.projectUrl}/secrets/dev?path=%2Fapp`, `${state.projectUrl}/integrations/secret-syncs/new/qovery`]) {
      await page.goto(`${apiUrl}${path}`);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert.ok(overflow <= 1, `${path} scrolls sideways by ${overflow}px on a phone`);
    }
    await page.goto(`${apiUrl}${state.syncUrl}`);
    await shot("phone-sync-detail");
  });

  suite.step("ran without script errors or CSP violations", async () => {
    assert.deepEqual(state.problems, []);
  });

  return state;
}
