/**
 * What both pools share: the queue of waiting tasks, the logical size and its autoscaling,
 * event listeners, counters, and the close sequence (warm waits for every task; force aborts
 * them). Subclasses decide how a task runs (`dispatch`), how a running one is revoked and how
 * their resources start and stop.
 */
import { systemClock, type Clock, type TimerHandle } from '../../actors/clock.ts';
import { TaskRevokedError, toWire } from '../../errors.ts';
import { silentLogger, type Logger } from '../../log/logger.ts';
import type { ExecEvent, ExecOutcome, ExecRequest } from '../../protocol/execution.ts';
import { Deque } from '../../util/deque.ts';
import type { Millis } from '../../util/time.ts';
import { autoscaleBounds, autoscaleDecision } from './autoscale.ts';
import type { Pool, PoolImplementation, PoolOptions, PoolStats } from './types.ts';

export interface Entry {
  exec: ExecRequest;
  /** Told the outcome, once: `done(ctx, outcome)`. */
  done: (ctx: never, outcome: ExecOutcome) => void;
  ctx: unknown;
  settled: boolean;
  /** Counted in `activeCount` (handed to a thread or running inline). */
  active: boolean;
}

const DEFAULT_KEEPALIVE: Millis = 30_000;
const DEFAULT_AUTOSCALE_INTERVAL: Millis = 1_000;

export abstract class BasePool<E extends Entry = Entry> implements Pool {
  abstract readonly implementation: PoolImplementation;
  protected readonly queue = new Deque<E>();
  protected readonly clock: Clock;
  protected readonly logger: Logger;
  /** 'warm' or 'force' once `close()` was called. */
  protected closing: 'no' | 'warm' | 'force' = 'no';
  #size: number;
  #min: number;
  #max: number;
  #autoscaling: boolean;
  #lastBusyAt: Millis;
  readonly #keepalive: Millis;
  readonly #interval: Millis;
  #tick: TimerHandle | undefined;
  #active = 0;
  #processed = 0;
  readonly #listeners = new Set<(ev: ExecEvent) => void>();
  #started: Promise<void> | undefined;
  #closed: Promise<void> | undefined;
  #idleWaiters: Array<() => void> = [];

  constructor(opts: PoolOptions) {
    this.clock = opts.clock ?? systemClock;
    this.logger = opts.logger ?? silentLogger();
    this.#keepalive = opts.autoscaleKeepalive ?? DEFAULT_KEEPALIVE;
    this.#interval = opts.autoscaleInterval ?? DEFAULT_AUTOSCALE_INTERVAL;
    this.#lastBusyAt = this.clock.now();
    const auto = opts.autoscale ?? null;
    this.#autoscaling = auto !== null;
    if (auto !== null) {
      const { max, min } = autoscaleBounds(auto[0], auto[1]);
      this.#max = max;
      this.#min = min;
      this.#size = Math.min(max, Math.max(min, Math.floor(opts.concurrency)));
    } else {
      this.#size = this.#min = this.#max = Math.max(1, Math.floor(opts.concurrency));
    }
  }

  get size(): number {
    return this.#size;
  }
  get min(): number {
    return this.#min;
  }
  get max(): number {
    return this.#max;
  }
  get activeCount(): number {
    return this.#active;
  }
  get queuedCount(): number {
    return this.queue.length;
  }

  start(): Promise<void> {
    if (this.#started === undefined) {
      this.#started = this.closing !== 'no' ? Promise.resolve() : this.startResources();
      this.#scheduleTick();
    }
    return this.#started;
  }

  run(exec: ExecRequest): Promise<ExecOutcome> {
    if (this.closing !== 'no') return Promise.resolve({ status: 'aborted', runtime: 0 });
    return new Promise<ExecOutcome>((resolve) => this.#enqueue(exec, resolveWith, resolve));
  }

  runWith<C>(exec: ExecRequest, done: (ctx: C, outcome: ExecOutcome) => void, ctx: C): void {
    if (this.closing !== 'no') {
      queueMicrotask(() => done(ctx, { status: 'aborted', runtime: 0 }));
      return;
    }
    this.#enqueue(exec, done, ctx);
  }

  #enqueue<C>(exec: ExecRequest, done: (ctx: C, outcome: ExecOutcome) => void, ctx: C): void {
    this.queue.push(this.makeEntry(exec, done as Entry['done'], ctx));
    if (this.#started === undefined) {
      this.start().catch((err: unknown) => this.logger.error({ err }, 'pool failed to start'));
    }
    if (this.#autoscaling && this.#size < this.#max) this.#evaluate();
    this.queued();
  }

  revoke(id: string, opts: { terminate: boolean }): boolean {
    const removed = this.queue.removeWhere((e) => e.exec.request.id === id);
    for (const e of removed) this.settle(e, revokedOutcome('revoked', 0));
    const hit = this.revokeActive(id, opts.terminate);
    if (removed.length > 0) this.checkIdle();
    return hit || removed.length > 0;
  }

  grow(n: number): void {
    this.#resize(this.#size + Math.floor(n));
  }

  shrink(n: number): void {
    this.#resize(this.#size - Math.floor(n));
  }

  autoscale(max: number, min: number): void {
    const b = autoscaleBounds(max, min);
    this.#max = b.max;
    this.#min = b.min;
    this.#autoscaling = true;
    this.#resize(this.#size);
    this.#scheduleTick();
  }

  onEvent(listener: (ev: ExecEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }

  close(opts: { force?: boolean } = {}): Promise<void> {
    if (opts.force === true && this.closing !== 'force') {
      this.closing = 'force';
      for (const e of this.queue.drain()) this.settle(e, { status: 'aborted', runtime: 0 });
      this.abortActive();
    } else if (this.closing === 'no') {
      this.closing = 'warm';
    }
    this.#closed ??= this.#shutdown();
    return this.#closed;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  stats(): PoolStats {
    const { threads, batches, batched } = this.runStats();
    return {
      implementation: this.implementation,
      size: this.#size,
      min: this.#min,
      max: this.#max,
      active: this.#active,
      queued: this.queue.length,
      processed: this.#processed,
      threads,
      batches,
      avgBatch: batches === 0 ? 0 : batched / batches,
    };
  }

  // ---- for subclasses ------------------------------------------------------------------------

  protected abstract makeEntry(exec: ExecRequest, done: Entry['done'], ctx: unknown): E;
  /** Creates threads or loads the app; called once, by `start()`. */
  protected abstract startResources(): Promise<void>;
  /** Starts as many queued tasks as the size allows. */
  protected abstract dispatch(): void;
  /** Revokes a task that left the queue; true when it took effect. */
  protected abstract revokeActive(id: string, terminate: boolean): boolean;
  /** Force close: every running task must settle `aborted` (or with the outcome it already had). */
  protected abstract abortActive(): void;
  /** Releases threads and channels, after every task settled. */
  protected abstract stopResources(force: boolean): Promise<void>;
  protected abstract runStats(): { threads: number; batches: number; batched: number };
  /** A task joined the queue. @default dispatches at once */
  protected queued(): void {
    this.dispatch();
  }
  /** The size went up (grow, autoscale): the threads pool starts the threads it now needs. */
  protected grown(): void {}

  protected markActive(e: E): void {
    if (!e.active) {
      e.active = true;
      this.#active++;
    }
  }

  protected markInactive(e: E): void {
    if (e.active) {
      e.active = false;
      this.#active--;
    }
  }

  protected settle(e: E, outcome: ExecOutcome): void {
    if (e.settled) return;
    e.settled = true;
    this.markInactive(e);
    this.#processed++;
    try {
      (e.done as (ctx: unknown, o: ExecOutcome) => void)(e.ctx, outcome);
    } catch (err) {
      this.logger.error({ err, taskId: e.exec.request.id }, 'a pool caller threw on its outcome');
    }
  }

  protected emit(ev: ExecEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(ev);
      } catch (err) {
        this.logger.error({ err }, 'pool event listener threw');
      }
    }
  }

  /** Wakes `close()` once nothing is queued or running. */
  protected checkIdle(): void {
    if (this.queue.length > 0 || this.#active > 0 || this.#idleWaiters.length === 0) return;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const wake of waiters) wake();
  }

  // ---- internals -----------------------------------------------------------------------------

  async #shutdown(): Promise<void> {
    this.#tick?.cancel();
    this.#tick = undefined;
    if (this.queue.length > 0 || this.#active > 0) {
      await new Promise<void>((resolve) => {
        this.#idleWaiters.push(resolve);
        this.checkIdle();
      });
    }
    if (this.#started !== undefined) await this.#started.catch(() => undefined);
    try {
      await this.stopResources(this.closing === 'force');
    } catch (err) {
      this.logger.error({ err }, 'pool failed to stop cleanly');
    }
  }

  #resize(target: number): void {
    const floor = this.#autoscaling ? this.#min : 1;
    const ceil = this.#autoscaling ? this.#max : Number.MAX_SAFE_INTEGER;
    const next = Math.min(ceil, Math.max(floor, target));
    if (!this.#autoscaling) this.#min = this.#max = next;
    const grew = next > this.#size;
    if (grew) this.#lastBusyAt = this.clock.now();
    this.#size = next;
    if (grew) this.grown();
    this.dispatch();
  }

  #evaluate(): void {
    const now = this.clock.now();
    if (this.#active + this.queue.length >= this.#size) this.#lastBusyAt = now;
    const target = autoscaleDecision({
      size: this.#size,
      min: this.#min,
      max: this.#max,
      active: this.#active,
      queued: this.queue.length,
      now,
      lastBusyAt: this.#lastBusyAt,
      keepalive: this.#keepalive,
    });
    if (target !== this.#size) this.#resize(target);
  }

  #scheduleTick(): void {
    if (!this.#autoscaling || this.#tick !== undefined || this.closing !== 'no' || this.#started === undefined) return;
    this.#tick = this.clock.setTimeout(() => {
      this.#tick = undefined;
      this.#evaluate();
      this.#scheduleTick();
    }, this.#interval);
  }
}

/** run()'s `done`: the context is the promise's resolve. */
function resolveWith(resolve: (o: ExecOutcome) => void, outcome: ExecOutcome): void {
  resolve(outcome);
}

export function revokedOutcome(message: string, runtime: number): ExecOutcome {
  return { status: 'revoked', error: toWire(new TaskRevokedError(message)), runtime };
}
