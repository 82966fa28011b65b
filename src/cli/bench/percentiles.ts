/** Latency percentiles by nearest rank, over the samples a cell recorded (NaN: none). */
import type { Millis } from '../../util/time.ts';

/**
 * The `p`-th percentile (0-100) of `samples` by the nearest-rank method: the smallest value
 * with at least p% of the samples at or below it. Sorts a copy; NaN for no samples.
 */
export function percentile(samples: ArrayLike<number>, p: number): number {
  return percentiles(samples, [p])[0]!;
}

/** Several percentiles from one sort. */
export function percentiles(samples: ArrayLike<number>, ps: readonly number[]): number[] {
  const n = samples.length;
  if (n === 0) return ps.map(() => Number.NaN);
  const sorted = Float64Array.from(samples).sort();
  return ps.map((p) => {
    const rank = Math.ceil((Math.min(100, Math.max(0, p)) / 100) * n);
    return sorted[Math.max(0, rank - 1)]!;
  });
}

/** Rounds a latency for the report: 3 significant digits below 10 ms, 0.1 ms above. */
export function roundMs(ms: Millis): Millis {
  if (!Number.isFinite(ms)) return ms;
  return ms < 10 ? Number(ms.toPrecision(3)) : Math.round(ms * 10) / 10;
}
