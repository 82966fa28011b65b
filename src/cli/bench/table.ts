/**
 * The text table `celeriac bench` prints: one row per cell, right-aligned numbers, the
 * recommended row marked with `*`, then the recommendation and its notes, and the worker
 * command line that applies it. Pure: lines in, lines out.
 */
import { fmtMs, fmtRate } from './recommend.ts';
import type { CellResult, GridPoint, Recommendation } from './types.ts';

export const COLUMNS = ['pool', 'concurrency', 'prefetch', 'tasks/s', 'p50 ms', 'p99 ms', 'cpu %', 'peak RSS MB', 'errors'] as const;

const LEFT = new Set<string>(['pool']);

const same = (a: GridPoint, b: GridPoint): boolean => a.pool === b.pool && a.concurrency === b.concurrency && a.prefetch === b.prefetch;

function row(c: CellResult): string[] {
  return [
    c.pool,
    String(c.concurrency),
    String(c.prefetch),
    fmtRate(c.throughput),
    fmtMs(c.p50Ms),
    fmtMs(c.p99Ms),
    String(c.cpuPct),
    String(c.peakRssMb),
    String(c.errors),
  ];
}

/** The table: a header, then a row per cell, the recommended one marked `*`. */
export function formatTable(cells: readonly CellResult[], pick: GridPoint | null): string[] {
  const rows = cells.map(row);
  const widths = COLUMNS.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cols: readonly string[]): string =>
    cols
      .map((v, i) => (LEFT.has(COLUMNS[i]!) ? v.padEnd(widths[i]!) : v.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [`  ${line(COLUMNS)}`, ...cells.map((c, i) => `${pick !== null && same(c, pick) ? '* ' : '  '}${line(rows[i]!)}`)];
}

/** The lines after the table: the recommendation, its notes, how to apply it, or why there is none. */
export function formatRecommendation(r: Recommendation | null, appOption: string): string[] {
  if (r === null) return ['No recommendation: no cell finished its tasks without failures (see the errors column).'];
  return [
    `Recommended: ${r.reason}.`,
    ...r.notes.map((n) => `Note: ${n}.`),
    `Apply it: celeriac -A ${appOption} worker -P ${r.pool} -c ${r.concurrency} --prefetch-multiplier ${r.prefetch}`,
  ];
}

/** First failures per cell, so that a failing task says why. */
export function formatFailures(cells: readonly CellResult[]): string[] {
  return cells
    .filter((c) => c.errors > 0 && c.firstError !== undefined)
    .map((c) => `Failures in ${c.pool} c=${c.concurrency} ×${c.prefetch}: ${c.errors}, the first: ${c.firstError}`);
}
