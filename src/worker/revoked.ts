/**
 * Revoked task ids a worker remembers (Celery keeps them in worker memory too). Bounded: the
 * oldest ids are forgotten first once `max` is reached, and each expires after `ttl`.
 */
import type { Clock } from '../actors/clock.ts';
import type { Millis } from '../util/time.ts';

export class RevokedSet {
  readonly #ids = new Map<string, Millis>();
  readonly #max: number;
  readonly #ttl: Millis;
  readonly #clock: Clock;

  constructor(clock: Clock, opts: { max?: number; ttl?: Millis } = {}) {
    this.#clock = clock;
    this.#max = opts.max ?? 50_000;
    this.#ttl = opts.ttl ?? 3 * 3600_000;
  }

  add(id: string): void {
    this.#ids.delete(id);
    this.#ids.set(id, this.#clock.now() + this.#ttl);
    if (this.#ids.size > this.#max) {
      const oldest = this.#ids.keys().next().value;
      if (oldest !== undefined) this.#ids.delete(oldest);
    }
  }

  has(id: string): boolean {
    if (this.#ids.size === 0) return false;
    const until = this.#ids.get(id);
    if (until === undefined) return false;
    if (until < this.#clock.now()) {
      this.#ids.delete(id);
      return false;
    }
    return true;
  }

  get size(): number {
    return this.#ids.size;
  }

  list(): string[] {
    return [...this.#ids.keys()].filter((id) => this.has(id));
  }
}
