/** Latency sampling and percentiles (nearest-rank), in milliseconds. */

export function percentile(sortedMs, p) {
  if (!sortedMs.length) return NaN;
  const rank = Math.ceil((p / 100) * sortedMs.length);
  return sortedMs[Math.min(sortedMs.length, Math.max(1, rank)) - 1];
}

/**
 * Times `runs` sequential calls of `fn(i)` after `warmup` untimed ones. `fn` may return a value to keep its setup
 * (e.g. building a request body) outside the timing: pass `prepare(i)` for that.
 */
export async function measure(label, { runs, warmup = 3, prepare = () => undefined }, fn) {
  for (let i = 0; i < warmup; i++) await fn(await prepare(-1 - i));
  const samples = [];
  for (let i = 0; i < runs; i++) {
    const input = await prepare(i);
    const started = performance.now();
    await fn(input);
    samples.push(performance.now() - started);
  }
  samples.sort((a, b) => a - b);
  return { label, runs, p50: percentile(samples, 50), p99: percentile(samples, 99), max: samples.at(-1) };
}
