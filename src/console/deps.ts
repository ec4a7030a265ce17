/** The service dependencies the API routes build, built the same way for the console. */
import { interactiveQoveryClients } from "../connections/qovery-access";
import type { ConnectionServiceDeps } from "../connections/service";
import { createDb } from "../db/client";
import { loadKeyRing } from "../lib/crypto";
import type { JobQueue } from "../queue/messages";
import type { StoreContext } from "../store/context";
import type { SyncServiceDeps } from "../syncs/service";
import { autoSyncingStore } from "../triggers/auto-sync";
import type { ConsoleContext } from "./context";

/** Acting as the signed-in caller: the services check their rules and audit in their name. */
export function connectionDeps(c: ConsoleContext): ConnectionServiceDeps {
  return {
    db: createDb(c.env.DB),
    keyRing: () => loadKeyRing(c.env.ENCRYPTION_KEY),
    qovery: interactiveQoveryClients(c.env.QOVERY_API_URL),
    actor: c.get("actor"),
    requestId: c.get("reqId"),
  };
}

export function syncDeps(c: ConsoleContext): SyncServiceDeps {
  return { ...connectionDeps(c), queue: c.env.SYNC_QUEUE as JobQueue };
}

/** A store context acting as the signed-in caller: the store checks their rules, attributes and audits their writes. */
export const storeAs = (c: ConsoleContext): StoreContext => autoSyncingStore(c.env, c.get("actor"), c.get("reqId"));

export const dbOf = (c: ConsoleContext) => createDb(c.env.DB);
