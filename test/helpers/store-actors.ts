/**
 * Calling the store's services directly as an actor with exactly the rules a test names, and reading back what they
 * recorded: the audit rows of one request id, and the statements each D1 batch carried.
 */
import { env } from "cloudflare:workers";
import { credentialActor, type Actor } from "../../src/access/actor";
import { organizationRulesSchema, projectRulesSchema } from "../../src/access/rules";
import type { StoreContext } from "../../src/store/context";
import { autoSyncingStore } from "../../src/triggers/auto-sync";
import { unique } from "./api";

/** An API-token actor bound to `projectId` (or to none, with `organization` rules) holding exactly `rules`. */
export function actorWith(rules: unknown[], projectId: string | null, organization: unknown[] = []): Actor {
  return credentialActor({
    kind: "api-token",
    id: unique("actor"),
    name: unique("ci"),
    projectId,
    rules: { project: projectRulesSchema.parse(rules), organization: organizationRulesSchema.parse(organization) },
  });
}

/** A store context for `actor` whose audit records carry a fresh request id (returned with it). */
export function storeAs(actor: Actor, bindings: Partial<Env> = {}): StoreContext & { requestId: string } {
  const requestId = unique("req");
  return { ...autoSyncingStore({ ...env, ...bindings }, actor, requestId), requestId };
}

export interface AuditRow {
  action: string;
  project_id: string | null;
  actor_type: string;
  actor_id: string;
  actor_name: string;
  target_type: string;
  target_id: string | null;
  metadata: Record<string, unknown>;
}

/** The audit rows written under one request id. */
export async function auditRowsOf(requestId: string): Promise<AuditRow[]> {
  const query = env.DB.prepare("SELECT * FROM audit_logs WHERE request_id = ? ORDER BY rowid").bind(requestId);
  const { results } = await query.all<Record<string, unknown>>();
  return results.map(({ metadata_json, ...row }) => ({ ...(row as unknown as AuditRow), metadata: JSON.parse(String(metadata_json)) }));
}

/** A D1 binding that records the SQL of every statement of every batch run through it. */
export function batchRecordingD1(d1: D1Database) {
  const batches: string[][] = [];
  const db = new Proxy(d1, {
    get(target, property) {
      if (property === "batch") {
        return (statements: D1PreparedStatement[]) => {
          // workerd's prepared statements keep their SQL in a public `statement` field.
          batches.push(statements.map((s) => (s as unknown as { statement: string }).statement));
          return target.batch(statements);
        };
      }
      const value = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { db, batches };
}
