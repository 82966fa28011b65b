/**
 * One cell of the grid: a worker embedded in this process with the cell's pool, concurrency and
 * prefetch, consuming only the bench's private queue; a warm-up (threads started, code
 * compiled, connections open), then `count` measured round trips; then the worker stops and
 * the queue is purged. A worker that cannot start, or goes offline, ends the cell with the
 * unfinished tasks counted as errors rather than ending the run.
 */
import type { Celeriac } from '../../app/celeriac.ts';
import type { Logger } from '../../log/logger.ts';
import type { SendOptions } from '../../task/app-context.ts';
import { toMillis, type Seconds } from '../../util/time.ts';
import type { Worker } from '../../worker/worker.ts';
import { describeError, runLoad, type LoadResult, type RoundTrip } from './load.ts';
import { purgeQueue, type BenchNamespace } from './namespace.ts';
import { percentiles, roundMs } from './percentiles.ts';
import type { Progress } from './progress.ts';
import { ResourceSampler, type ResourceFigures } from './sampler.ts';
import type { CellResult, GridPoint, RunParams } from './types.ts';

export interface CellSetup extends RunParams {
  app: Celeriac;
  /** The module worker threads import. */
  module: string;
  ns: BenchNamespace;
  timeout: Seconds;
  progress: Progress;
  logger: Logger;
  /** The whole run's: aborted on Ctrl-C. */
  signal: AbortSignal;
}

/** Publish, then wait for the result; a failed task resolves to its `Name: message`. */
export function roundTripFor(s: Pick<CellSetup, 'app' | 'ns' | 'task' | 'args' | 'kwargs'>): RoundTrip {
  // ignoreResult: false, so that a task declared without results can still be timed.
  const options: SendOptions = { queue: s.ns.queue, ignoreResult: false, ...(s.kwargs === undefined ? {} : { kwargs: s.kwargs }) };
  const { app, task, args } = s;
  const forget = s.ns.forgetResults;
  return async () => {
    const r = await app.sendTask(task, args, options);
    // No timeout here: runLoad keeps the deadline, without a timer per task.
    const value = await r.get({ propagate: false });
    // Not awaited: off the timed path. One that fails only leaves a result to expire (RESULT_TTL).
    if (forget) r.forget().catch(() => undefined);
    return value instanceof Error ? describeError(value) : undefined;
  };
}

function failedCell(point: GridPoint, count: number, why: string): CellResult {
  return { ...point, throughput: 0, p50Ms: Number.NaN, p99Ms: Number.NaN, cpuPct: 0, peakRssMb: Math.round(process.memoryUsage.rss() / 2 ** 20), errors: count, wallS: 0, firstError: why };
}

function toResult(point: GridPoint, count: number, load: LoadResult, figures: ResourceFigures, offline: string | undefined): CellResult {
  const [p50, p99] = percentiles(load.latencies, [50, 99]);
  const wallS = load.wallMs / 1000;
  // Tasks a lost worker never finished count as errors, so that the cell is not taken for clean.
  const unfinished = offline !== undefined ? count - load.done : 0;
  const firstError = offline !== undefined ? `worker went offline: ${offline}` : load.firstError;
  return {
    ...point,
    throughput: wallS > 0 ? load.done / wallS : 0,
    p50Ms: roundMs(p50!),
    p99Ms: roundMs(p99!),
    cpuPct: figures.cpuPct,
    peakRssMb: figures.peakRssMb,
    errors: load.errors + unfinished,
    wallS: Math.round(wallS * 1000) / 1000,
    ...(firstError === undefined ? {} : { firstError }),
  };
}

export async function runCell(s: CellSetup, point: GridPoint, index: number): Promise<CellResult> {
  const { app, progress } = s;
  const cellAbort = new AbortController();
  const onRunAbort = (): void => cellAbort.abort();
  s.signal.addEventListener('abort', onRunAbort, { once: true });
  let worker: Worker | undefined;
  let offline: string | undefined;
  try {
    progress.phase(index, point, 'starting');
    try {
      worker = app.worker({
        pool: point.pool,
        concurrency: point.concurrency,
        prefetchMultiplier: point.prefetch,
        queues: [s.ns.queue],
        hostname: `bench${index + 1}-${s.ns.prefix.slice(-8)}@%h`,
        module: s.module,
        sendTaskEvents: false,
      });
      worker.onOffline((reason) => {
        offline = reason;
        cellAbort.abort();
      });
      await worker.start();
    } catch (err) {
      return failedCell(point, s.count, `the worker could not start: ${describeError(err)}`);
    }
    const roundTrip = roundTripFor(s);
    if (s.warmup > 0) {
      progress.phase(index, point, 'warm-up');
      await runLoad(roundTrip, { count: s.warmup, inflight: s.inflight, timeoutMs: toMillis(s.timeout), signal: cellAbort.signal });
    }
    progress.phase(index, point, 'measuring', s.count);
    const sampler = new ResourceSampler();
    const load = await runLoad(roundTrip, {
      count: s.count,
      inflight: s.inflight,
      timeoutMs: toMillis(s.timeout),
      signal: cellAbort.signal,
      onDone: (done) => progress.tick(done, s.count),
    });
    const figures = sampler.stop();
    return toResult(point, s.count, load, figures, offline);
  } finally {
    s.signal.removeEventListener('abort', onRunAbort);
    progress.phase(index, point, 'stopping');
    // Cold when interrupted: running tasks are aborted, their messages go back and are purged.
    await worker?.stop({ force: cellAbort.signal.aborted }).catch((err: unknown) => s.logger.warn({ err }, 'bench: stopping the worker failed'));
    await purgeQueue(app, s.ns).catch((err: unknown) => s.logger.warn({ err, queue: s.ns.queue }, 'bench: purging its queue failed'));
  }
}
