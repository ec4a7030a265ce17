/**
 * Qovery timestamps carry microseconds (`2023-10-25T09:58:34.202571Z`). The simulator hands out strictly increasing
 * instants so that `updated_at` visibly moves on every edit, even when two edits fall within the same millisecond
 * (or when the wall clock stands still, as it does inside a Worker between I/O).
 */
export interface MicrosecondClock {
  /** a timestamp in Qovery's format, strictly later than any returned before */
  next(): string;
}

export function createMicrosecondClock(nowMs: () => number): MicrosecondClock {
  let lastMicros = 0;
  return {
    next() {
      lastMicros = Math.max(Math.floor(nowMs() * 1000), lastMicros + 1);
      return formatMicros(lastMicros);
    },
  };
}

export function formatMicros(epochMicros: number): string {
  const millis = Math.floor(epochMicros / 1000);
  const iso = new Date(millis).toISOString(); // 2023-10-25T09:58:34.202Z
  const micros = String(epochMicros % 1_000_000).padStart(6, "0");
  return `${iso.slice(0, 19)}.${micros}Z`;
}

/**
 * The time one tenant lives in: the wall clock, moved forward by `advance` and stopped by `freeze`, so tests can step
 * deployments and rate-limit windows deterministically. Timestamps follow it.
 */
export interface TenantClock {
  nowMs(): number;
  /** a timestamp in Qovery's format at `nowMs()`, strictly later than any returned before */
  timestamp(): string;
  readonly frozen: boolean;
  /** stop (or restart) the clock where it stands */
  setFrozen(frozen: boolean): void;
  advance(ms: number): void;
  /** back to the wall clock */
  reset(): void;
}

export function createTenantClock(wallMs: () => number): TenantClock {
  let offsetMs = 0;
  let frozenAtMs: number | null = null;
  const nowMs = () => frozenAtMs ?? wallMs() + offsetMs;
  const stamps = createMicrosecondClock(nowMs);
  return {
    nowMs,
    timestamp: () => stamps.next(),
    get frozen() {
      return frozenAtMs !== null;
    },
    setFrozen(frozen) {
      if (frozen && frozenAtMs === null) frozenAtMs = nowMs();
      if (!frozen && frozenAtMs !== null) {
        offsetMs = frozenAtMs - wallMs();
        frozenAtMs = null;
      }
    },
    advance(ms) {
      if (frozenAtMs !== null) frozenAtMs += ms;
      else offsetMs += ms;
    },
    reset() {
      offsetMs = 0;
      frozenAtMs = null;
    },
  };
}
