import { z } from "zod";

export const SCOPES = [
  "projects:read",
  "projects:write",
  "secrets:read",
  "secrets:write",
  "connections:read",
  "connections:write",
  "syncs:read",
  "syncs:write",
  "syncs:trigger",
  "audit:read",
  "webhooks:read",
  "webhooks:write",
  "admin",
] as const;

export type Scope = (typeof SCOPES)[number];

const scopeList = (min: number) =>
  z
    .array(z.enum(SCOPES, { error: `scope must be one of: ${SCOPES.join(", ")}` }))
    .min(min, "at least one scope is required")
    .max(SCOPES.length, `scopes can list at most ${SCOPES.length} scopes`)
    .transform((s) => [...new Set(s)].sort());

export const scopesSchema = scopeList(1);
/** In an update, an empty list takes every scope away (a role or permissions must then remain). */
export const scopesUpdateSchema = scopeList(0);

/** Scopes a granted scope also confers: write implies read, syncs:write implies triggering, admin implies all. */
const IMPLIED: Partial<Record<Scope, Scope[]>> = {
  "projects:write": ["projects:read"],
  "secrets:write": ["secrets:read"],
  "connections:write": ["connections:read"],
  "syncs:write": ["syncs:read", "syncs:trigger"],
  "syncs:trigger": ["syncs:read"],
  "webhooks:write": ["webhooks:read"],
  admin: [...SCOPES],
};

/** Every credential may read the metadata (name, environments) of the projects it can reach. */
export function expandScopes(granted: readonly Scope[]): ReadonlySet<Scope> {
  const out = new Set<Scope>(["projects:read"]);
  const visit = (s: Scope) => {
    if (out.has(s)) return;
    out.add(s);
    IMPLIED[s]?.forEach(visit);
  };
  granted.forEach(visit);
  return out;
}
