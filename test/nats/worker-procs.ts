/**
 * Worker processes (test/fixtures/worker-process.ts) and client apps for the multi-process and
 * fault tests: each process is started, waited for with a named deadline, and killed after the
 * test if it is still running; each client app is closed after the test.
 */
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';
import { pino, type Logger } from 'pino';
import { Celeriac, type Worker, type WorkerOptions } from 'celeriac';
import { APP_NAME, MODULE } from '../fixtures/conformance-app.ts';
import { uniqueName } from '../helpers/ns.ts';
import { OutputProcess } from '../helpers/output-process.ts';

const SCRIPT = fileURLToPath(new URL('../fixtures/worker-process.ts', import.meta.url));

const cleanups = new WeakMap<TestContext, (() => unknown)[]>();

/**
 * Runs `fn` after the test, in reverse order of registration (node's own `t.after` hooks run
 * in order): what started last stops first, so servers go after the workers and apps on them.
 */
export function defer(t: TestContext, fn: () => unknown): void {
  let list = cleanups.get(t);
  if (list === undefined) {
    const fns: (() => unknown)[] = [];
    cleanups.set(t, fns);
    list = fns;
    t.after(async () => {
      for (const f of fns.reverse()) {
        try {
          await f();
        } catch {
          // Cleanup goes on: one failed close must not leave servers or processes behind.
        }
      }
    });
  }
  list.push(fn);
}

/** A NATS namespace of its own (for one test). */
export const newPrefix = (tag = 'mp'): string => uniqueName(tag).replace(/-/g, '_');

export interface WorkerProcessOptions {
  broker: string;
  prefix: string;
  hostname: string;
  concurrency?: number;
  prefetch?: number;
  queues?: string[];
  /** brokerVisibilityTimeout, seconds. */
  visibility?: number;
  /** workerSendTaskEvents. */
  events?: boolean;
}

export class WorkerProcess extends OutputProcess {
  readonly hostname: string;

  private constructor(o: WorkerProcessOptions) {
    const args = ['--broker', o.broker, '--prefix', o.prefix, '--hostname', o.hostname];
    if (o.concurrency !== undefined) args.push('--concurrency', String(o.concurrency));
    if (o.prefetch !== undefined) args.push('--prefetch', String(o.prefetch));
    if (o.queues !== undefined) args.push('--queues', o.queues.join(','));
    if (o.visibility !== undefined) args.push('--visibility', String(o.visibility));
    if (o.events === true) args.push('--events');
    super(SCRIPT, args, o.hostname);
    this.hostname = o.hostname;
  }

  /** Starts one and waits for its `ready` line; killed after the test. */
  static async start(t: TestContext, o: WorkerProcessOptions, readyMs = 45_000): Promise<WorkerProcess> {
    const p = new WorkerProcess(o);
    defer(t, () => p.kill());
    await p.waitFor(new RegExp(`^ready ${escape(o.hostname)} \\d+$`, 'm'), `${o.hostname} ready`, readyMs);
    return p;
  }
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Starts several worker processes at once (they share the CPU while starting). */
export function startWorkers(t: TestContext, many: WorkerProcessOptions[]): Promise<WorkerProcess[]> {
  return Promise.all(many.map((o) => WorkerProcess.start(t, o)));
}

/**
 * A client app with the fixture's tasks (same app name, so `sendTask('conf.x')` and the
 * fixture's task handles' names resolve) on its own broker and prefix; closed after the test.
 */
export function clientApp(t: TestContext, broker: string, prefix: string, config: Record<string, unknown> = {}, logger?: Logger): Celeriac {
  const app = new Celeriac(APP_NAME, {
    broker,
    module: MODULE,
    ...(logger !== undefined ? { logger } : {}),
    config: { transportPrefix: prefix, brokerConnectionOptions: { reconnectTimeWait: 200 }, ...config },
  });
  defer(t, () => app.close());
  return app;
}

/** Sums one task's `stats().total` over the given workers (tasks run, as Celery counts them). */
export async function totalRuns(app: Celeriac, hostnames: string[], task: string): Promise<number> {
  const stats = await app.control.inspect({ destination: hostnames, timeout: 10 }).stats();
  let sum = 0;
  for (const h of hostnames) sum += stats[h]?.total[task] ?? 0;
  return sum;
}

/**
 * A threads worker in this process, on an app (and so a NATS connection) of its own: cheaper to
 * start than a process, and as independent on the wire. Stopped and closed after the test.
 * `problems` collects the app's warning and error log lines (JSON), to explain a failure.
 */
export async function ownConnectionWorker(
  t: TestContext,
  broker: string,
  prefix: string,
  options: WorkerOptions & { hostname: string },
  config: Record<string, unknown> = {},
): Promise<{ app: Celeriac; worker: Worker; statuses: string[]; problems: string[] }> {
  // Warnings and errors are kept, to explain a failure.
  const problems: string[] = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => void problems.push(line) });
  const app = clientApp(t, broker, prefix, config, logger);
  const statuses: string[] = [];
  (await app.transport()).onStatus((s) => statuses.push(s.type));
  const worker = app.worker({ module: MODULE, concurrency: 2, ...options });
  await worker.start();
  defer(t, () => worker.stop({ force: true }));
  return { app, worker, statuses, problems };
}
