/** Every console URL in one place, so pages, redirects and the routes agree. */
import { ROOT_PATH } from "../store/paths";
import type { NoticeCode } from "./notices";

const withQuery = (path: string, query: Record<string, string | undefined>) => {
  const params = new URLSearchParams(Object.entries(query).filter((entry): entry is [string, string] => !!entry[1]));
  const text = params.toString();
  return text ? `${path}?${text}` : path;
};

const enc = encodeURIComponent;

/** Where to go after signing in: only a path on this site, never another origin. */
export function safeNextPath(next: string | undefined): string | undefined {
  return next && next.startsWith("/") && !next.startsWith("//") && !next.startsWith("/\\") ? next : undefined;
}

export const signInUrl = (reason?: "expired" | "revoked" | "signed-out", next?: string) => withQuery("/sign-in", { reason, next: safeNextPath(next) });

export const projectsUrl = (notice?: NoticeCode) => withQuery("/projects", { notice });
const projectUrl = (projectId: string) => `/projects/${enc(projectId)}`;

export const secretsUrl = (projectId: string, environment: string, path = ROOT_PATH, extra: { notice?: NoticeCode; reveal?: string; edit?: string } = {}) =>
  withQuery(`${projectUrl(projectId)}/secrets/${enc(environment)}`, { path: path === ROOT_PATH ? undefined : path, ...extra });
export const secretActionUrl = (projectId: string, environment: string, action: "create" | "update" | "delete" | "create-folder") =>
  `${projectUrl(projectId)}/secrets/${enc(environment)}/${action}`;

export const connectionsUrl = (projectId: string, notice?: NoticeCode) => withQuery(`${projectUrl(projectId)}/integrations/app-connections`, { notice });
export const connectionUrl = (projectId: string, connectionId: string) => `${projectUrl(projectId)}/integrations/app-connections/${enc(connectionId)}`;

/** The option lists behind the destination dropdowns, as templates the script fills in. */
export const destinationOptionUrls = (projectId: string) => {
  const base = `${projectUrl(projectId)}/integrations/app-connections/{connection}`;
  return {
    organizations: `${base}/organizations`,
    projects: `${base}/organizations/{organization}/projects`,
    environments: `${base}/qovery-projects/{project}/environments`,
  };
};

export const syncsUrl = (projectId: string, notice?: NoticeCode) => withQuery(`${projectUrl(projectId)}/integrations/secret-syncs`, { notice });
export const newSyncUrl = (projectId: string) => `${projectUrl(projectId)}/integrations/secret-syncs/new`;
export const wizardUrl = (projectId: string) => `${newSyncUrl(projectId)}/qovery`;
export const syncUrl = (projectId: string, syncId: string, notice?: NoticeCode) => withQuery(`${projectUrl(projectId)}/integrations/secret-syncs/${enc(syncId)}`, { notice });
export const syncPageUrl = (projectId: string, syncId: string, page: "plan" | "edit" | "delete" | "status" | "sync" | "remove-secrets") =>
  `${projectUrl(projectId)}/integrations/secret-syncs/${enc(syncId)}/${page}`;
