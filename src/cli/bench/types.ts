/**
 * The data `celeriac bench` passes between its parts: the grid points it runs, what one cell
 * measured, the recommendation, and the report written as JSON. Plain data only, so that the
 * table, the heatmap and the recommendation are pure functions of it.
 */
import type { Millis, Seconds } from '../../util/time.ts';

export type PoolKind = 'threads' | 'inline';

/** What every cell runs: the task, its arguments and the load, the same across the grid. */
export interface RunParams {
  task: string;
  args: unknown[];
  kwargs: Record<string, unknown> | undefined;
  /** Measured tasks per cell. */
  count: number;
  /** Tasks run and thrown away per cell before measuring. */
  warmup: number;
  /** Tasks in flight (published, result not yet seen) at once. */
  inflight: number;
}

/** One setting of the grid: the worker options a cell runs with. */
export interface GridPoint {
  readonly pool: PoolKind;
  readonly concurrency: number;
  /** The worker's `prefetchMultiplier`. */
  readonly prefetch: number;
}

/** What one cell measured over its `count` tasks (the warm-up excluded). */
export interface CellResult extends GridPoint {
  /** Tasks whose result came back, per second of wall time. */
  throughput: number;
  /** Publish-to-result latency percentiles over every task that finished, ms. */
  p50Ms: Millis;
  p99Ms: Millis;
  /** Process CPU time over wall time, in percent of one core (200 = two cores busy). */
  cpuPct: number;
  /** Highest resident set size seen during the cell, MB. */
  peakRssMb: number;
  /** Tasks that failed, timed out or could not be published. */
  errors: number;
  /** Wall time of the measured phase, seconds. */
  wallS: Seconds;
  /** `Name: message` of the first failure, when there was one. */
  firstError?: string;
}

/** A cell as the JSON report holds it: a latency that was never measured is null. */
export type ReportCell = Omit<CellResult, 'p50Ms' | 'p99Ms'> & { p50Ms: Millis | null; p99Ms: Millis | null };

export interface Recommendation extends GridPoint {
  throughput: number;
  p99Ms: Millis;
  /** One sentence: why this setting. */
  reason: string;
  /** Warnings worth reading (a much worse p99, concurrency beyond twice the cores). */
  notes: string[];
}

export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  totalMemMb: number;
  platform: string;
  arch: string;
  node: string;
}

/** The JSON `--json` writes (`version` changes when a field changes meaning). */
export interface BenchReport {
  version: 1;
  celeriac: string;
  task: string;
  args: unknown[];
  kwargs: Record<string, unknown> | null;
  count: number;
  warmup: number;
  /** Tasks kept in flight (published, result not yet back) at once. */
  inflight: number;
  /** The broker URL without credentials. */
  broker: string;
  /** The private names the run used: the transport prefix and the queue. */
  namespace: { prefix: string; queue: string };
  machine: MachineInfo;
  startedAt: string;
  durationS: Seconds;
  /** False when the run was interrupted: `cells` holds the finished ones. */
  complete: boolean;
  cells: ReportCell[];
  recommendation: Recommendation | null;
}
