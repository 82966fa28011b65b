/**
 * `Celeriac`: the app. It holds the configuration and the task registry, publishes calls, hands
 * out results, and composes workers; it is the only place that chooses implementations.
 * Constructing one has no side effects: the transport opens on first publish, wait or start.
 */
import { systemClock, type Clock } from '../actors/clock.ts';
import { Config } from '../config/config.ts';
import { loadConfigModule } from '../config/load.ts';
import { validateTaskOptions } from '../config/task-options.ts';
import { validateApplyOptions } from '../config/task-options.ts';
import { ConfigError, ClosedError } from '../errors.ts';
import { silentLogger, type Logger } from '../log/logger.ts';
import { AsyncResult } from '../result/async-result.ts';
import { GroupResult } from '../result/group-result.ts';
import type { AppContext, SendOptions, SentTask } from '../task/app-context.ts';
import { setCurrentApp } from '../task/current-app.ts';
import type { TaskContext } from '../task/context.ts';
import type { TaskOptions } from '../task/options.ts';
import { Producer } from '../task/producer.ts';
import { taskTable, type TaskDefinition, type TaskTable } from '../task/registry.ts';
import { compileRoutes, type TaskRoutes } from '../task/routing.ts';
import { Task } from '../task/task.ts';
import { openTransport } from '../transport/open.ts';
import type { ResultBackend, Transport } from '../transport/types.ts';
import { Worker, type WorkerOptions } from '../worker/worker.ts';
import { registerBuiltinTasks } from '../canvas/builtin-tasks.ts';
import { ControlClient } from '../control/client.ts';
import { toMillis } from '../util/time.ts';

export interface CeleriacOptions {
  /** Broker URL: `'memory://'` (default, in-process) or `'nats://host:port'` (comma-separated for a cluster). */
  broker?: string;
  /** Result backend URL; default: the same kind as the broker; `'disabled'` stores no results. */
  backend?: string;
  /** Where worker threads load this app module from: pass `import.meta.url`. */
  module?: string | URL;
  /** A pino logger; silent by default when embedded. */
  logger?: Logger;
  /** The clock timers read; tests inject a simulated one. @default the system clock */
  clock?: Clock;
  /** Any other configuration keys (any alias), as `conf.update()` takes them. */
  config?: Record<string, unknown>;
}

type Fn = (...args: never[]) => unknown;

/** SendOptions fields that are not ApplyOptions: set by celeriac itself (canvas ids and embeds). */
const CANVAS_FIELDS: ReadonlySet<string> = new Set(['kwargs', 'parentId', 'rootId', 'groupId', 'groupIndex', 'retries', 'chain', 'chord', 'replyTo']);

/** Checks the public options of a call; the canvas' own fields are set by celeriac itself. */
function validateSendOptions(options: SendOptions): void {
  // Every publish comes here: options with only canvas fields (or none, as `delay()` gives)
  // have nothing to check, and are recognised without copying them.
  if (typeof options === 'object' && options !== null) {
    let publicField = false;
    for (const key in options) {
      if (!CANVAS_FIELDS.has(key)) {
        publicField = true;
        break;
      }
    }
    if (!publicField) return;
  }
  const { kwargs: _k, parentId: _p, rootId: _r, groupId: _g, groupIndex: _i, retries: _n, chain: _c, chord: _d, replyTo: _t, ...pub } = options;
  validateApplyOptions(pub);
}

export class Celeriac implements AppContext {
  readonly name: string;
  readonly conf: Config;
  readonly logger: Logger;
  readonly clock: Clock;
  /** Remote control: `inspect()`, `revoke`, `rateLimit`, `ping`, ... */
  readonly control: ControlClient;
  readonly #module: string | undefined;
  readonly #table: TaskTable;
  readonly #producer: Producer;
  readonly #workers = new Set<Worker>();
  #transport: Promise<Transport> | undefined;
  /** The transport once it opened (until close). */
  #openTransport: Transport | undefined;
  #router: ReturnType<typeof compileRoutes> | undefined;
  #closing: Promise<void> | undefined;

  constructor(name: string, options: CeleriacOptions = {}) {
    if (typeof name !== 'string' || name.length === 0) {
      throw Object.assign(new ConfigError('the app name must be a non-empty string'), { key: 'name', value: name });
    }
    this.name = name;
    this.logger = options.logger ?? silentLogger();
    this.clock = options.clock ?? systemClock;
    this.conf = new Config();
    const initial: Record<string, unknown> = { ...(options.config ?? {}) };
    if (options.broker !== undefined) initial.broker = options.broker;
    if (options.backend !== undefined) initial.backend = options.backend;
    this.conf.update(initial);
    this.conf.onChange(() => (this.#router = undefined));
    this.#module = options.module === undefined ? undefined : String(options.module);
    this.#table = taskTable(name);
    registerBuiltinTasks(this.#table);
    this.#producer = new Producer({
      // The snapshot is one frozen object until the next change: plain property reads, where
      // each of Config's accessors is a lookup (a publish reads about ten keys).
      conf: () => this.conf.snapshot(),
      router: () => (this.#router ??= compileRoutes(this.conf.taskRoutes as TaskRoutes)),
      broker: async () => (await this.transport()).broker,
      openBroker: () => this.#openTransport?.broker,
      events: async () => (await this.transport()).events,
      replyTo: (id) => this.#openTransport?.backend?.expectReply?.(id),
      lookup: (n) => this.#table.get(n),
      clock: this.clock,
      logger: this.logger,
    });
    this.control = new ControlClient({ transport: () => this.transport(), conf: () => this.conf });
    setCurrentApp(this);
  }

  /** The app module's URL, for worker threads. */
  get module(): string | undefined {
    return this.#module;
  }

  /** Registers a task; with `bind: true` the function receives a TaskContext first. */
  task<A extends unknown[], R>(
    name: string,
    fn: (self: TaskContext, ...args: A) => R,
    options: TaskOptions & { bind: true },
  ): Task<A, Awaited<R>>;
  task<A extends unknown[], R>(name: string, fn: (...args: A) => R, options?: TaskOptions & { bind?: false }): Task<A, Awaited<R>>;
  task(name: string, fn: Fn, options: TaskOptions = {}): Task {
    if (typeof name !== 'string' || name.length === 0) {
      throw Object.assign(new ConfigError('a task name must be a non-empty string'), { key: 'name', value: name });
    }
    if (typeof fn !== 'function') {
      throw Object.assign(new ConfigError(`task '${name}' needs a function`), { key: 'fn', value: fn });
    }
    const def: TaskDefinition = { name, fn, options: validateTaskOptions(name, options) };
    this.#table.set(name, def);
    return new Task(this, def);
  }

  /** Registered task names. */
  get tasks(): string[] {
    return [...this.#table.keys()];
  }

  lookup(taskName: string): TaskDefinition | undefined {
    return this.#table.get(taskName);
  }

  /** Loads configuration from a module path (relative to cwd) or an object. */
  async configFromObject(source: string | Record<string, unknown>): Promise<void> {
    this.conf.update(await loadConfigModule(source));
  }

  /** Publishes a task by name (it need not be registered here). */
  async sendTask<R = unknown>(taskName: string, args: unknown[] = [], options: SendOptions = {}): Promise<AsyncResult<R>> {
    const sent = await this.send(taskName, args, options);
    return new AsyncResult<R>(sent.id, this, { ignored: sent.ignored });
  }

  send(taskName: string, args: unknown[], options: SendOptions): Promise<SentTask> {
    try {
      this.#assertOpen();
      validateSendOptions(options);
      if (!Array.isArray(args)) throw Object.assign(new ConfigError('`args` must be an array'), { key: 'args', value: args });
    } catch (err) {
      return Promise.reject(err);
    }
    return this.#producer.send(taskName, args, options);
  }

  async sendMany(items: { taskName: string; args: unknown[]; options: SendOptions }[]): Promise<SentTask[]> {
    this.#assertOpen();
    for (const i of items) validateSendOptions(i.options);
    return this.#producer.sendMany(items);
  }

  asyncResult<R = unknown>(id: string): AsyncResult<R> {
    return new AsyncResult<R>(id, this);
  }

  /** Restores a saved group result. */
  async groupResult(id: string): Promise<GroupResult | undefined> {
    return GroupResult.restore(this, id);
  }

  async revoke(taskIds: string[], opts: { terminate?: boolean } = {}): Promise<void> {
    await this.control.revoke(taskIds, opts);
  }

  /** A worker embedded in this process; `start()` it. */
  worker(options: WorkerOptions = {}): Worker {
    this.#assertOpen();
    const w = new Worker(this, { module: this.#module, ...options });
    this.#workers.add(w);
    w.onClosed(() => this.#workers.delete(w));
    return w;
  }

  transport(): Promise<Transport> {
    if (this.#closing !== undefined) return Promise.reject(new ClosedError('the app is closed'));
    this.#transport ??= openTransport(String(this.conf.broker), {
      backendUrl: this.conf.backend as string | undefined,
      clock: this.clock,
      logger: this.logger.child({ actor: 'transport' }),
      resultExpires: this.conf.resultExpires === null ? null : toMillis(this.conf.resultExpires as number),
      visibilityTimeout: toMillis(this.conf.brokerVisibilityTimeout as number),
      prefix: this.conf.transportPrefix as string,
      connectionOptions: this.conf.brokerConnectionOptions as Record<string, unknown>,
      connectTimeout: toMillis(this.conf.brokerConnectionTimeout as number),
      replicas: (this.conf.brokerTransportOptions as { replicas?: number }).replicas,
      resultSerializer: this.conf.resultSerializer as 'msgpack' | 'json',
    }).then(
      (t) => {
        if (this.#closing === undefined) this.#openTransport = t;
        return t;
      },
      (err: unknown) => {
        // A failed open is not memoised: the next publish (or its retry) tries again.
        this.#transport = undefined;
        throw err;
      },
    );
    return this.#transport;
  }

  async backend(): Promise<ResultBackend | null> {
    return (await this.transport()).backend;
  }

  openBackend(): ResultBackend | null | undefined {
    return this.#openTransport?.backend;
  }

  #assertOpen(): void {
    if (this.#closing !== undefined) throw new ClosedError('the app is closed');
  }

  /** Stops (warm) every worker this app started, then closes the connections. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      for (const w of [...this.#workers]) {
        try {
          await w.stop();
        } catch (err) {
          this.logger.error({ err }, 'worker stop failed during app.close()');
        }
      }
      this.#producer.close();
      this.#openTransport = undefined;
      const t = this.#transport;
      if (t !== undefined) {
        try {
          await (await t).close();
        } catch (err) {
          this.logger.debug({ err }, 'transport close after failed open');
        }
      }
    })();
    return this.#closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
