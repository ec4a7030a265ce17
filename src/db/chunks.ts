/**
 * D1 binds at most 100 parameters per statement, so a condition over a list and an insert of many rows are split
 * into statements that each stay within it. The statements of one operation go in one `db.batch`: one round trip,
 * one consistent read, and for writes one transaction.
 */
import { getTableColumns } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";
import type { Db } from "./client";

/** D1's documented limit of bound parameters per statement (also per statement inside a batch). */
export const D1_MAX_BOUND_PARAMETERS = 100;

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** How many list items fit in a statement that binds `otherParameters` besides them, each item binding `parametersPerItem`. */
export function itemsPerStatement(otherParameters: number, parametersPerItem = 1): number {
  const size = Math.floor((D1_MAX_BOUND_PARAMETERS - otherParameters) / parametersPerItem);
  if (size < 1) throw new Error(`${otherParameters} + ${parametersPerItem} parameters cannot stay within D1's ${D1_MAX_BOUND_PARAMETERS}`);
  return size;
}

/** Rows per multi-row insert into `table`: each row binds (at most) one parameter per column. */
export function rowsPerInsert(table: SQLiteTable): number {
  return itemsPerStatement(0, Object.keys(getTableColumns(table)).length);
}

/** One select per chunk of `items`, all in one batch; their rows concatenated in chunk order. */
export async function selectInChunks<T, Row>(
  db: Db,
  items: readonly T[],
  perStatement: number,
  select: (part: T[]) => BatchItem<"sqlite"> & PromiseLike<Row[]>,
): Promise<Row[]> {
  const queries: BatchItem<"sqlite">[] = chunk(items, perStatement).map(select);
  if (!queries.length) return [];
  const results = (await db.batch(queries as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]])) as unknown as Row[][];
  return results.flat();
}
