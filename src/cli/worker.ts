/**
 * `celeriac worker`: runs one worker in this process until SIGINT/SIGTERM (warm stop, then cold
 * on a second signal), the `shutdown` control command, or the worker going offline on its own.
 * Exit 0 after a requested stop, 1 when the worker failed to start or went offline.
 */
import type { Worker, WorkerOptions } from '../worker/worker.ts';
import { maskUrlPasswords } from '../config/validate.ts';
import { UsageError } from './args.ts';
import { defineCommand, type RunContext } from './command.ts';
import { EXIT_FAILURE, EXIT_OK } from './io.ts';
import { onStopSignals } from './signals.ts';
import { integer, nameList } from './values.ts';
import { version } from './version.ts';

export const workerCommand = defineCommand({
  name: 'worker',
  summary: 'run a worker until SIGINT/SIGTERM',
  synopsis: 'worker [-c N] [-Q QUEUES] [--autoscale MAX,MIN] [-n NAME] [-P threads|inline] [-E]',
  options: {
    concurrency: { type: 'string', short: 'c', value: 'N', help: 'tasks run at once (default: workerConcurrency, else the CPU count)' },
    queues: { type: 'string', short: 'Q', value: 'Q1,Q2', help: 'queues to consume (default: taskDefaultQueue)' },
    autoscale: { type: 'string', value: 'MAX,MIN', help: 'grow the pool up to MAX under load, shrink to MIN when idle' },
    hostname: { type: 'string', short: 'n', value: 'NAME', help: 'node name; %h is the host name (default: celeriac@%h)' },
    pool: { type: 'string', short: 'P', value: 'threads|inline', help: "'threads' (worker threads, default) or 'inline' (this event loop)" },
    'prefetch-multiplier': { type: 'string', value: 'N', help: 'unacked messages per consumer = concurrency x N (default: workerPrefetchMultiplier)' },
    'task-events': { type: 'boolean', short: 'E', help: 'send task events (as workerSendTaskEvents)' },
    beat: { type: 'boolean', short: 'B', help: 'run beat in the worker (not implemented yet: refused)' },
  },
  details: [
    'The first SIGINT or SIGTERM stops the worker warm (running tasks finish, within',
    'workerShutdownTimeout); a second one stops it cold (running tasks are aborted and their',
    'messages handed back). Exit status: 0 after a requested stop, 1 if the worker could not',
    'start or went offline on its own (a part kept failing past its restart budget).',
  ],
  plan({ values, positionals }): WorkerOptions {
    if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`, 'worker');
    if (values.beat === true) {
      throw new UsageError('-B/--beat: beat is not implemented in this version of celeriac; run the worker without -B', 'worker');
    }
    const o: WorkerOptions = {};
    const str = (k: string): string | undefined => values[k] as string | undefined;
    if (str('concurrency') !== undefined) o.concurrency = integer('-c/--concurrency', str('concurrency')!, 1);
    if (str('queues') !== undefined) o.queues = nameList('-Q/--queues', str('queues')!);
    if (str('autoscale') !== undefined) o.autoscale = autoscale(str('autoscale')!);
    if (str('hostname') !== undefined) {
      if (str('hostname')!.trim() === '') throw new UsageError('-n/--hostname must be a non-empty name');
      o.hostname = str('hostname')!;
    }
    const pool = str('pool');
    if (pool !== undefined) {
      if (pool !== 'threads' && pool !== 'inline') throw new UsageError(`-P/--pool must be 'threads' or 'inline', got ${JSON.stringify(pool)}`);
      o.pool = pool;
    }
    if (str('prefetch-multiplier') !== undefined) o.prefetchMultiplier = integer('--prefetch-multiplier', str('prefetch-multiplier')!, 0);
    if (values['task-events'] === true) o.sendTaskEvents = true;
    return o;
  },
  run: runWorker,
});

function autoscale(value: string): [number, number] {
  const parts = value.split(',');
  if (parts.length !== 2) throw new UsageError(`--autoscale must be MAX,MIN (e.g. 6,3), got ${JSON.stringify(value)}`);
  const max = integer('--autoscale max', parts[0]!, 1);
  const min = integer('--autoscale min', parts[1]!, 0);
  if (min > max) throw new UsageError(`--autoscale must be MAX,MIN with MIN <= MAX, got ${JSON.stringify(value)}`);
  return [max, min];
}

async function runWorker(ctx: RunContext, options: WorkerOptions): Promise<number> {
  const { app, io, logger } = ctx;
  const w = createWorker(ctx, options);
  const closed = new Promise<void>((resolve) => w.onClosed(resolve));
  let offlineReason: string | undefined;
  w.onOffline((reason) => {
    offlineReason = reason;
    logger.error({ reason }, 'worker went offline');
  });
  const stopFailed = (err: unknown): void => logger.error({ err }, 'worker stop failed');
  let cold = false;
  const off = onStopSignals(
    {
      warm: (signal) => {
        io.err(`worker: Warm shutdown (${signal}); a second signal stops it cold`);
        logger.warn({ signal }, 'warm shutdown');
        w.stop().catch(stopFailed);
      },
      cold: (signal) => {
        cold = true;
        io.err(`worker: Cold shutdown (${signal})`);
        logger.warn({ signal }, 'cold shutdown');
        w.stop({ force: true }).catch(stopFailed);
      },
      abort: () => process.exit(EXIT_FAILURE),
    },
    { relayed: ctx.relayed },
  );
  try {
    try {
      await w.start();
    } catch (err) {
      if (w.state === 'stopped' && offlineReason === undefined && isClosedError(err)) {
        // Stopped by a signal while it was starting: that is a requested stop.
        await app.close();
        return EXIT_OK;
      }
      io.err(`Error: the worker could not start: ${err instanceof Error ? err.message : String(err)}`);
      await app.close();
      return EXIT_FAILURE;
    }
    for (const line of banner(ctx, w.hostname, w.options)) io.out(line);
    await closed;
    await app.close();
    const code = offlineReason === undefined && w.state !== 'offline' ? EXIT_OK : EXIT_FAILURE;
    // A cold stop is a request to be gone: an inline task that ignored its abort signal may
    // still hold a timer or socket, and is not waited for.
    if (cold) setTimeout(() => process.exit(code), COLD_EXIT_GRACE_MS).unref();
    return code;
  } finally {
    off();
  }
}

const COLD_EXIT_GRACE_MS = 500;

/** Options the app's configuration makes invalid (a ConfigError) are bad usage too. */
function createWorker(ctx: RunContext, options: WorkerOptions): Worker {
  try {
    return ctx.app.worker({ ...options, module: ctx.app.module ?? ctx.moduleUrl });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err), 'worker');
  }
}

const isClosedError = (err: unknown): boolean => (err as { code?: string }).code === 'CELERIAC_CLOSED';

function banner(ctx: RunContext, hostname: string, o: { concurrency: number; autoscale: readonly [number, number] | null; pool: string; queues: readonly string[]; sendTaskEvents: boolean }): string[] {
  const conf = ctx.app.conf as unknown as Record<string, unknown>;
  const backend = conf.backend === undefined || conf.backend === null ? 'the broker' : maskUrlPasswords(String(conf.backend));
  const tasks = (ctx.app.tasks ?? []).filter((n) => !n.startsWith('celery.')).sort();
  return [
    `celeriac ${version()} worker ${hostname}`,
    `  .> app:         ${ctx.app.name} (${ctx.moduleUrl})`,
    `  .> transport:   ${maskUrlPasswords(String(conf.broker))}`,
    `  .> results:     ${backend}`,
    `  .> concurrency: ${o.concurrency} (${o.pool})${o.autoscale === null ? '' : `, autoscale ${o.autoscale[0]},${o.autoscale[1]}`}`,
    `  .> task events: ${o.sendTaskEvents ? 'ON' : 'OFF'}`,
    `  .> queues:      ${o.queues.join(', ')}`,
    '',
    '[tasks]',
    ...tasks.map((n) => `  . ${n}`),
    '',
    `${hostname} ready.`,
  ];
}
