/**
 * A worker embedded in a host: `app.worker(opts)` returns it at once; `start()` resolves when it
 * consumes; `stop()` is warm (running tasks finish, then everything closes; cold after the
 * shutdown deadline); `stop({ force: true })` is cold (running tasks are aborted and their
 * unacked messages go back to the broker). Nothing it opened keeps the host alive afterwards.
 */
import { fileURLToPath } from 'node:url';
import { ClosedError, ConfigError } from '../errors.ts';
import type { Logger } from '../log/logger.ts';
import type { WorkerHost } from './host.ts';
import { normalizeAccept } from '../serialization/accept.ts';
import type { ControlRequest } from '../protocol/control.ts';
import { toMillis } from '../util/time.ts';
import { resolveWorkerOptions, type ResolvedWorkerOptions, type WorkerOptions } from './options.ts';
import { WorkerSupervisor } from './supervisor.ts';
import { buildInternals } from './internals.ts';
import { handleControl } from './control-handler.ts';

export type { WorkerOptions, WorkerHost };

export type WorkerState = 'idle' | 'starting' | 'running' | 'stopping' | 'stopped' | 'offline';

export class Worker {
  readonly options: ResolvedWorkerOptions;
  readonly #app: WorkerHost;
  readonly #logger: Logger;
  #sup: WorkerSupervisor | undefined;
  #state: WorkerState = 'idle';
  #starting: Promise<void> | undefined;
  #stopping: Promise<void> | undefined;
  readonly #closedListeners: (() => void)[] = [];
  #offline: ((reason: string) => void)[] = [];

  constructor(app: WorkerHost, options: WorkerOptions = {}) {
    this.#app = app;
    this.options = resolveWorkerOptions(options, app.conf as never);
    this.#logger = app.logger.child({ hostname: this.options.hostname });
  }

  get hostname(): string {
    return this.options.hostname;
  }
  get state(): WorkerState {
    return this.#state;
  }
  /** The supervisor tree, once started (for inspection and tests). */
  get supervisor(): WorkerSupervisor | undefined {
    return this.#sup;
  }

  /** Starts consuming; resolves once every consumer is subscribed. */
  start(): Promise<void> {
    this.#starting ??= this.#start().catch(async (err: unknown) => {
      this.#state = 'stopped';
      this.#notifyClosed();
      throw err;
    });
    return this.#starting;
  }

  async #start(): Promise<void> {
    if (this.#stopping !== undefined) throw new ClosedError('the worker was stopped');
    this.#state = 'starting';
    const module = this.options.module;
    if (this.options.pool === 'threads' && module === undefined) {
      throw Object.assign(
        new ConfigError("a threads worker needs the app module: new Celeriac(name, { module: import.meta.url }) or app.worker({ module })"),
        { key: 'module' },
      );
    }
    const transport = await this.#app.transport();
    const live = this.#app.conf as unknown as Record<string, unknown> & { snapshot?: () => Record<string, unknown> };
    // Config's snapshot is one frozen object until the next change: plain property reads on
    // every task, where each of its accessors is a lookup.
    const current = (): Record<string, unknown> => live.snapshot?.() ?? live;
    let accept = normalizeAccept(current().acceptContent as string[]);
    let acceptSource = current().acceptContent;
    const sup = new WorkerSupervisor(
      {
        app: this.#app,
        transport,
        options: this.options,
        appModule: module === undefined ? '' : module.startsWith('file:') ? fileURLToPath(module) : module,
        clock: this.#app.clock,
        logger: this.#logger,
        conf: () => current() as never,
        accept: () => {
          const conf = current();
          if (conf.acceptContent !== acceptSource) {
            acceptSource = conf.acceptContent;
            accept = normalizeAccept(conf.acceptContent as string[]);
          }
          return accept;
        },
      },
      (reason) => this.#goOffline(reason),
    );
    const internals = buildInternals(sup, this.#app, transport, () => void this.stop());
    sup.handleControl = (req: ControlRequest) => handleControl(internals, req);
    this.#sup = sup;
    await sup.start();
    this.#state = 'running';
    this.#logger.info({ queues: this.options.queues, concurrency: this.options.concurrency, pool: this.options.pool }, 'worker ready');
  }

  #goOffline(reason: string): void {
    this.#state = 'offline';
    for (const cb of this.#offline) cb(reason);
    this.#notifyClosed();
  }

  /** Called when the worker goes offline on its own (restart budget exceeded). */
  onOffline(cb: (reason: string) => void): void {
    this.#offline.push(cb);
  }

  /** Warm by default; `force` aborts running tasks and hands their messages back. */
  stop(opts: { force?: boolean } = {}): Promise<void> {
    if (opts.force === true && this.#stopping !== undefined && this.#sup !== undefined) {
      // A second, cold stop while a warm one waits: cut the wait short.
      return this.#sup.stop({ force: true, deadlineMs: 0 }).then(() => this.#stopping);
    }
    this.#stopping ??= (async () => {
      this.#state = 'stopping';
      try {
        await this.#starting?.catch(() => undefined);
        await this.#sup?.stop({ force: opts.force ?? false, deadlineMs: toMillis(this.options.shutdownTimeout) });
      } finally {
        if ((this.#state as WorkerState) !== 'offline') this.#state = 'stopped';
        this.#logger.info('worker stopped');
        this.#notifyClosed();
      }
    })();
    return this.#stopping;
  }

  onClosed(cb: () => void): void {
    this.#closedListeners.push(cb);
  }

  #notifyClosed(): void {
    for (const cb of this.#closedListeners.splice(0)) cb();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}
