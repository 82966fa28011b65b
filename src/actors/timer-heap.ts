/**
 * One timer structure for many deadlines: a heap of nodes (util/heap.ts) with a single clock
 * timer armed for the earliest. The memory broker's delayed messages and visibility deadlines,
 * its result TTLs and the worker's held eta/rate-limited tasks all live in one of these instead
 * of a `setTimeout` each, so a million held messages cost one timer.
 */
import type { Logger } from '../log/logger.ts';
import { type HeapNode, IndexedHeap } from '../util/heap.ts';
import type { Millis } from '../util/time.ts';
import type { Clock, TimerHandle } from './clock.ts';

/**
 * Node's `setTimeout` fires after 1 ms for delays above 2^31-1 ms (with a warning): arm the
 * timer for at most this long and re-arm when it fires early.
 */
const MAX_TIMER: Millis = 2 ** 31 - 1;

export class TimerHeap<N extends HeapNode> extends IndexedHeap<N> {
  readonly #clock: Clock;
  readonly #onDue: (node: N) => void;
  readonly #log: Logger | undefined;
  #timer: TimerHandle | null = null;
  #timerAt = Infinity;
  #closed = false;
  readonly #fire = (): void => this.#onTimer();

  /** `onDue` is called once per node that falls due, in time order, after it left the heap. */
  constructor(clock: Clock, onDue: (node: N) => void, logger?: Logger) {
    super();
    this.#clock = clock;
    this.#onDue = onDue;
    this.#log = logger;
  }

  override push(node: N, at: Millis): void {
    super.push(node, at);
    if (node.heapIndex === 0) this.#arm();
  }

  override update(node: N, at: Millis): void {
    super.update(node, at);
    if (node.heapIndex === 0) this.#arm();
  }

  // `remove` and `removeWhere` leave the timer armed even when the heap empties: an ack usually
  // removes the only deadline and the next delivery adds one, and cancelling and re-creating a
  // timer per message costs more than one idle wake-up.

  /** Stops the timer and forgets every node; nodes pushed afterwards never fire. */
  close(): void {
    this.#closed = true;
    this.#disarm();
    this.clear();
  }

  #arm(): void {
    if (this.#closed) return;
    const top = this.peek();
    if (top === undefined) return;
    // An armed timer due no later than the top is good enough: it re-arms when it fires.
    if (this.#timer !== null && this.#timerAt <= top.at) return;
    this.#disarm();
    const wait = Math.min(Math.max(0, top.at - this.#clock.now()), MAX_TIMER);
    this.#timerAt = top.at;
    this.#timer = this.#clock.setTimeout(this.#fire, wait);
  }

  #disarm(): void {
    if (this.#timer !== null) {
      this.#timer.cancel();
      this.#timer = null;
    }
    this.#timerAt = Infinity;
  }

  #onTimer(): void {
    this.#timer = null;
    this.#timerAt = Infinity;
    const now = this.#clock.now();
    for (;;) {
      const top = this.peek();
      if (top === undefined || top.at > now || this.#closed) break;
      this.remove(top);
      try {
        this.#onDue(top);
      } catch (err) {
        // A timer callback must never throw into the host's event loop.
        this.#log?.error({ err }, 'timer heap callback failed');
      }
    }
    this.#arm();
  }
}
