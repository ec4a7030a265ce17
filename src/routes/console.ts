/**
 * The web console: server-rendered pages at `/`, signed in through Cloudflare Access or with a token. Only the console's
 * own paths get its middleware (strict CSP, session, CSRF), so the API around it is unaffected.
 */
import { Hono } from "hono";
import type { AppEnv } from "../env";
import { serveAsset } from "../console/assets";
import type { ConsoleEnv } from "../console/context";
import { consoleSecurityHeaders, requireCsrf, requireSignedIn } from "../console/middleware";
import * as access from "../console/pages/access";
import * as connections from "../console/pages/connections";
import { renderConsoleError } from "../console/pages/errors";
import * as projects from "../console/pages/projects";
import * as secrets from "../console/pages/secrets";
import * as sessions from "../console/pages/sessions";
import * as signIn from "../console/pages/sign-in";
import * as detail from "../console/pages/sync-detail";
import * as manage from "../console/pages/sync-manage";
import * as wizard from "../console/pages/sync-wizard";
import { syncsPage } from "../console/pages/syncs";
import { SIGN_OUT_EVERYWHERE_URL } from "../console/urls";
import { notFound } from "../lib/errors";

const PUBLIC_PAGES = ["/", "/sign-in", "/sign-out"];
const SIGNED_IN_PAGES = ["/projects", "/projects/*", SIGN_OUT_EVERYWHERE_URL];
const PROJECT = "/projects/:projectId";
const CONNECTION = `${PROJECT}/integrations/app-connections/:connectionId`;
const SYNCS = `${PROJECT}/integrations/secret-syncs`;
const SYNC = `${SYNCS}/:syncId`;
const ACCESS = `${PROJECT}/access`;

export function registerConsoleRoutes(app: Hono<AppEnv>) {
  const ui = new Hono<ConsoleEnv>();
  ui.onError(renderConsoleError);

  ui.get("/assets/:file", serveAsset);
  for (const path of [...PUBLIC_PAGES, ...SIGNED_IN_PAGES]) ui.use(path, ...consoleSecurityHeaders);
  for (const path of SIGNED_IN_PAGES) ui.use(path, requireSignedIn);
  ui.on("POST", ["/sign-in", ...SIGNED_IN_PAGES], requireCsrf);

  ui.get("/", signIn.home);
  ui.get("/sign-in", signIn.showSignIn);
  ui.post("/sign-in", signIn.signIn);
  ui.post("/sign-out", signIn.signOut);
  ui.get(SIGN_OUT_EVERYWHERE_URL, sessions.signOutEverywherePage);
  ui.post(SIGN_OUT_EVERYWHERE_URL, sessions.signOutEverywhere);

  ui.get("/projects", projects.listProjectsPage);
  ui.post("/projects", projects.createProject);
  ui.get(PROJECT, projects.projectHome);

  ui.get(`${PROJECT}/secrets/:environment`, secrets.secretsPage);
  ui.post(`${PROJECT}/secrets/:environment/create`, secrets.createSecret);
  ui.post(`${PROJECT}/secrets/:environment/update`, secrets.updateSecret);
  ui.post(`${PROJECT}/secrets/:environment/delete`, secrets.deleteSecret);
  ui.post(`${PROJECT}/secrets/:environment/create-folder`, secrets.createFolderAction);

  ui.get(`${PROJECT}/integrations`, (c) => c.redirect(`${c.req.path}/secret-syncs`, 303));
  ui.get(`${PROJECT}/integrations/app-connections`, connections.connectionsPage);
  ui.post(`${PROJECT}/integrations/app-connections`, connections.createConnection);
  ui.get(CONNECTION, connections.connectionPage);
  ui.post(`${CONNECTION}/allowed-destinations`, connections.saveAllowedDestinations);
  ui.post(`${CONNECTION}/delete`, connections.deleteConnection);
  ui.get(`${CONNECTION}/organizations`, connections.organizationOptions);
  ui.get(`${CONNECTION}/organizations/:organizationId/projects`, connections.projectOptions);
  ui.get(`${CONNECTION}/qovery-projects/:qoveryProjectId/environments`, connections.environmentOptions);

  ui.get(SYNCS, syncsPage);
  // Before `:syncId`, which would otherwise take "new" for an id.
  ui.get(`${SYNCS}/new`, wizard.chooseDestination);
  ui.get(`${SYNCS}/new/qovery`, wizard.startWizard);
  ui.post(`${SYNCS}/new/qovery`, wizard.advanceWizard);
  ui.get(SYNC, detail.syncPage);
  ui.get(`${SYNC}/status`, detail.syncStatus);
  ui.get(`${SYNC}/plan`, detail.planPage);
  ui.post(`${SYNC}/sync`, detail.syncNow);
  ui.post(`${SYNC}/remove-secrets`, detail.removeSecrets);
  ui.get(`${SYNC}/edit`, manage.editSyncPage);
  ui.post(`${SYNC}/edit`, manage.saveSync);
  ui.get(`${SYNC}/delete`, manage.deleteSyncPage);
  ui.post(`${SYNC}/delete`, manage.deleteSync);

  ui.get(ACCESS, access.accessHome);
  ui.get(`${ACCESS}/members`, access.membersPage);
  ui.post(`${ACCESS}/members`, access.addMembersAction);
  ui.post(`${ACCESS}/members/:membershipId/role`, access.changeMemberRole);
  ui.post(`${ACCESS}/members/:membershipId/remove`, access.removeMember);
  ui.get(`${ACCESS}/roles`, access.rolesPage);
  ui.post(`${ACCESS}/roles`, access.createRoleAction);
  ui.get(`${ACCESS}/roles/:roleId`, access.rolePage);
  ui.post(`${ACCESS}/roles/:roleId`, access.saveRole);
  ui.post(`${ACCESS}/roles/:roleId/delete`, access.deleteRoleAction);
  ui.get(`${ACCESS}/permissions`, access.permissionsPage);

  ui.all("/projects/*", (c) => {
    throw notFound(`There is no console page at ${c.req.path}`);
  });

  app.route("/", ui);
}
