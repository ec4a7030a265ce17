/** Credentials with roles and rules, people and memberships, created through the API as a client would. */
import { expect } from "vitest";
import { api, unique } from "./api";

/** An API token with any grant (scopes, role, permissions), created by `as` (default: the admin token). */
export async function grantToken(grant: Record<string, unknown>, projectId?: string, as?: string) {
  const res = await api.post("/api/v1/api-tokens", { name: unique("token"), projectId, ...grant }, { token: as });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as { token: string; apiToken: { id: string; role: string | null; permissions: unknown[]; scopes: string[] } };
}

/** A machine identity with any grant, logged in: its access token acts as it. */
export async function grantIdentity(grant: Record<string, unknown>, projectId?: string) {
  const created = await api.post("/api/v1/identities", { name: unique("identity"), projectId, ...grant });
  expect(created.status, JSON.stringify(created.body)).toBe(200);
  const identity = created.body.identity;
  const secret = await api.post(`/api/v1/identities/${identity.id}/client-secrets`, {});
  expect(secret.status).toBe(200);
  const login = await api.post(
    "/api/v1/auth/universal-auth/login",
    { clientId: identity.clientId, clientSecret: secret.body.clientSecret },
    { token: null, headers: { "cf-connecting-ip": `198.51.100.${Math.floor(Math.random() * 250)}` } },
  );
  expect(login.status).toBe(200);
  return { identity, accessToken: login.body.accessToken as string };
}

export async function createRole(projectId: string, permissions: unknown[], slug = unique("role"), as?: string) {
  const res = await api.post(`/api/v1/projects/${projectId}/roles`, { slug, name: `Role ${slug}`, permissions }, { token: as });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.role as { id: string; slug: string; permissions: unknown[] };
}

export async function addMember(projectId: string, email: string, role = "member") {
  const res = await api.post(`/api/v1/projects/${projectId}/memberships`, { emails: [email], roleSlugs: [role] });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.memberships[0] as { id: string; userId: string; role: string };
}

/** The caller's effective rules in a project, through the API. */
export const permissionsOf = (projectId: string, token?: string | null, headers?: Record<string, string>) =>
  api.get(`/api/v1/projects/${projectId}/permissions`, { token, headers });
