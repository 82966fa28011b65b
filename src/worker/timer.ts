/**
 * Holds tasks that must not run yet (countdown/eta, or waiting for a rate-limit token) without
 * taking prefetch slots: one heap and ONE clock timer for all of them, never a setTimeout per
 * task. Held deliveries are kept alive by the worker's KeepAlive (keep-alive.ts), told through
 * `onHold`, so the broker does not hand them to another worker while they wait.
 */
import type { Clock } from '../actors/clock.ts';
import { TimerHeap } from '../actors/timer-heap.ts';
import type { Logger } from '../log/logger.ts';
import type { HeapNode } from '../util/heap.ts';
import type { Millis } from '../util/time.ts';
import type { TaskRequest } from './request.ts';

/** 'eta' tasks show in `inspect scheduled`; 'rate' ones wait for a token. */
type HoldKind = 'eta' | 'rate';

class Held implements HeapNode {
  at: Millis = 0;
  seq = 0;
  heapIndex = -1;
  constructor(
    readonly req: TaskRequest,
    readonly kind: HoldKind,
  ) {}
}

export interface TimerOptions {
  clock: Clock;
  logger: Logger;
  /** Called when a held task is due. */
  onDue: (req: TaskRequest, kind: HoldKind) => void;
  /** A task is now held: its delivery needs keeping alive. */
  onHold: () => void;
}

export class TaskTimer {
  readonly #heap: TimerHeap<Held>;
  readonly #onHold: () => void;
  #closed = false;

  constructor(opts: TimerOptions) {
    const { onDue, logger } = opts;
    this.#onHold = opts.onHold;
    this.#heap = new TimerHeap<Held>(opts.clock, (h) => {
      try {
        onDue(h.req, h.kind);
      } catch (err) {
        logger.error({ err, taskId: h.req.id }, 'timer callback failed');
      }
    });
  }

  get size(): number {
    return this.#heap.size;
  }

  hold(req: TaskRequest, dueAt: Millis, kind: HoldKind): void {
    if (this.#closed) return;
    this.#heap.push(new Held(req, kind), dueAt);
    this.#onHold();
  }

  /** Every held request (their deliveries are unacked). */
  held(): TaskRequest[] {
    return this.#heap.nodes().map((h) => h.req);
  }

  /** Removes held tasks matching `pred` (a revoke); returns their requests. */
  cancel(pred: (req: TaskRequest) => boolean): TaskRequest[] {
    return this.#heap.removeWhere((h) => pred(h.req)).map((h) => h.req);
  }

  /** Tasks waiting for their eta, soonest first (`inspect scheduled`). */
  scheduled(): { req: TaskRequest; dueAt: Millis }[] {
    return this.#heap
      .nodes()
      .filter((h) => h.kind === 'eta')
      .sort((a, b) => a.at - b.at || a.seq - b.seq)
      .map((h) => ({ req: h.req, dueAt: h.at }));
  }

  /** Stops the timer and returns every held request, soonest first (they go back to the broker). */
  close(): TaskRequest[] {
    this.#closed = true;
    const held = this.#heap.removeWhere(() => true);
    this.#heap.close();
    return held.map((h) => h.req);
  }
}
