import { ClosedError, ConfigError } from '../errors.ts';
import { Deque } from '../util/deque.ts';

interface Waiter<M> {
  resolve(msg: M): void;
  reject(err: unknown): void;
}

/**
 * A bounded FIFO of messages. `offer` refuses (returns false) when full or closed, so the
 * owner can log and count the overflow: nothing is ever dropped silently (Akka's
 * `BoundedMailbox`). Storage is a ring buffer (util/deque.ts) grown on demand, so push and shift
 * are O(1) and a mailbox with a large capacity costs nothing until it fills.
 */
export class Mailbox<M> {
  /** Most messages held at once; `Infinity` means unbounded. */
  readonly capacity: number;
  readonly #messages = new Deque<M>();
  #closed = false;
  // Consumers parked in `take()`; only ever non-empty while the buffer is empty.
  #waiters: Waiter<M>[] = [];

  /** @param capacity most messages held at once, an integer >= 1 or `Infinity`. @default Infinity */
  constructor(capacity: number = Infinity) {
    if (capacity !== Infinity && !(Number.isInteger(capacity) && capacity >= 1)) {
      throw new ConfigError(`mailbox capacity must be an integer >= 1 or Infinity, got ${capacity}`);
    }
    this.capacity = capacity;
  }

  /** Messages waiting. */
  get size(): number {
    return this.#messages.length;
  }

  get isFull(): boolean {
    return this.#messages.length >= this.capacity;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Appends `msg`; false when the mailbox is full or closed (the caller reports it). */
  offer(msg: M): boolean {
    if (this.#closed || this.#messages.length >= this.capacity) return false;
    const waiter = this.#waiters.shift();
    if (waiter !== undefined) {
      waiter.resolve(msg);
      return true;
    }
    this.#messages.push(msg);
    return true;
  }

  /** Removes and returns the oldest message, or `undefined` when empty (check `size` if M may be undefined). */
  poll(): M | undefined {
    return this.#messages.shift();
  }

  /**
   * The oldest message, waiting for one if empty. Rejects with `ClosedError` once the mailbox
   * is closed and empty; messages offered before `close()` are still handed out.
   */
  take(): Promise<M> {
    if (this.#messages.length > 0) return Promise.resolve(this.poll() as M);
    if (this.#closed) return Promise.reject(new ClosedError('mailbox is closed'));
    return new Promise<M>((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  /** Yields messages as they arrive; ends when the mailbox is closed and drained. */
  async *[Symbol.asyncIterator](): AsyncGenerator<M, void, undefined> {
    for (;;) {
      if (this.#messages.length > 0) {
        yield this.poll() as M;
        continue;
      }
      if (this.#closed) return;
      try {
        yield await this.take();
      } catch (err) {
        if (err instanceof ClosedError) return;
        throw err;
      }
    }
  }

  /** Discards every waiting message and returns how many there were. */
  clear(): number {
    const n = this.#messages.length;
    this.#messages.clear();
    return n;
  }

  /** Refuses further offers and wakes parked `take()`s with `ClosedError`. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w.reject(new ClosedError('mailbox is closed'));
  }
}
