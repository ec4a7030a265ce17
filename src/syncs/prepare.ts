/**
 * Gathers what a plan needs — the source (decrypted, imports merged, references expanded), the Qovery rows at the
 * destination and the ledgers — and plans. Shared by the runner and the dry-run `GET /:syncId/plan`. A source that
 * cannot be read as configured is a `SyncSourceError`; the store's own refusals (a read over its limits) stay its own.
 */
import type { Db } from "../db/client";
import type { KeyRing } from "../lib/crypto";
import type { QoveryClient } from "../qovery/client";
import type { QoveryVariableKind } from "../qovery/types";
import { readResolvedSecrets } from "../store/secret-reader";
import { FOLDER_MISSING, SyncSourceError } from "./errors";
import { fingerprintKeyOf, valueFingerprint } from "./fingerprint";
import { renderKey } from "./key-schema";
import { isAtTarget, planRemoval, planSync } from "./plan";
import { foreignLedgerAt, ledgerOfSync, type SyncRecord } from "./repository";
import { syncConfig, type SyncConfig } from "./sync-config";
import type { DesiredSecret, DestinationRow, DestinationTarget, LedgerEntry, Plan, RunKind } from "./types";

/** Both families at the target: the own kind to manage, the other kind to detect key collisions (shared namespace). */
export async function listDestination(qovery: QoveryClient, target: DestinationTarget): Promise<DestinationRow[]> {
  const kinds: QoveryVariableKind[] = target.kind === "secret" ? ["secret", "variable"] : ["variable", "secret"];
  const lists = await Promise.all(kinds.map((kind) => qovery.listVariables({ ...target, kind })));
  return lists.flatMap((rows, i) => rows.map((row) => ({ ...row, kind: kinds[i]! })));
}

/** The fingerprint is made with the key of the ledger's entry when there is one, so a key rotation changes nothing. */
async function desiredSecrets(
  db: Db,
  ring: KeyRing,
  record: SyncRecord,
  config: SyncConfig,
  ownLedger: LedgerEntry[],
): Promise<{ desired: DesiredSecret[]; dependencies: string[] }> {
  const { sync, environment } = record;
  if (!sync.folderId || !environment) throw new SyncSourceError(FOLDER_MISSING);
  const { secrets, dependencies } = await readResolvedSecrets(db, ring, { projectId: sync.projectId, environmentSlug: environment.slug, path: sync.secretPath });
  const ledgerHere = new Map(ownLedger.filter((e) => isAtTarget(e, config.target)).map((e) => [e.destinationKey, e]));
  const desired = await Promise.all(
    secrets.map(async (secret) => {
      const destinationKey = renderKey(config.options.keySchema, secret.key, environment.slug);
      const previous = ledgerHere.get(destinationKey);
      const keyId = (previous && fingerprintKeyOf(ring, previous.fingerprint)) ?? ring.primaryId;
      return {
        sourceKey: secret.key,
        destinationKey,
        value: secret.value,
        fingerprint: await valueFingerprint(ring, destinationKey, secret.value, keyId),
        unresolved: secret.unresolved.map((u) => ({ reference: u.reference, reason: u.reason })),
      };
    }),
  );
  return { desired, dependencies };
}

export interface PreparedPlan {
  plan: Plan;
  config: SyncConfig;
  /** the locations the source read from (null for removals, which do not read it) */
  dependencies: string[] | null;
}

export async function prepareSyncPlan(db: Db, ring: KeyRing, qovery: QoveryClient, record: SyncRecord, kind: RunKind): Promise<PreparedPlan> {
  const config = syncConfig(record);
  const ownLedger = await ledgerOfSync(db, record.sync.id);
  if (kind === "remove") {
    const rows = await listDestination(qovery, config.target);
    return { plan: planRemoval({ target: config.target, rows, ownLedger }), config, dependencies: null };
  }
  const { desired, dependencies } = await desiredSecrets(db, ring, record, config, ownLedger);
  const [rows, foreignLedger] = await Promise.all([listDestination(qovery, config.target), foreignLedgerAt(db, record.sync.id, config.target)]);
  const plan = planSync({
    syncId: record.sync.id,
    target: config.target,
    keySchema: config.options.keySchema,
    environmentSlug: record.environment!.slug,
    disableSecretDeletion: !!config.options.disableSecretDeletion,
    desired,
    rows,
    ownLedger,
    foreignLedger,
  });
  return { plan, config, dependencies };
}
