/**
 * `celeriac bench`'s options, checked once into a frozen plan before the app is loaded, so that
 * bad usage (a bad list, bad JSON, a count below 1) exits 2 at once. What needs the app (the
 * task being registered, a result backend) is checked when the run starts.
 */
import { availableParallelism } from 'node:os';
import { UsageError, type Parsed } from '../args.ts';
import { integer, jsonArray, jsonObject, seconds } from '../values.ts';
import { buildGrid, defaultConcurrency, intList, poolList } from './grid.ts';
import type { GridPoint } from './types.ts';
import type { Seconds } from '../../util/time.ts';

export interface BenchPlan {
  readonly task: string;
  readonly args: unknown[];
  readonly kwargs: Record<string, unknown> | undefined;
  /** Measured tasks per cell. */
  readonly count: number;
  /** Tasks run and thrown away per cell before measuring. */
  readonly warmup: number;
  /** Tasks in flight at once; undefined: derived from the grid (see `inflightFor`). */
  readonly inflight: number | undefined;
  /** How long one task's result is waited for before it counts as an error. */
  readonly timeout: Seconds;
  readonly grid: readonly GridPoint[];
  /** `--json FILE`, `-` for stdout. */
  readonly json: string | undefined;
  readonly chart: string | undefined;
  readonly quiet: boolean;
}

export const DEFAULT_COUNT = 10_000;
export const DEFAULT_WARMUP = 200;
export const DEFAULT_TIMEOUT: Seconds = 60;
export const DEFAULT_PREFETCH = '1,4,16,64';
export const DEFAULT_POOLS = 'threads,inline';
/** The least number of tasks kept in flight, whatever the grid. */
export const MIN_INFLIGHT = 1000;

export function planBench({ values, positionals }: Parsed): BenchPlan {
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}' (name the task with --task)`, 'bench');
  const str = (k: string): string | undefined => values[k] as string | undefined;
  const task = str('task');
  if (task === undefined || task.trim() === '') throw new UsageError('missing --task NAME (the registered task to run)', 'bench');
  const concurrency = str('concurrency');
  const grid = buildGrid({
    pools: poolList('-P/--pool', str('pool') ?? DEFAULT_POOLS),
    concurrency: concurrency === undefined ? defaultConcurrency(availableParallelism()) : intList('-c/--concurrency', concurrency, 1),
    prefetch: intList('--prefetch', str('prefetch') ?? DEFAULT_PREFETCH, 0),
  });
  const json = str('json');
  const chart = str('chart');
  if (json !== undefined && json.trim() === '') throw new UsageError('--json must be a file name, or - for stdout', 'bench');
  if (chart !== undefined && (chart.trim() === '' || chart === '-')) throw new UsageError('--chart must be a file name', 'bench');
  return Object.freeze({
    task: task.trim(),
    args: str('args') === undefined ? [] : jsonArray('--args', str('args')!),
    kwargs: str('kwargs') === undefined ? undefined : jsonObject('--kwargs', str('kwargs')!),
    count: str('count') === undefined ? DEFAULT_COUNT : integer('-n/--count', str('count')!, 1),
    warmup: str('warmup') === undefined ? DEFAULT_WARMUP : integer('--warmup', str('warmup')!, 0),
    inflight: str('inflight') === undefined ? undefined : integer('--inflight', str('inflight')!, 1),
    timeout: str('timeout') === undefined ? DEFAULT_TIMEOUT : seconds('-t/--timeout', str('timeout')!, true),
    grid: Object.freeze(grid),
    json,
    chart,
    quiet: values.quiet === true,
  });
}

/**
 * Tasks in flight for every cell: the same for the whole grid, so that latencies compare
 * across cells, and at least twice the largest prefetch window, so that no cell starves.
 */
export function inflightFor(plan: Pick<BenchPlan, 'inflight' | 'grid'>): number {
  if (plan.inflight !== undefined) return plan.inflight;
  const widest = Math.max(...plan.grid.map((p) => p.concurrency * Math.max(1, p.prefetch)));
  return Math.max(MIN_INFLIGHT, 2 * widest);
}
