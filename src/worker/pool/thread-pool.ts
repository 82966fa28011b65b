/**
 * The threads pool: Piscina runs thread-main.ts; this side decides what each `run()` carries.
 * A `run()` costs ~37 µs of main-thread CPU (DESIGN.md §6b), so when more tasks wait than
 * threads are free, a thread gets a batch (≈ queued / free, at most `maxBatch`); when the queue
 * is shallow, one task per run keeps latency low. Each batch runs against a BatchBuffer through
 * which outcomes, hard limits, revocation and thread deaths stay exact per task (see run-state.ts).
 *
 * A run goes to Piscina only while one of its threads is up and idle, so it starts at once and
 * never waits in Piscina's queue for a thread that is still starting (a new thread takes tens of
 * ms, more under tsx or load) while another frees up first. Threads are started ahead of need
 * instead: when the size grows (start, grow, autoscale) or tasks wait with slots free, warm-ups
 * bring the thread count up to the size (thread-balancer.ts).
 */
import { randomUUID } from 'node:crypto';
import { BroadcastChannel } from 'node:worker_threads';
import { extname } from 'node:path';
import { Piscina } from 'piscina';
import { fromWire } from '../../errors.ts';
import type { ExecOutcome, ExecRequest } from '../../protocol/execution.ts';
import { toModuleUrl } from './app-module.ts';
import { BasePool } from './base-pool.ts';
import { BatchBuffer } from './batch-buffer.ts';
import { BatchRun, type ThreadEntry } from './run-state.ts';
import { packExecs } from './thread-execs.ts';
import { ThreadBalancer, WARM } from './thread-balancer.ts';
import type { ChannelMessage, ThreadCall, ThreadData, ThreadReply } from './thread-messages.ts';
import type { PoolOptions } from './types.ts';

const DEFAULT_MAX_BATCH = 64;
const DEFAULT_LOG_BYTES = 128 * 1024;
const DEFAULT_IDLE_TIMEOUT = 30_000;
/** Piscina starts threads for warm-ups (up to `size`) and to replace lost ones, never on its own. */
const THREAD_CAP = 1024;
/** Batches aim at about this much work, so long tasks are not stuck behind one another. */
const BATCH_BUDGET_MS = 20;

/** Same extension as this file: `.ts` under tsx, `.js` from dist/. */
const THREAD_ENTRY = new URL(`./thread-main${extname(new URL(import.meta.url).pathname)}`, import.meta.url).href;

export class ThreadPool extends BasePool<ThreadEntry> {
  readonly implementation = 'threads' as const;
  readonly #opts: PoolOptions;
  readonly #maxBatch: number;
  readonly #logBytes: number;
  readonly #channelName = `celeriac-pool-${randomUUID()}`;
  #piscina: Piscina<ThreadCall, ThreadReply> | undefined;
  #ready = false;
  readonly #balancer = new ThreadBalancer();
  /** Warm-ups in flight, aborted at close (one controller each: a shared signal would collect listeners). */
  readonly #warmups = new Set<AbortController>();
  #channel: BroadcastChannel | undefined;
  /** Runs in flight: at most `size`. */
  readonly #runs = new Set<BatchRun>();
  /** Runs whose events may still arrive (in flight, or holding outcomes for late events). */
  readonly #routes = new Map<number, BatchRun>();
  readonly #buffers: BatchBuffer[] = [];
  #seq = 0;
  #batches = 0;
  #batched = 0;
  /** Moving average of task runtime, to size batches. */
  #avgMs = 0;

  constructor(opts: PoolOptions) {
    super(opts);
    this.#opts = opts;
    this.#maxBatch = Math.max(1, Math.min(1024, Math.floor(opts.maxBatch ?? DEFAULT_MAX_BATCH)));
    this.#logBytes = Math.max(1024, opts.batchBufferBytes ?? DEFAULT_LOG_BYTES);
  }

  protected makeEntry(exec: ExecRequest, done: ThreadEntry['done'], ctx: unknown): ThreadEntry {
    return { exec, done, ctx, settled: false, active: false, seen: 0, expected: 0, held: null, heldTimer: null };
  }

  protected async startResources(): Promise<void> {
    const data: ThreadData = {
      appModule: toModuleUrl(this.#opts.appModule),
      appName: this.#opts.appName,
      channel: this.#channelName,
    };
    const mb = this.#opts.maxMemoryMb ?? null;
    // Never pass execArgv: threads inherit the host's (`--import tsx` for .ts app modules).
    const piscina = new Piscina<ThreadCall, ThreadReply>({
      filename: THREAD_ENTRY,
      minThreads: this.min,
      maxThreads: Math.max(THREAD_CAP, this.max),
      idleTimeout: this.#opts.idleTimeout ?? DEFAULT_IDLE_TIMEOUT,
      concurrentTasksPerWorker: 1,
      loadBalancer: this.#balancer.balance,
      workerData: data,
      ...(mb !== null ? { resourceLimits: { maxOldGenerationSizeMb: mb } } : {}),
    });
    // A thread that dies with no run of ours on it is reported here; unheard, it would crash the host.
    piscina.on('error', (err: unknown) => this.logger.error({ err }, 'pool thread error'));
    // A thread that Piscina started by itself (a replacement) is up and idle: give it work. After
    // the current call: Piscina emits this before it counts the thread as ready.
    piscina.on('workerCreate', () => queueMicrotask(() => this.dispatch()));
    piscina.on('workerDestroy', (w: { id: number }) => this.#balancer.forget(w.id));
    const channel = new BroadcastChannel(this.#channelName);
    (channel as BroadcastChannel & { unref?: () => void }).unref?.();
    channel.addEventListener('message', (ev) => this.#onChannel((ev as MessageEvent).data as ChannelMessage));
    this.#piscina = piscina;
    this.#channel = channel;
    // Tasks submitted while the threads load the app module wait in the queue, and leave in
    // batches once they are ready. A load error does not stop them: each fails with it. The
    // first `min` threads are awaited; the rest of `size` warm up meanwhile.
    const pings = this.#warmUp(piscina, Math.max(1, this.min));
    this.#topUp(piscina);
    let replies: ThreadReply[];
    try {
      replies = await Promise.all(pings);
    } finally {
      this.#ready = true;
      this.dispatch();
    }
    for (const reply of replies) {
      if (reply.kind === 'pong' && reply.error !== null) throw fromWire(reply.error);
    }
  }

  protected async stopResources(force: boolean): Promise<void> {
    const piscina = this.#piscina;
    this.#piscina = undefined;
    // Before Piscina's close(): it would otherwise wait for threads still starting up.
    for (const ac of this.#warmups) ac.abort();
    try {
      if (piscina !== undefined) await (force ? piscina.destroy() : piscina.close());
    } finally {
      this.#channel?.close();
      this.#channel = undefined;
    }
  }

  protected runStats(): { threads: number; batches: number; batched: number } {
    return { threads: this.#piscina?.threads.length ?? 0, batches: this.#batches, batched: this.#batched };
  }

  protected dispatch(): void {
    const piscina = this.#piscina;
    if (piscina === undefined || !this.#ready || this.closing === 'force') return;
    // `idleThreads` drops as each run is handed over (Piscina posts it at once).
    while (this.#runs.size < this.size && this.queue.length > 0 && piscina.idleThreads > 0) {
      // Slots whose thread is still starting count as free: the queue is shared among them all.
      const n = this.#batchSize(this.queue.length, this.size - this.#runs.size);
      const entries: ThreadEntry[] = [];
      while (entries.length < n && this.queue.length > 0) entries.push(this.queue.shift()!);
      this.#launch(piscina, entries);
    }
    // Tasks wait with slots free and no thread idle: threads that timed out idle, or were lost.
    if (this.queue.length > 0 && this.#runs.size < this.size) this.#topUp(piscina);
  }

  /**
   * Tasks handed over in one burst (a broker's delivery pass calls run() once per message) leave
   * together, one microtask later, so that they make one batch instead of a first run of one.
   */
  protected override queued(): void {
    if (this.#dispatchSoon) return;
    this.#dispatchSoon = true;
    queueMicrotask(this.#dispatchNow);
  }

  #dispatchSoon = false;
  readonly #dispatchNow = (): void => {
    this.#dispatchSoon = false;
    this.dispatch();
  };

  protected override grown(): void {
    if (this.#piscina !== undefined) this.#topUp(this.#piscina);
  }

  /** Starts threads until Piscina has `size` (busy, idle or starting). */
  #topUp(piscina: Piscina<ThreadCall, ThreadReply>): void {
    const missing = this.size - piscina.threads.length;
    if (missing > 0 && this.closing !== 'force') this.#warmUp(piscina, missing);
  }

  /**
   * `n` warm-ups, each on a thread of its own (started if need be); each one done frees a
   * warm thread, so it dispatches. Abortable, as batches are: Piscina keeps those in its
   * "skip" queue and still places a later batch at once on an idle thread.
   */
  #warmUp(piscina: Piscina<ThreadCall, ThreadReply>, n: number): Promise<ThreadReply>[] {
    return this.#balancer.spawning(() =>
      Array.from({ length: n }, () => {
        const ac = new AbortController();
        this.#warmups.add(ac);
        const reply = piscina.run({ kind: 'ping' }, { name: WARM, signal: ac.signal });
        reply.then(
          () => {
            this.#warmups.delete(ac);
            this.dispatch();
          },
          (err: unknown) => {
            this.#warmups.delete(ac);
            if (!ac.signal.aborted) this.logger.warn({ err }, 'pool thread failed to warm up');
          },
        );
        return reply;
      }),
    );
  }

  #batchSize(queued: number, free: number): number {
    if (queued <= free) return 1;
    let n = Math.ceil(queued / free);
    if (this.#avgMs > 0) n = Math.min(n, Math.max(1, Math.floor(BATCH_BUDGET_MS / this.#avgMs)));
    return Math.min(n, this.#maxBatch);
  }

  #launch(piscina: Piscina<ThreadCall, ThreadReply>, entries: ThreadEntry[]): void {
    const key = ++this.#seq;
    const buf = this.#buffers.pop() ?? new BatchBuffer(this.#maxBatch, this.#logBytes);
    buf.reset(entries.length);
    const run = new BatchRun(key, entries, buf, this.#runHooks);
    for (const e of entries) this.markActive(e);
    this.#runs.add(run);
    this.#routes.set(key, run);
    this.#batches++;
    this.#batched += entries.length;
    const call: ThreadCall = { kind: 'batch', key, execs: packExecs(entries.map((e) => e.exec)), sab: buf.sab };
    piscina.run(call, { signal: run.signal }).then(
      (reply) => this.#finish(run, reply.kind === 'done' ? reply : null, null),
      (err: unknown) => this.#finish(run, null, err),
    );
    run.armWatchdog();
  }

  /** The same for every run: made once. */
  readonly #runHooks = {
    settle: (e: ThreadEntry, o: ExecOutcome): void => this.#settleEntry(e, o),
    observe: (seconds: number): void => {
      this.#avgMs = this.#avgMs === 0 ? seconds * 1000 : this.#avgMs * 0.9 + seconds * 100;
    },
    released: (r: BatchRun): void => {
      if (r.finished) this.#routes.delete(r.key);
    },
  };

  #finish(run: BatchRun, reply: Extract<ThreadReply, { kind: 'done' }> | null, err: unknown): void {
    this.#runs.delete(run);
    const clean = err === null && run.killedFor === null && reply?.spill == null;
    // The usual case: hand the thread its next batch before reading this one's outcomes, so it
    // works while this side settles them. Otherwise tasks may go back to the queue's front first.
    if (clean) this.dispatch();
    if (err !== null && run.killedFor === null) {
      this.logger.warn({ err }, 'pool thread lost while running a batch');
    }
    const requeue = run.finish(reply?.spill ?? null, err);
    // Its thread is gone (terminated or died): Piscina replaces only up to its `minThreads`.
    if (err !== null && this.#piscina !== undefined) this.#topUp(this.#piscina);
    // A buffer the thread may still touch (terminated, not yet gone) is never reused.
    if (err === null) this.#buffers.push(run.buf);
    if (run.holding === 0) this.#routes.delete(run.key);
    for (const e of requeue) this.markInactive(e);
    if (this.closing === 'force') {
      for (const e of requeue) this.settle(e, { status: 'aborted', runtime: 0 });
    } else {
      this.queue.unshiftAll(requeue);
    }
    this.dispatch();
    this.checkIdle();
  }

  #settleEntry(e: ThreadEntry, outcome: ExecOutcome): void {
    this.settle(e, outcome);
    this.checkIdle();
  }

  #onChannel([key, index, ev]: ChannelMessage): void {
    const run = this.#routes.get(key);
    this.emit(ev);
    run?.eventSeen(index);
  }

  protected revokeActive(id: string, terminate: boolean): boolean {
    let hit = false;
    for (const run of this.#runs) {
      if (run.revoke(id, terminate)) hit = true;
    }
    return hit;
  }

  protected abortActive(): void {
    for (const run of this.#runs) run.kill('aborted', -1);
  }
}
