/**
 * One in-memory queue: ten FIFO bands (priority 0-9, served highest first) and the
 * subscriptions sharing the queue, picked round robin among those with credit. A message is
 * one `StoredMessage` record for its whole life; it is also its own timer-heap node while it
 * is delayed or in flight, so holding it allocates nothing more.
 */
import { Deque } from '../../util/deque.ts';
import type { HeapNode } from '../../util/heap.ts';
import type { Millis } from '../../util/time.ts';

export const MessageState = {
  READY: 0,
  DELAYED: 1,
  IN_FLIGHT: 2,
  DONE: 3,
} as const;
export type MessageState = (typeof MessageState)[keyof typeof MessageState];

export const PRIORITY_BANDS = 10;

/** The consumer side the queue needs: credit and a way to hand a delivery over. */
export interface Consumer {
  readonly credit: number;
}

export class StoredMessage implements HeapNode {
  at: Millis = 0;
  seq = 0;
  heapIndex = -1;
  state: MessageState = MessageState.READY;
  deliveryCount = 0;
  /** The delivery currently holding it; a settle call from any other one is stale. */
  holder: object | null = null;
  /** The current holder's visibility timeout, for `working()`. */
  visibility: Millis = 0;

  constructor(
    readonly queue: QueueState,
    readonly frame: Uint8Array,
    readonly priority: number,
  ) {}
}

export class QueueState<C extends Consumer = Consumer> {
  readonly #bands: (Deque<StoredMessage> | undefined)[] = new Array(PRIORITY_BANDS);
  /** Bit p set when band p holds a message: the highest band is found in one step. */
  #mask = 0;
  #ready = 0;
  #rr = 0;
  /** Delayed messages (held in the broker's heap). */
  delayed = 0;
  /** Delivered and not yet settled. */
  inFlight = 0;
  readonly consumers: C[] = [];
  /** Waiting for the broker's dispatch pass. */
  dirty = false;
  /** Inside the broker's dispatch loop for this queue. */
  dispatching = false;

  constructor(readonly name: string) {}

  get ready(): number {
    return this.#ready;
  }

  /** Ready + delayed: what `size()` reports. */
  get waiting(): number {
    return this.#ready + this.delayed;
  }

  get idle(): boolean {
    return this.#ready === 0 && this.delayed === 0 && this.inFlight === 0 && this.consumers.length === 0;
  }

  pushReady(msg: StoredMessage): void {
    this.#band(msg.priority).push(msg);
    this.#mask |= 1 << msg.priority;
    this.#ready++;
  }

  /** For a redelivery: it goes before its band's other messages. */
  pushReadyFront(msg: StoredMessage): void {
    this.#band(msg.priority).pushFront(msg);
    this.#mask |= 1 << msg.priority;
    this.#ready++;
  }

  /** The oldest message of the highest non-empty band. */
  shiftReady(): StoredMessage | undefined {
    if (this.#mask === 0) return undefined;
    const p = 31 - Math.clz32(this.#mask);
    const band = this.#bands[p] as Deque<StoredMessage>;
    const msg = band.shift() as StoredMessage;
    if (band.length === 0) this.#mask &= ~(1 << p);
    this.#ready--;
    return msg;
  }

  /** Removes every ready message; returns them. */
  drainReady(): StoredMessage[] {
    const out: StoredMessage[] = [];
    for (let p = PRIORITY_BANDS - 1; p >= 0; p--) {
      const band = this.#bands[p];
      if (band !== undefined) for (const msg of band.drain()) out.push(msg);
    }
    this.#mask = 0;
    this.#ready = 0;
    return out;
  }

  /** The next consumer with credit, round robin, so that load spreads. */
  nextConsumer(): C | undefined {
    const list = this.consumers;
    const n = list.length;
    for (let i = 0; i < n; i++) {
      const idx = (this.#rr + i) % n;
      const c = list[idx] as C;
      if (c.credit > 0) {
        this.#rr = (idx + 1) % n;
        return c;
      }
    }
    return undefined;
  }

  removeConsumer(c: C): void {
    const i = this.consumers.indexOf(c);
    if (i < 0) return;
    this.consumers.splice(i, 1);
    if (this.#rr > i) this.#rr--;
  }

  #band(p: number): Deque<StoredMessage> {
    let band = this.#bands[p];
    if (band === undefined) {
      band = new Deque<StoredMessage>();
      this.#bands[p] = band;
    }
    return band;
  }
}
