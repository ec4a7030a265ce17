/**
 * Holds every statement the suite runs to Cloudflare D1's documented per-statement limits, which the local D1 of
 * miniflare enforces only in part (it allows 2 MB+ values and long LIKE patterns, and its checks depend on the
 * workerd version). D1 applies the same limits to each statement inside a `batch()`, and documents no limit on the
 * number of statements in a batch; every batched statement is built through `prepare`/`bind`, so it is checked here.
 *
 * The limits are stated here on their own, not imported from `src/`, so that a change there cannot loosen the check.
 */

/** D1's documented limits per statement (platform limits page of D1). */
export const D1_LIMITS = {
  boundParameters: 100,
  statementBytes: 100_000,
  /** largest string or BLOB, and row */
  valueBytes: 2_000_000,
  likePatternBytes: 50,
} as const;

const byteLength = (value: string) => new TextEncoder().encode(value).byteLength;
const excerpt = (sql: string) => (sql.length > 160 ? `${sql.slice(0, 160)}…` : sql);

/** Why D1 would refuse this statement, or null when it is within every limit. */
export function d1LimitViolation(sql: string, params: readonly unknown[] = []): string | null {
  const exceeded = (what: string, limit: number) => `D1 limit exceeded: ${what} (D1 allows ${limit}) in: ${excerpt(sql)}`;
  const sqlBytes = byteLength(sql);
  if (sqlBytes > D1_LIMITS.statementBytes) return exceeded(`statement of ${sqlBytes} bytes`, D1_LIMITS.statementBytes);
  if (params.length > D1_LIMITS.boundParameters) return exceeded(`${params.length} bound parameters`, D1_LIMITS.boundParameters);
  for (const [i, value] of params.entries()) {
    const size = typeof value === "string" ? byteLength(value) : value instanceof ArrayBuffer || ArrayBuffer.isView(value) ? value.byteLength : 0;
    if (size > D1_LIMITS.valueBytes) return exceeded(`parameter ${i + 1} is ${size} bytes`, D1_LIMITS.valueBytes);
  }
  for (const index of likePatternParameters(sql)) {
    const pattern = params[index];
    const size = typeof pattern === "string" ? byteLength(pattern) : 0;
    if (size > D1_LIMITS.likePatternBytes) return exceeded(`LIKE/GLOB pattern of ${size} bytes`, D1_LIMITS.likePatternBytes);
  }
  return null;
}

/** Indexes of the parameters used as the right-hand side of LIKE or GLOB (statements bind with plain `?`). */
function likePatternParameters(sql: string): number[] {
  const indexes: number[] = [];
  for (const match of sql.matchAll(/\b(?:like|glob)\s+\?/gi)) {
    const placeholder = match.index + match[0].length - 1;
    indexes.push(sql.slice(0, placeholder).split("?").length - 1);
  }
  return indexes;
}

const VIOLATIONS = Symbol.for("test.d1-guard.violations");
const INSTALLED = Symbol.for("test.d1-guard.installed");
type GuardGlobal = typeof globalThis & { [VIOLATIONS]?: string[] };

function violations(): string[] {
  const scope = globalThis as GuardGlobal;
  return (scope[VIOLATIONS] ??= []);
}

/** The violations recorded since the last call (each was also thrown where it happened), forgetting them. */
export function takeD1Violations(): string[] {
  return violations().splice(0);
}

function refuse(message: string): never {
  violations().push(message);
  throw new Error(message);
}

/**
 * Wraps `prepare` and `bind` of D1's binding classes, so every D1 binding of this isolate is guarded: the tests' own
 * `env.DB` and the one the runtime hands to the Worker's fetch, queue and scheduled handlers (they all run here).
 * A statement over a limit throws, like D1 would, and is recorded, so a violation in background work that swallows
 * or retries errors (the queue consumer) still fails the test that caused it. Installing twice is a no-op.
 */
export function installD1Guard(db: D1Database): void {
  const databaseClass = Object.getPrototypeOf(db) as D1Database & { [INSTALLED]?: true };
  if (databaseClass[INSTALLED]) return;
  const statementClass = Object.getPrototypeOf(db.prepare("select 1")) as D1PreparedStatement;
  const sqlOf = new WeakMap<object, string>();
  const prepare = databaseClass.prepare;
  const bind = statementClass.bind;
  databaseClass.prepare = function (this: D1Database, query: string) {
    const violation = d1LimitViolation(query);
    if (violation) refuse(violation);
    const statement = prepare.call(this, query);
    sqlOf.set(statement, query);
    return statement;
  };
  statementClass.bind = function (this: D1PreparedStatement, ...values: unknown[]) {
    const query = sqlOf.get(this) ?? "";
    const violation = d1LimitViolation(query, values);
    if (violation) refuse(violation);
    const bound = bind.apply(this, values);
    sqlOf.set(bound, query);
    return bound;
  };
  databaseClass[INSTALLED] = true;
}
