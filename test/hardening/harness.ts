/**
 * The hostile-input suite's one check: a hostile request gets exactly the expected status and message, the service
 * answers a normal request right after it, and nothing stored changed: neither a row the project holds (audit entries
 * and change events included) nor the number of rows of any table.
 */
import { env } from "cloudflare:workers";
import { expect } from "vitest";
import type { ApiResponse } from "../helpers/api";
import { listSecrets } from "../helpers/store";

const PROJECT_ROWS = [
  "SELECT * FROM projects WHERE id = ?1",
  "SELECT * FROM environments WHERE project_id = ?1 ORDER BY id",
  "SELECT * FROM folders WHERE project_id = ?1 ORDER BY id",
  "SELECT * FROM secrets WHERE project_id = ?1 ORDER BY id",
  "SELECT * FROM secret_imports WHERE project_id = ?1 ORDER BY id",
  "SELECT * FROM secret_syncs WHERE project_id = ?1 ORDER BY id",
  "SELECT * FROM sync_runs WHERE sync_id IN (SELECT id FROM secret_syncs WHERE project_id = ?1) ORDER BY id",
  "SELECT * FROM app_connections WHERE project_id = ?1 ORDER BY id",
  "SELECT * FROM webhook_endpoints WHERE project_id = ?1 ORDER BY id",
  "SELECT * FROM webhook_receipts WHERE endpoint_id IN (SELECT id FROM webhook_endpoints WHERE project_id = ?1) ORDER BY message_id",
  "SELECT * FROM change_events WHERE project_id = ?1 ORDER BY rowid",
  "SELECT * FROM audit_logs WHERE project_id = ?1 ORDER BY rowid",
];

/** Every stored row that belongs to the project, table by table, and the row count of every table (for creations elsewhere). */
export async function projectState(projectId: string) {
  const { results: tables } = await env.DB.prepare(
    `SELECT name FROM sqlite_master
     WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name NOT LIKE 'd1_%' ORDER BY name`,
  ).all<{ name: string }>();
  const statements = [
    ...PROJECT_ROWS.map((sql) => env.DB.prepare(sql).bind(projectId)),
    ...tables.map(({ name }) => env.DB.prepare(`SELECT '${name}' AS name, count(*) AS count FROM "${name}"`)),
  ];
  return (await env.DB.batch(statements)).map((r) => r.results);
}

/** The API's answer is exactly `status` with `message` in Infisical's error envelope. */
export function expectRefusal(res: Pick<ApiResponse, "status" | "body">, status: number, message: string) {
  const answered = { status: res.status, statusCode: res.body?.statusCode, message: res.body?.message };
  expect(answered).toEqual({ status, statusCode: status, message });
}

/**
 * Runs `hostile` (which sends the hostile request and checks how it was refused), then `normal` (by default: list
 * the project's dev secrets at `/`, which must succeed), and checks the project's stored rows are exactly as before.
 */
export async function expectNoEffect(
  projectId: string,
  hostile: () => Promise<unknown>,
  normal: () => Promise<unknown> = () => listSecrets(projectId),
) {
  const before = await projectState(projectId);
  await hostile();
  await normal();
  expect(await projectState(projectId)).toEqual(before);
}
