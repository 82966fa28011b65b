/**
 * The recommendation policy, a pure function of the cells. The highest throughput wins, but a
 * cheaper setting (lower concurrency, then lower prefetch) within `tolerance` of it is
 * preferred: fewer threads cost memory, and a smaller prefetch keeps fewer messages away from
 * other workers and gives back fewer on a crash, for a difference a rerun would not reproduce.
 * Cells with failures are left out. Notes flag a p99 much worse than the best seen, and a
 * concurrency beyond twice the cores (the seeds' advice: more rarely helps).
 */
import type { CellResult, GridPoint, Recommendation } from './types.ts';

export interface RecommendOptions {
  /** CPU cores of the machine the bench ran on. */
  cores: number;
  /** Throughput within this fraction of the best counts as as good. @default 0.05 */
  tolerance?: number;
  /** A p99 more than this many times the lowest one is flagged. @default 2 */
  p99Factor?: number;
}

export const DEFAULT_TOLERANCE = 0.05;
export const DEFAULT_P99_FACTOR = 2;
/** Below this difference, a p99 ratio is noise and not flagged, ms. */
const P99_FLOOR_MS = 1;

/** `18,400`: a rate for people. */
export const fmtRate = (n: number): string => Math.round(n).toLocaleString('en-US');

/** `2.1`, `0.412`, `153`: a latency for people. */
export const fmtMs = (ms: number): string =>
  !Number.isFinite(ms) ? '-' : ms >= 100 ? String(Math.round(ms)) : ms >= 10 ? String(Number(ms.toFixed(1))) : String(Number(ms.toPrecision(2)));

/** `prefetch 16 × concurrency 2 (threads)` */
export const settingLabel = (p: GridPoint): string => `prefetch ${p.prefetch} × concurrency ${p.concurrency} (${p.pool})`;

/** Cheaper first: lower concurrency, then lower prefetch; equal cost, higher throughput first. */
function byCost(a: CellResult, b: CellResult): number {
  return a.concurrency - b.concurrency || a.prefetch - b.prefetch || b.throughput - a.throughput;
}

const FRACTIONS: Record<number, string> = { 2: 'half the', 3: 'a third of the', 4: 'a quarter of the' };

/** `half the concurrency`, `a quarter of the prefetch`, `1/16 of the prefetch`, `prefetch 0 instead of 4`. */
export function fewer(dimension: string, mine: number, theirs: number): string {
  if (mine > 0 && theirs % mine === 0) {
    const k = theirs / mine;
    return `${FRACTIONS[k] ?? `1/${k} of the`} ${dimension}`;
  }
  return `${dimension} ${mine} instead of ${theirs}`;
}

export function recommend(cells: readonly CellResult[], opts: RecommendOptions): Recommendation | null {
  const tolerance = opts.tolerance ?? DEFAULT_TOLERANCE;
  const p99Factor = opts.p99Factor ?? DEFAULT_P99_FACTOR;
  const clean = cells.filter((c) => c.errors === 0 && c.throughput > 0 && Number.isFinite(c.p99Ms));
  if (clean.length === 0) return null;

  const best = clean.reduce((a, b) => (b.throughput > a.throughput || (b.throughput === a.throughput && byCost(b, a) < 0) ? b : a));
  const near = clean.filter((c) => c.throughput >= best.throughput * (1 - tolerance)).sort(byCost);
  const pick = near[0]!;

  let reason: string;
  if (pick === best) {
    reason = `${settingLabel(pick)}: ${fmtRate(pick.throughput)} tasks/s, the highest throughput of ${clean.length} ${clean.length === 1 ? 'cell' : 'cells'}; p99 ${fmtMs(pick.p99Ms)} ms`;
  } else {
    const gap = Math.max(1, Math.ceil((1 - pick.throughput / best.throughput) * 100));
    const savings: string[] = [];
    if (pick.concurrency < best.concurrency) savings.push(fewer('concurrency', pick.concurrency, best.concurrency));
    if (pick.prefetch < best.prefetch) savings.push(fewer('prefetch', pick.prefetch, best.prefetch));
    reason =
      `${settingLabel(pick)}: ${fmtRate(pick.throughput)} tasks/s, within ${gap}% of the best ` +
      `(${settingLabel(best)}: ${fmtRate(best.throughput)} tasks/s) at ${savings.join(' and ')}; p99 ${fmtMs(pick.p99Ms)} ms`;
  }

  const notes: string[] = [];
  const lowest = clean.reduce((a, b) => (b.p99Ms < a.p99Ms ? b : a));
  if (pick.p99Ms > p99Factor * lowest.p99Ms && pick.p99Ms - lowest.p99Ms > P99_FLOOR_MS) {
    notes.push(
      `its p99 (${fmtMs(pick.p99Ms)} ms) is ${(pick.p99Ms / lowest.p99Ms).toFixed(1)}× the lowest (${fmtMs(lowest.p99Ms)} ms, ` +
        `${settingLabel(lowest)}, ${fmtRate(lowest.throughput)} tasks/s): if latency matters more than throughput, prefer that one`,
    );
  }
  if (pick.concurrency > 2 * opts.cores) {
    notes.push(
      `concurrency ${pick.concurrency} is more than twice the ${opts.cores} cores: that rarely helps unless the task waits on I/O; ` +
        'check that it holds under your real load',
    );
  }
  const failed = cells.length - clean.length;
  if (failed > 0) notes.push(`${failed} ${failed === 1 ? 'cell was' : 'cells were'} left out for failed tasks (see the errors column)`);

  return {
    pool: pick.pool,
    concurrency: pick.concurrency,
    prefetch: pick.prefetch,
    throughput: pick.throughput,
    p99Ms: pick.p99Ms,
    reason,
    notes,
  };
}
