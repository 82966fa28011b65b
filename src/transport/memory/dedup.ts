/**
 * The publish deduplication window, as JetStream's `Nats-Msg-Id`: an id seen within `window`
 * ms is a duplicate. Ids expire in insertion order (the window is fixed), so a FIFO beside the
 * map evicts them in O(1) amortised; `maxEntries` bounds memory under a sustained flood.
 */
import { Deque } from '../../util/deque.ts';
import type { Millis } from '../../util/time.ts';

export class DedupWindow {
  readonly #window: Millis;
  readonly #maxEntries: number;
  readonly #seen = new Map<string, Millis>();
  readonly #ids = new Deque<string>();
  readonly #times = new Deque<Millis>();

  constructor(window: Millis, maxEntries: number) {
    this.#window = window;
    this.#maxEntries = maxEntries;
  }

  get size(): number {
    return this.#seen.size;
  }

  /** True when `id` was seen within the window; otherwise records it and returns false. */
  check(id: string, now: Millis): boolean {
    this.#evict(now);
    const until = this.#seen.get(id);
    if (until !== undefined && until > now) return true;
    const expires = now + this.#window;
    this.#seen.set(id, expires);
    this.#ids.push(id);
    this.#times.push(expires);
    return false;
  }

  clear(): void {
    this.#seen.clear();
    this.#ids.clear();
    this.#times.clear();
  }

  #evict(now: Millis): void {
    while (this.#ids.length > 0) {
      const expires = this.#times.peek() as Millis;
      if (expires > now && this.#seen.size < this.#maxEntries) break;
      const id = this.#ids.shift() as string;
      this.#times.shift();
      // The id may have been recorded again later (after it expired): keep the newer entry.
      if (this.#seen.get(id) === expires) this.#seen.delete(id);
    }
  }
}
