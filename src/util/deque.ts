const INITIAL_SIZE = 16;

/**
 * A growable power-of-two ring buffer: O(1) push, pushFront and shift. `Array.prototype.shift`
 * is O(n) on large arrays, and a queue with a million waiting messages (the memory broker) or
 * thousands of prefetched tasks (a pool) must not pay that per item. Items handed back (a
 * terminated thread's tasks, a redelivery) go to the front.
 */
export class Deque<T> {
  #buf: (T | undefined)[] = new Array<T | undefined>(INITIAL_SIZE);
  #mask = INITIAL_SIZE - 1;
  #head = 0;
  #length = 0;

  get length(): number {
    return this.#length;
  }

  push(item: T): void {
    if (this.#length === this.#buf.length) this.#grow();
    this.#buf[(this.#head + this.#length) & this.#mask] = item;
    this.#length++;
  }

  /** Puts `item` first: it is the next one `shift()` returns. */
  pushFront(item: T): void {
    if (this.#length === this.#buf.length) this.#grow();
    this.#head = (this.#head - 1) & this.#mask;
    this.#buf[this.#head] = item;
    this.#length++;
  }

  /** Puts `items` first, keeping their order. */
  unshiftAll(items: readonly T[]): void {
    for (let i = items.length - 1; i >= 0; i--) this.pushFront(items[i] as T);
  }

  /** The first item, removed; `undefined` when empty (check `length` if T may be undefined). */
  shift(): T | undefined {
    if (this.#length === 0) return undefined;
    const item = this.#buf[this.#head];
    this.#buf[this.#head] = undefined; // let it be collected
    this.#head = (this.#head + 1) & this.#mask;
    this.#length--;
    return item;
  }

  peek(): T | undefined {
    return this.#length === 0 ? undefined : this.#buf[this.#head];
  }

  /** Removes every item for which `pred` is true, keeping the others' order; returns them. O(n). */
  removeWhere(pred: (item: T) => boolean): T[] {
    const removed: T[] = [];
    const n = this.#length;
    // One turn of the ring in place: nothing grows, since each push follows a shift.
    for (let i = 0; i < n; i++) {
      const item = this.shift() as T;
      if (pred(item)) removed.push(item);
      else this.push(item);
    }
    return removed;
  }

  /** Removes everything; returns the items in order. */
  drain(): T[] {
    const out = this.toArray();
    this.clear();
    return out;
  }

  /** Removes everything and gives the storage back. */
  clear(): void {
    this.#buf = new Array<T | undefined>(INITIAL_SIZE);
    this.#mask = INITIAL_SIZE - 1;
    this.#head = 0;
    this.#length = 0;
  }

  toArray(): T[] {
    const out: T[] = new Array<T>(this.#length);
    for (let i = 0; i < this.#length; i++) out[i] = this.#buf[(this.#head + i) & this.#mask] as T;
    return out;
  }

  #grow(): void {
    const old = this.#buf;
    const size = old.length * 2;
    const buf = new Array<T | undefined>(size);
    for (let i = 0; i < this.#length; i++) buf[i] = old[(this.#head + i) & this.#mask];
    this.#buf = buf;
    this.#mask = size - 1;
    this.#head = 0;
  }
}
