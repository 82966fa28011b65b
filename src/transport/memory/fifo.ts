/**
 * A growable ring buffer: O(1) push, pushFront and shift. `Array.prototype.shift` is O(n) on
 * large arrays, and a queue with a million waiting messages must not pay that per delivery.
 */
export class Fifo<T> {
  #buf: (T | undefined)[];
  #mask: number;
  #head = 0;
  #length = 0;

  /** `capacity` is rounded up to a power of two. @default 16 */
  constructor(capacity = 16) {
    let size = 16;
    while (size < capacity) size *= 2;
    this.#buf = new Array<T | undefined>(size);
    this.#mask = size - 1;
  }

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

  /** Removes every item for which `pred` is true, keeping the others' order; returns them. */
  removeWhere(pred: (item: T) => boolean): T[] {
    const removed: T[] = [];
    const n = this.#length;
    for (let i = 0; i < n; i++) {
      const item = this.shift() as T;
      if (pred(item)) removed.push(item);
      else this.push(item);
    }
    return removed;
  }

  /** Removes everything; returns the items in order. */
  drain(): T[] {
    const out: T[] = [];
    while (this.#length > 0) out.push(this.shift() as T);
    return out;
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
