/** Every row of every table, so a test can show that a refused request changed nothing that is stored. */
import { env } from "cloudflare:workers";

const INTERNAL_TABLE = /^(sqlite_|_cf_|d1_migrations$)/;

export async function storedRows(except: string[] = []): Promise<Record<string, unknown[]>> {
  const tables = await env.DB.prepare("select name from sqlite_master where type = 'table' order by name").all<{ name: string }>();
  const rows: Record<string, unknown[]> = {};
  for (const { name } of tables.results) {
    if (INTERNAL_TABLE.test(name) || except.includes(name)) continue;
    rows[name] = (await env.DB.prepare(`select * from "${name}" order by rowid`).all()).results;
  }
  return rows;
}
