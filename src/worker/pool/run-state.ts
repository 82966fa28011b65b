/**
 * One Piscina `run()` of the threads pool, seen from the main side: its tasks, its buffer, its
 * watchdog, and how it ends. The rules that keep a batch exact per task:
 * - a task the thread has not started can be claimed (revoked, or taken back to requeue) by a
 *   compare-and-swap in the buffer; the thread skips claimed tasks;
 * - outcomes are read from the buffer's log, so those written before the thread was terminated
 *   or died still stand;
 * - a hard limit or `revoke({ terminate })` first claims every task after the victim, then
 *   aborts the run (Piscina terminates the thread and replaces it); the victim alone gets the
 *   terminal outcome, and the claimed tasks go back to the front of the pool's queue;
 * - an outcome waits until the ExecEvents its task posted (counted in the buffer) have arrived,
 *   so that `started` is never seen after the task ended.
 */
import { TimeLimitExceeded, WorkerLostError, toWire } from '../../errors.ts';
import type { ExecOutcome } from '../../protocol/execution.ts';
import { revokedOutcome, type Entry } from './base-pool.ts';
import { decodeOutcome, type BatchBuffer } from './batch-buffer.ts';

export interface ThreadEntry extends Entry {
  /** Events received for it in its current run. */
  seen: number;
  /** Events its thread had posted when its outcome was read. */
  expected: number;
  /** An outcome waiting for late events. */
  held: ExecOutcome | null;
  heldTimer: ReturnType<typeof setTimeout> | null;
}

export type KillReason = 'time-limit' | 'revoke' | 'aborted';

interface RunHooks {
  settle(e: ThreadEntry, outcome: ExecOutcome): void;
  /** The runtime of a task that ended by itself (not cut short), to size later batches. */
  observe(seconds: number): void;
  /** The run finished and holds no outcome any more. */
  released(run: BatchRun): void;
}

/**
 * What Piscina asks of a run's abort signal (`addEventListener`, `aborted`, `reason`): one is
 * made per run, and an AbortController (an EventTarget) cost more to make than the rest of the
 * run's bookkeeping together.
 */
export class RunSignal {
  aborted = false;
  reason: unknown = undefined;
  #listeners: (() => void)[] = [];

  addEventListener(_type: 'abort', listener: () => void): void {
    this.#listeners.push(listener);
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    const i = this.#listeners.indexOf(listener);
    if (i >= 0) this.#listeners.splice(i, 1);
  }

  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = new Error('the run was aborted');
    const listeners = this.#listeners;
    this.#listeners = [];
    for (const l of listeners) l();
  }
}

/** How long an outcome waits for events that its thread posted (they are already queued). */
const EVENT_GRACE_MS = 250;

export class BatchRun {
  readonly key: number;
  readonly entries: ThreadEntry[];
  readonly buf: BatchBuffer;
  killedFor: { reason: KillReason; target: number } | null = null;
  finished = false;
  /** Outcomes held for late events. */
  holding = 0;
  readonly #hooks: RunHooks;
  readonly #signal = new RunSignal();
  /** Per task: its hard limit in ms, or null. */
  readonly #limits: Array<number | null>;
  /** Per index: the smallest hard limit from there to the end (Infinity if none); null if none at all. */
  readonly #suffixMin: number[] | null;
  #watchdog: ReturnType<typeof setTimeout> | undefined;

  constructor(key: number, entries: ThreadEntry[], buf: BatchBuffer, hooks: RunHooks) {
    this.key = key;
    this.entries = entries;
    this.buf = buf;
    this.#hooks = hooks;
    this.#limits = entries.map((e) => (e.exec.timeLimit !== null && e.exec.timeLimit > 0 ? e.exec.timeLimit * 1000 : null));
    let suffix: number[] | null = null;
    if (this.#limits.some((l) => l !== null)) {
      suffix = new Array<number>(entries.length + 1);
      suffix[entries.length] = Infinity;
      for (let i = entries.length - 1; i >= 0; i--) suffix[i] = Math.min(this.#limits[i] ?? Infinity, suffix[i + 1]!);
    }
    this.#suffixMin = suffix;
  }

  /** The run's abort signal, for Piscina (aborting it terminates the run's thread). */
  get signal(): RunSignal {
    return this.#signal;
  }

  /**
   * One timer per run: at the current task's deadline, or when the next task with a limit could
   * reach its own, whichever is first. Real time: threads run in real time.
   */
  armWatchdog(): void {
    this.#watchdog = undefined;
    if (this.#suffixMin === null || this.finished || this.killedFor !== null) return;
    const now = Date.now();
    const cur = this.buf.current;
    let at = Infinity;
    if (cur >= 0) {
      const limit = this.#limits[cur] ?? null;
      if (limit !== null) {
        const deadline = this.buf.starts[cur]! + limit;
        if (now >= deadline) {
          this.kill('time-limit', cur);
          return;
        }
        at = deadline;
      }
    }
    const next = this.#suffixMin[cur + 1]!;
    if (next !== Infinity) at = Math.min(at, now + next);
    if (at === Infinity) return;
    this.#watchdog = setTimeout(() => this.armWatchdog(), Math.max(1, at - now));
    this.#watchdog.unref();
  }

  /**
   * Stops the run because of task `target` (-1: all of it). Returns false when the target had
   * already ended: nothing is terminated, and the claimed tasks after it are requeued.
   */
  kill(reason: KillReason, target: number): boolean {
    if (this.finished || this.killedFor !== null) return this.killedFor !== null;
    for (let j = target + 1; j < this.entries.length; j++) this.buf.claim(j);
    if (target >= 0 && this.buf.recordedIndexes().has(target)) return false;
    this.killedFor = { reason, target };
    clearTimeout(this.#watchdog);
    this.#signal.abort();
    return true;
  }

  /** Revokes the tasks of `id` in this run; see Pool.revoke. */
  revoke(id: string, terminate: boolean): boolean {
    let hit = false;
    for (let i = 0; i < this.entries.length; i++) {
      const e = this.entries[i]!;
      if (e.settled || e.held !== null || e.exec.request.id !== id) continue;
      if (this.buf.claim(i)) {
        this.#hooks.settle(e, revokedOutcome('revoked', 0));
        hit = true;
      } else if (terminate && !this.finished && this.kill('revoke', i)) {
        hit = true;
      }
    }
    return hit;
  }

  /** The run settled (`err` when it was aborted or its thread died); returns the tasks to requeue. */
  finish(spill: { i: number; bytes: Uint8Array } | null, err: unknown): ThreadEntry[] {
    this.finished = true;
    clearTimeout(this.#watchdog);
    const outcomes = new Map<number, ExecOutcome>();
    for (const r of this.buf.records()) outcomes.set(r.i, r.outcome);
    if (spill !== null) outcomes.set(spill.i, decodeOutcome(spill.bytes));
    for (const o of outcomes.values()) this.#hooks.observe(o.runtime);
    const requeue: ThreadEntry[] = [];
    for (let i = 0; i < this.entries.length; i++) {
      const e = this.entries[i]!;
      if (e.settled) continue;
      const outcome = outcomes.get(i);
      if (outcome !== undefined) this.#deliver(i, outcome);
      else if (this.buf.claim(i)) requeue.push(e);
      else this.#deliver(i, this.#cutShort(i, err));
    }
    return requeue;
  }

  /** An event of task `index` arrived (and was emitted). */
  eventSeen(index: number): void {
    const e = this.entries[index];
    if (e === undefined || e.settled) return;
    e.seen++;
    if (e.held !== null && e.seen >= e.expected) this.#release(e);
  }

  #deliver(i: number, outcome: ExecOutcome): void {
    const e = this.entries[i]!;
    e.expected = this.buf.eventsOf(i);
    if (e.seen >= e.expected) {
      this.#hooks.settle(e, outcome);
      return;
    }
    e.held = outcome;
    this.holding++;
    // Ref'd on purpose: the channel is unref'd, and a caller awaiting this outcome must not see
    // the process exit before the events (already queued) are read. It lasts EVENT_GRACE_MS at most.
    e.heldTimer = setTimeout(() => this.#release(e), EVENT_GRACE_MS);
  }

  #release(e: ThreadEntry): void {
    const outcome = e.held;
    if (outcome === null) return;
    if (e.heldTimer !== null) clearTimeout(e.heldTimer);
    e.held = null;
    e.heldTimer = null;
    this.holding--;
    this.#hooks.settle(e, outcome);
    if (this.holding === 0 && this.finished) this.#hooks.released(this);
  }

  /** The outcome of the task that was running when the run ended without writing one. */
  #cutShort(i: number, err: unknown): ExecOutcome {
    const runtime = Math.max(0, Date.now() - this.buf.starts[i]!) / 1000;
    const k = this.killedFor;
    if (k?.reason === 'aborted') return { status: 'aborted', runtime };
    if (k !== null && k.target === i) {
      if (k.reason === 'revoke') return revokedOutcome('terminated', runtime);
      const limit = this.entries[i]!.exec.timeLimit;
      const error = toWire(new TimeLimitExceeded(`hard time limit (${limit}s) exceeded`));
      return { status: 'failure', error, runtime };
    }
    const why = err instanceof Error ? err.message : 'the batch ended without its outcome';
    const error = toWire(new WorkerLostError(`worker thread lost: ${why}`));
    return { status: 'failure', error, runtime };
  }
}
