/**
 * Holds tasks that must not run yet (countdown/eta, or waiting for a rate-limit token) without
 * taking prefetch slots: one heap and ONE clock timer for all of them, never a setTimeout per
 * task. Held deliveries are kept alive by the worker's KeepAlive (keep-alive.ts), told through
 * `onHold`, so the broker does not hand them to another worker while they wait.
 */
import type { Clock, TimerHandle } from '../actors/clock.ts';
import type { Logger } from '../log/logger.ts';
import { MinHeap } from '../util/heap.ts';
import type { Millis } from '../util/time.ts';
import type { TaskRequest } from './request.ts';

interface Held {
  req: TaskRequest;
  dueAt: Millis;
  /** 'eta' tasks show in `inspect scheduled`; 'rate' ones wait for a token. */
  kind: 'eta' | 'rate';
}

export interface TimerOptions {
  clock: Clock;
  logger: Logger;
  /** Called when a held task is due. */
  onDue: (req: TaskRequest, kind: 'eta' | 'rate') => void;
  /** A task is now held: its delivery needs keeping alive. */
  onHold: () => void;
}

export class TaskTimer {
  readonly #heap = new MinHeap<Held>((h) => h.dueAt);
  readonly #opts: TimerOptions;
  #timer: TimerHandle | undefined;
  #timerAt = Infinity;
  #closed = false;

  constructor(opts: TimerOptions) {
    this.#opts = opts;
  }

  get size(): number {
    return this.#heap.size;
  }

  hold(req: TaskRequest, dueAt: Millis, kind: 'eta' | 'rate'): void {
    if (this.#closed) return;
    this.#heap.push({ req, dueAt, kind });
    this.#arm();
    this.#opts.onHold();
  }

  /** Every held request (their deliveries are unacked). */
  held(): TaskRequest[] {
    return this.#heap.toArray().map((h) => h.req);
  }

  /** Removes held tasks matching `pred` (a revoke); returns their requests. */
  cancel(pred: (req: TaskRequest) => boolean): TaskRequest[] {
    const removed = this.#heap.remove((h) => pred(h.req)).map((h) => h.req);
    this.#arm();
    return removed;
  }

  /** Tasks waiting for their eta, soonest first (`inspect scheduled`). */
  scheduled(): { req: TaskRequest; dueAt: Millis }[] {
    return this.#heap
      .toArray()
      .filter((h) => h.kind === 'eta')
      .sort((a, b) => a.dueAt - b.dueAt)
      .map(({ req, dueAt }) => ({ req, dueAt }));
  }

  #arm(): void {
    const next = this.#heap.peek();
    if (next === undefined) {
      this.#timer?.cancel();
      this.#timer = undefined;
      this.#timerAt = Infinity;
      return;
    }
    if (this.#timer !== undefined && this.#timerAt <= next.dueAt) return;
    this.#timer?.cancel();
    this.#timerAt = next.dueAt;
    this.#timer = this.#opts.clock.setTimeout(() => this.#fire(), next.dueAt - this.#opts.clock.now());
  }

  #fire(): void {
    this.#timer = undefined;
    this.#timerAt = Infinity;
    const now = this.#opts.clock.now();
    for (let h = this.#heap.peek(); h !== undefined && h.dueAt <= now; h = this.#heap.peek()) {
      this.#heap.pop();
      try {
        this.#opts.onDue(h.req, h.kind);
      } catch (err) {
        this.#opts.logger.error({ err, taskId: h.req.id }, 'timer callback failed');
      }
    }
    if (!this.#closed) this.#arm();
  }

  /** Stops the timer and returns every held request (they go back to the broker). */
  close(): TaskRequest[] {
    this.#closed = true;
    this.#timer?.cancel();
    return this.#heap.remove(() => true).map((h) => h.req);
  }
}
