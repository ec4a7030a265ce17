/** What may still use an app connection; a connection in use cannot be deleted. */
import { count, eq } from "drizzle-orm";
import type { Db } from "../db/client";
import { secretSyncs } from "../db/schema";

export interface ConnectionDependent {
  /** what depends on the connection, plural, for messages (e.g. "secret syncs") */
  label: string;
  count(db: Db, connectionId: string): Promise<number>;
}

/**
 * `secret_syncs.connection_id` is also a restricting foreign key, so a sync created between this check and the
 * delete still blocks it; this check only turns that into a clear message.
 */
export const CONNECTION_DEPENDENTS: readonly ConnectionDependent[] = [
  {
    label: "secret syncs",
    count: async (db, connectionId) => (await db.select({ n: count() }).from(secretSyncs).where(eq(secretSyncs.connectionId, connectionId)).get())?.n ?? 0,
  },
];

export async function connectionIsInUse(db: Db, connectionId: string, dependents: readonly ConnectionDependent[] = CONNECTION_DEPENDENTS): Promise<boolean> {
  for (const dependent of dependents) {
    if ((await dependent.count(db, connectionId)) > 0) return true;
  }
  return false;
}
