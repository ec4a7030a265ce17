/** What is stored, table by table, so a test can show that a refused request changed nothing. */
import { env } from "cloudflare:workers";

const INTERNAL_TABLE = /^(sqlite_|_cf_|d1_migrations$)/;

/** How to pick a project's rows out of each table that holds any (`?1` is the project id). */
const PROJECT_ROWS: Record<string, string> = {
  projects: "id = ?1",
  environments: "project_id = ?1",
  folders: "project_id = ?1",
  secrets: "project_id = ?1",
  secret_imports: "project_id = ?1",
  change_events: "project_id = ?1",
  audit_logs: "project_id = ?1",
  app_connections: "project_id = ?1",
  secret_syncs: "project_id = ?1",
  sync_runs: "sync_id IN (SELECT id FROM secret_syncs WHERE project_id = ?1)",
  sync_ledger: "sync_id IN (SELECT id FROM secret_syncs WHERE project_id = ?1)",
  webhook_endpoints: "project_id = ?1",
  webhook_receipts: "endpoint_id IN (SELECT id FROM webhook_endpoints WHERE project_id = ?1)",
  webhook_subscriptions: "project_id = ?1",
  webhook_deliveries: "subscription_id IN (SELECT id FROM webhook_subscriptions WHERE project_id = ?1)",
};

/** What a sync run writes: the sync's state, its run history and ledger, and the audit entry of a manual trigger. */
export const SYNC_RUN_TABLES = ["secret_syncs", "sync_runs", "sync_ledger", "audit_logs"];

export interface StoredRowsOptions {
  /** only this project's rows, and the row count of every table (which shows a row created anywhere else) */
  projectId?: string;
  /** tables the request under test may change */
  except?: string[];
}

/** What `storedRows` reads of one table. */
function readTable(name: string, projectId: string | undefined): D1PreparedStatement[] {
  if (projectId === undefined) return [env.DB.prepare(`SELECT * FROM "${name}" ORDER BY rowid`)];
  const count = env.DB.prepare(`SELECT count(*) AS count FROM "${name}"`);
  const where = PROJECT_ROWS[name];
  return where ? [count, env.DB.prepare(`SELECT * FROM "${name}" WHERE ${where} ORDER BY rowid`).bind(projectId)] : [count];
}

/**
 * Every row of every table (internal tables and `except` left out); with `projectId`, each table's row count followed
 * by the project's rows in it.
 */
export async function storedRows({ projectId, except = [] }: StoredRowsOptions = {}): Promise<Record<string, unknown[]>> {
  const { results } = await env.DB.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all<{ name: string }>();
  const tables = results.map((t) => t.name).filter((name) => !INTERNAL_TABLE.test(name) && !except.includes(name));
  const reads = tables.map((name) => readTable(name, projectId));
  const answers = await env.DB.batch(reads.flat());
  let next = 0;
  return Object.fromEntries(tables.map((name, i) => [name, reads[i]!.flatMap(() => answers[next++]!.results)]));
}
