/**
 * Waiting in tests without sleeping: a countdown latch with a named deadline (as nats.js'
 * `Lock`), and a polling `waitFor` for the rare case with no event to hook. A missed deadline
 * rejects with a TimeoutError naming what was awaited and how far it got.
 */
import { TimeoutError } from '../../src/errors.ts';
import type { Millis } from '../../src/util/time.ts';

export class Latch {
  #count: number;
  readonly #name: string;
  readonly #initial: number;
  #release!: () => void;
  readonly #done: Promise<void>;

  /** Opens after `count` calls of `countDown()`. */
  constructor(count: number, name: string) {
    if (!Number.isInteger(count) || count < 0) throw new RangeError(`latch '${name}': count must be an integer >= 0, got ${count}`);
    this.#count = count;
    this.#initial = count;
    this.#name = name;
    this.#done = new Promise<void>((resolve) => (this.#release = resolve));
    if (count === 0) this.#release();
  }

  /** Calls still missing. */
  get count(): number {
    return this.#count;
  }

  get name(): string {
    return this.#name;
  }

  countDown(n = 1): void {
    if (this.#count === 0) return;
    this.#count = Math.max(0, this.#count - n);
    if (this.#count === 0) this.#release();
  }

  /** Resolves when the latch opens; rejects after `ms` naming the latch and what is missing. */
  wait(ms: Millis = 5_000): Promise<void> {
    if (this.#count === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new TimeoutError(`latch '${this.#name}' still missing ${this.#count} of ${this.#initial} after ${ms} ms`));
      }, ms);
      void this.#done.then(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}

export interface WaitForOptions {
  /** @default 5000 */
  timeout?: Millis;
  /** Named in the error. @default 'condition' */
  name?: string;
  /** Between checks. @default 10 */
  interval?: Millis;
}

/** Polls `predicate` until it holds (truthy), then resolves with its value. */
export async function waitFor<T>(predicate: () => T | Promise<T>, opts: WaitForOptions = {}): Promise<NonNullable<T>> {
  const timeout = opts.timeout ?? 5_000;
  const interval = opts.interval ?? 10;
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await predicate();
    if (value) return value as NonNullable<T>;
    if (Date.now() >= deadline) throw new TimeoutError(`waitFor '${opts.name ?? 'condition'}' did not hold within ${timeout} ms`);
    await new Promise((r) => setTimeout(r, interval));
  }
}
