/** Every console URL in one place, so pages, redirects and the routes agree. */
import { MAX_NEXT_LENGTH } from "../lib/limits";
import { ROOT_PATH } from "../store/paths";
import type { ConsoleContext } from "./context";
import type { NoticeCode } from "./notices";

const withQuery = (path: string, query: Record<string, string | undefined>) => {
  const params = new URLSearchParams(Object.entries(query).filter((entry): entry is [string, string] => !!entry[1]));
  const text = params.toString();
  return text ? `${path}?${text}` : path;
};

const enc = encodeURIComponent;

// Control characters (browsers drop tabs and newlines, so "/\t/evil.example" is read as "//evil.example"; CR/LF would
// also split the Location header) and backslashes (read as slashes).
const UNSAFE_IN_NEXT = /[\u0000-\u001f\u007f-\u009f\\]/;

/**
 * Where to go after signing in: a path on this site, or nothing. `next` is resolved against the site's own origin, as
 * a browser resolves a Location header, and kept only if that origin is unchanged; what is returned is the resolved
 * path, so the Location header carries exactly what was checked.
 */
export function safeNextPath(next: string | undefined, origin: string): string | undefined {
  if (!next || next.length > MAX_NEXT_LENGTH || UNSAFE_IN_NEXT.test(next)) return undefined;
  let url: URL;
  try {
    url = new URL(next, origin);
  } catch {
    return undefined;
  }
  if (url.origin !== origin) return undefined;
  const path = `${url.pathname}${url.search}${url.hash}`;
  // e.g. "/..//evil.example" resolves to the path "//evil.example", which a browser reads as another host.
  return path.startsWith("//") ? undefined : path;
}

/** `safeNextPath` against the origin this request came to. */
export const nextPathFor = (c: ConsoleContext, next: string | undefined) => safeNextPath(next, new URL(c.req.url).origin);

export type SignInReason = "expired" | "revoked" | "signed-out" | "signed-out-everywhere";

/** The sign-in page; `next` must already be a safe path (`safeNextPath`). */
export const signInUrl = (reason?: SignInReason, next?: string) => withQuery("/sign-in", { reason, next });
export const SIGN_OUT_EVERYWHERE_URL = "/sign-out-everywhere";

export const projectsUrl = (notice?: NoticeCode) => withQuery("/projects", { notice });
const projectUrl = (projectId: string) => `/projects/${enc(projectId)}`;

export const secretsUrl = (projectId: string, environment: string, path = ROOT_PATH, extra: { notice?: NoticeCode; reveal?: string; edit?: string } = {}) =>
  withQuery(`${projectUrl(projectId)}/secrets/${enc(environment)}`, { path: path === ROOT_PATH ? undefined : path, ...extra });
export const secretActionUrl = (projectId: string, environment: string, action: "create" | "update" | "delete" | "create-folder") =>
  `${projectUrl(projectId)}/secrets/${enc(environment)}/${action}`;

export const connectionsUrl = (projectId: string, notice?: NoticeCode) => withQuery(`${projectUrl(projectId)}/integrations/app-connections`, { notice });
export const connectionUrl = (projectId: string, connectionId: string, notice?: NoticeCode) =>
  withQuery(`${projectUrl(projectId)}/integrations/app-connections/${enc(connectionId)}`, { notice });

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

/** A project's access pages: its members, its roles, and what the signed-in caller may do there. */
export type AccessPage = "members" | "roles" | "permissions";
/** Without a page: the section's landing page, the first one the caller may see. */
export const accessUrl = (projectId: string, page?: AccessPage, notice?: NoticeCode) =>
  withQuery(`${projectUrl(projectId)}/access${page ? `/${page}` : ""}`, { notice });
export const memberActionUrl = (projectId: string, membershipId: string, action: "role" | "remove") => `${projectUrl(projectId)}/access/members/${enc(membershipId)}/${action}`;
export const roleUrl = (projectId: string, roleId: string, action?: "delete") => `${projectUrl(projectId)}/access/roles/${enc(roleId)}${action ? `/${action}` : ""}`;
