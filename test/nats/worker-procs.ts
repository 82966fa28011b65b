/**
 * Worker processes (test/fixtures/worker-process.ts) and client apps for the multi-process and
 * fault tests: each process is started, waited for with a named deadline, and killed after the
 * test if it is still running; each client app is closed after the test.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';
import { pino, type Logger } from 'pino';
import { Celeriac, type Worker, type WorkerOptions } from 'celeriac';
import { TimeoutError } from '../../src/errors.ts';
import { APP_NAME, MODULE } from '../fixtures/conformance-app.ts';
import { uniqueName } from '../helpers/ns.ts';

const SCRIPT = fileURLToPath(new URL('../fixtures/worker-process.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

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

export class WorkerProcess {
  readonly child: ChildProcess;
  readonly hostname: string;
  stdout = '';
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly #listeners = new Set<() => void>();

  private constructor(o: WorkerProcessOptions) {
    this.hostname = o.hostname;
    const args = ['--broker', o.broker, '--prefix', o.prefix, '--hostname', o.hostname];
    if (o.concurrency !== undefined) args.push('--concurrency', String(o.concurrency));
    if (o.prefetch !== undefined) args.push('--prefetch', String(o.prefetch));
    if (o.queues !== undefined) args.push('--queues', o.queues.join(','));
    if (o.visibility !== undefined) args.push('--visibility', String(o.visibility));
    if (o.events === true) args.push('--events');
    const env: NodeJS.ProcessEnv = { ...process.env };
    // The runner's marker would make the child think it is a test file.
    delete env.NODE_TEST_CONTEXT;
    this.child = spawn(process.execPath, ['--conditions=celeriac-source', '--import', 'tsx', SCRIPT, ...args], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout!.setEncoding('utf8').on('data', (s: string) => {
      this.stdout += s;
      this.#notify();
    });
    this.child.stderr!.setEncoding('utf8').on('data', (s: string) => {
      this.stderr = (this.stderr + s).slice(-20_000);
      this.#notify();
    });
    this.exited = new Promise((resolve) => {
      this.child.once('close', (code, signal) => {
        this.#notify();
        resolve({ code, signal });
      });
    });
  }

  /** Starts one and waits for its `ready` line; killed after the test. */
  static async start(t: TestContext, o: WorkerProcessOptions, readyMs = 45_000): Promise<WorkerProcess> {
    const p = new WorkerProcess(o);
    defer(t, () => p.kill());
    await p.waitFor(new RegExp(`^ready ${escape(o.hostname)} \\d+$`, 'm'), `${o.hostname} ready`, readyMs);
    return p;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  #notify(): void {
    for (const l of this.#listeners) l();
  }

  /** Waits until stdout matches `re`; rejects at the deadline or when the process ends first. */
  waitFor(re: RegExp, what: string, ms = 20_000): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      const listener = (): void => {
        const m = this.stdout.match(re);
        if (m !== null) {
          done();
          resolve(m);
        } else if (!this.running) {
          done();
          reject(new Error(`${what}: the worker process ended first (code ${this.child.exitCode}, signal ${this.child.signalCode})\n${this.dump()}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new TimeoutError(`${what}: not seen after ${ms} ms\n${this.dump()}`));
      }, ms);
      const done = (): void => {
        clearTimeout(timer);
        this.#listeners.delete(listener);
      };
      this.#listeners.add(listener);
      listener();
    });
  }

  /** SIGKILL (a crash) and wait for the exit. Harmless when already gone. */
  async kill(): Promise<void> {
    if (this.running) this.child.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM (warm stop) and wait for the exit. */
  async terminate(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.running) this.child.kill('SIGTERM');
    return this.exited;
  }

  dump(): string {
    return `--- ${this.hostname} stdout ---\n${this.stdout.slice(-3000)}\n--- stderr ---\n${this.stderr.slice(-3000)}`;
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
