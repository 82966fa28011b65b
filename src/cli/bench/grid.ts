/**
 * The grid `celeriac bench` sweeps: comma-separated lists of pools, concurrencies and prefetch
 * multipliers, checked once (each failure a UsageError naming the option, the value and the
 * rule), deduplicated, and crossed into points in a fixed order: pool as given, then
 * concurrency and prefetch ascending, so that the table reads like the heatmap.
 */
import { UsageError } from '../args.ts';
import type { GridPoint, PoolKind } from './types.ts';

/** More cells than this is a typo or a night's run: refused, with the count. */
export const MAX_CELLS = 200;

const POOLS: readonly PoolKind[] = ['threads', 'inline'];

const bad = (option: string, value: string, rule: string): never => {
  throw new UsageError(`${option} must be ${rule}, got ${JSON.stringify(value)}`, 'bench');
};

/** `1,4,16` → `[1, 4, 16]`: integers >= `min`, sorted, without repeats. */
export function intList(option: string, value: string, min: number, max = 10_000): number[] {
  const parts = value.split(',').map((s) => s.trim());
  if (parts.length === 0 || parts.some((p) => p === '')) bad(option, value, `a comma-separated list of integers >= ${min}`);
  const out = new Set<number>();
  for (const p of parts) {
    const n = /^\d+$/.test(p) ? Number(p) : Number.NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) bad(option, value, `a comma-separated list of integers from ${min} to ${max}`);
    out.add(n);
  }
  return [...out].sort((a, b) => a - b);
}

/** `threads,inline` → the pools in the order given, without repeats. */
export function poolList(option: string, value: string): PoolKind[] {
  const parts = value.split(',').map((s) => s.trim());
  const out: PoolKind[] = [];
  for (const p of parts) {
    if (!(POOLS as readonly string[]).includes(p)) bad(option, value, "a comma-separated list of 'threads' and 'inline'");
    if (!out.includes(p as PoolKind)) out.push(p as PoolKind);
  }
  return out;
}

export interface GridSpec {
  pools: readonly PoolKind[];
  concurrency: readonly number[];
  prefetch: readonly number[];
}

/** Every combination, pool-major; refuses an empty grid or one past MAX_CELLS. */
export function buildGrid(spec: GridSpec): GridPoint[] {
  const n = spec.pools.length * spec.concurrency.length * spec.prefetch.length;
  if (n === 0) throw new UsageError('the grid is empty: give at least one pool, concurrency and prefetch', 'bench');
  if (n > MAX_CELLS) {
    throw new UsageError(`the grid has ${n} cells (pools × concurrency × prefetch), more than ${MAX_CELLS}: narrow it`, 'bench');
  }
  const out: GridPoint[] = [];
  for (const pool of spec.pools) {
    for (const concurrency of spec.concurrency) {
      for (const prefetch of spec.prefetch) out.push(Object.freeze({ pool, concurrency, prefetch }));
    }
  }
  return out;
}

/** The default concurrency list: one, the cores, and twice the cores (the seeds' ceiling). */
export function defaultConcurrency(cores: number): number[] {
  const c = Math.max(1, cores);
  return [...new Set([1, c, 2 * c])].sort((a, b) => a - b);
}

/** `threads c=2 ×16`: how a point is named in progress lines and notes. */
export const pointLabel = (p: GridPoint): string => `${p.pool} c=${p.concurrency} ×${p.prefetch}`;
