/**
 * Request pieces shared by the secret-store routes: Infisical's many spellings of the same selector and flags, and
 * opening the store as the caller (the store checks what the caller may do).
 */
import type { Context } from "hono";
import { z } from "zod";
import type { AppEnv } from "../env";
import { badRequest, notFound } from "../lib/errors";
import { resolveProjectId, type StoreContext } from "../store/context";
import { autoSyncingStore } from "../triggers/auto-sync";
import { booleanString } from "../lib/schemas";

const optionalId = z.string().trim().min(1).optional();

/**
 * The project, however the client names it: `projectId` (v4, v2), `workspaceId` (v3, v1), or a slug (older v3
 * clients). Unknown fields are stripped by zod, so extra selectors never fail a request.
 */
export const projectSelector = { projectId: optionalId, workspaceId: optionalId, workspaceSlug: optionalId, projectSlug: optionalId };

export type ProjectSelector = z.output<z.ZodObject<typeof projectSelector>>;

/** An optional strict boolean ("true"/"false" only, else 422). */
export const flag = (name: string) => booleanString(name).optional();

/** Infisical's folder `recursive` is lenient: only "true" and "1" mean yes. */
export const lenientFlag = z
  .string()
  .optional()
  .transform((v) => v === "true" || v === "1");

/** A store context acting as the request's caller, its audit records carrying the request id. */
export const storeFor = (c: Context<AppEnv>): StoreContext => autoSyncingStore(c.env, c.get("actor"), c.get("reqId"));

/** `storeFor`, with the project the request names however it spells it. */
export async function openStore(c: Context<AppEnv>, selector: ProjectSelector): Promise<{ ctx: StoreContext; projectId: string }> {
  const ctx = storeFor(c);
  const projectId = await resolveProjectId(ctx.db, {
    projectId: selector.projectId ?? selector.workspaceId,
    projectSlug: selector.projectSlug ?? selector.workspaceSlug,
  });
  return { ctx, projectId };
}

/**
 * We have no user sessions, so no personal secrets (Infisical only lets users create them), and no tags.
 * Both are refused up front rather than silently dropped.
 */
export function requireSupportedSecretWrite(input: { type?: "shared" | "personal"; tagIds?: string[] }) {
  if (input.type === "personal") {
    throw badRequest("Personal secrets are not supported: this server has no user sessions (Infisical: \"Must be user to create personal secret\"). Use type \"shared\".");
  }
  if (input.tagIds?.length) throw notFound("Tag not found: this server does not support secret tags");
}
