/**
 * The pool the worker supervisor owns: it runs ExecRequests on threads (Piscina) or on the
 * host's loop, and answers each with an ExecOutcome. Its size is the worker's concurrency.
 */
import type { Clock } from '../../actors/clock.ts';
import type { Logger } from '../../log/logger.ts';
import type { ExecEvent, ExecOutcome, ExecRequest } from '../../protocol/execution.ts';
import type { Millis } from '../../util/time.ts';

export type PoolImplementation = 'threads' | 'inline';

export interface PoolOptions {
  /** `threads`: Piscina worker threads; `inline`: the host's event loop (I/O-bound async tasks). */
  kind: PoolImplementation;
  /** How many tasks run at once (threads busy, or inline tasks in flight). */
  concurrency: number;
  /** `[max, min]`: grow with load up to max, shrink back to min when idle. @default null (fixed) */
  autoscale?: [max: number, min: number] | null;
  /** File URL or path of the user's app module, imported by each thread (and lazily inline). */
  appModule: string;
  /** The app whose task table (src/task/registry.ts) holds the tasks. */
  appName: string;
  /** Drives the autoscale ticks and the inline pool's hard limits. @default systemClock */
  clock?: Clock;
  /** @default a silent logger */
  logger?: Logger;
  /** Heap limit of each thread in MB (`resourceLimits.maxOldGenerationSizeMb`). @default null (Node's) */
  maxMemoryMb?: number | null;
  /** The most tasks handed to a thread in one `run()`. @default 64 */
  maxBatch?: number;
  /** Bytes of each batch's outcome log (a SharedArrayBuffer); outcomes that do not fit end the batch early. @default 131072 */
  batchBufferBytes?: number;
  /** Milliseconds an idle thread beyond the minimum lives. @default 30000 */
  idleTimeout?: Millis;
  /** Milliseconds without full load before autoscale shrinks one step (Celery's keepalive). @default 30000 */
  autoscaleKeepalive?: Millis;
  /** Milliseconds between autoscale checks. @default 1000 */
  autoscaleInterval?: Millis;
}

export interface PoolStats {
  implementation: PoolImplementation;
  size: number;
  min: number;
  max: number;
  /** Tasks handed to a thread (running, or waiting in a thread's batch) or running inline. */
  active: number;
  /** Tasks waiting in the pool's own queue. */
  queued: number;
  /** Tasks that ended with an outcome. */
  processed: number;
  /** Live threads (0 for inline). */
  threads: number;
  /** `run()` calls made to threads (0 for inline). */
  batches: number;
  /** Tasks per `run()` on average (0 before the first). */
  avgBatch: number;
}

export interface Pool extends AsyncDisposable {
  readonly implementation: PoolImplementation;
  /** The number of tasks allowed to run at once now. */
  readonly size: number;
  readonly min: number;
  readonly max: number;
  readonly activeCount: number;
  readonly queuedCount: number;
  /** Threads: creates Piscina and warms `min` threads with the app module loaded; rejects if it cannot load. */
  start(): Promise<void>;
  /** Never rejects: every failure, limit, revocation or shutdown is an outcome. */
  run(exec: ExecRequest): Promise<ExecOutcome>;
  /**
   * run() without a promise, for callers that run every task through it: `done(ctx, outcome)`
   * is called once, never synchronously and never rejecting.
   */
  runWith?<C>(exec: ExecRequest, done: (ctx: C, outcome: ExecOutcome) => void, ctx: C): void;
  /**
   * A queued task resolves `revoked` without running; a running one, with `terminate`, is cut
   * short (its thread is terminated) and resolves `revoked`. True when the revoke took effect.
   */
  revoke(id: string, opts: { terminate: boolean }): boolean;
  grow(n: number): void;
  shrink(n: number): void;
  /** Turns autoscaling on (or changes its bounds); `max` and `min` are clamped to be sane. */
  autoscale(max: number, min: number): void;
  /** Events of running tasks (started, updateState), in order per task. Returns an unsubscribe. */
  onEvent(listener: (ev: ExecEvent) => void): () => void;
  /** Warm: finishes queued and running tasks. `force`: they resolve `aborted` at once. Idempotent. */
  close(opts?: { force?: boolean }): Promise<void>;
  stats(): PoolStats;
}
