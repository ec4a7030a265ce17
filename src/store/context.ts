/**
 * What a store operation runs with: the database, the Worker env (for the post-commit hook), who is acting (every
 * operation checks the actor's rules itself) and the request id its audit record carries.
 */
import { eq } from "drizzle-orm";
import type { Actor } from "../access/actor";
import { createDb, type Db } from "../db/client";
import { projects } from "../db/schema";
import { loadKeyRing, type KeyRing } from "../lib/crypto";
import { badRequest, notFound } from "../lib/errors";

export interface StoreContext {
  db: Db;
  env: Env;
  actor: Actor;
  requestId: string | null;
}

export function createStoreContext(env: Env, actor: Actor, requestId: string | null): StoreContext {
  return { db: createDb(env.DB), env, actor, requestId };
}

/** Loaded on first use only, so routes that never touch a value (folders, imports) work without a key. */
export const keyRingOf = (ctx: StoreContext): Promise<KeyRing> => loadKeyRing(ctx.env.ENCRYPTION_KEY);

/** Infisical lets older clients name the project by slug instead of id. */
export async function resolveProjectId(db: Db, selector: { projectId?: string; projectSlug?: string }): Promise<string> {
  if (selector.projectId) return selector.projectId;
  if (!selector.projectSlug) throw badRequest("You must provide projectId or workspaceId (or projectSlug / workspaceSlug)");
  const row = await db.select({ id: projects.id }).from(projects).where(eq(projects.slug, selector.projectSlug)).get();
  if (!row) throw notFound(`Project with slug '${selector.projectSlug}' not found`);
  return row.id;
}
