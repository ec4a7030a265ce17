/**
 * What a store operation runs with: the database, the key ring, who is acting (every operation checks the actor's
 * rules itself), the request id its audit record carries, and the hook its committed changes are handed to.
 */
import { eq } from "drizzle-orm";
import type { Actor } from "../access/actor";
import type { Db } from "../db/client";
import { projects } from "../db/schema";
import type { KeyRing } from "../lib/crypto";
import { badRequest, notFound } from "../lib/errors";
import type { ChangeEvent } from "./changes";

export interface StoreContext {
  db: Db;
  /** loaded on first use only, so operations that never touch a value (folders, imports) work without a key */
  keyRing: () => Promise<KeyRing>;
  actor: Actor;
  requestId: string | null;
  /** called once after each committed write that changed something, with its events */
  onChanged: (events: readonly ChangeEvent[]) => Promise<void>;
}

/** Infisical lets older clients name the project by slug instead of id. */
export async function resolveProjectId(db: Db, selector: { projectId?: string; projectSlug?: string }): Promise<string> {
  if (selector.projectId) return selector.projectId;
  if (!selector.projectSlug) throw badRequest("You must provide projectId or workspaceId (or projectSlug / workspaceSlug)");
  const row = await db.select({ id: projects.id }).from(projects).where(eq(projects.slug, selector.projectSlug)).get();
  if (!row) throw notFound(`Project with slug '${selector.projectSlug}' not found`);
  return row.id;
}
