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
