/**
 * Celery's per-task rate limit: a token bucket holding ONE token (no burst), refilled at `rate`
 * tokens per second. Pure: time comes in as an argument.
 */
import type { Millis } from '../util/time.ts';

export class TokenBucket {
  readonly #intervalMs: Millis;
  #nextFreeAt: Millis;

  /** `perSecond` tokens per second; the bucket starts full. */
  constructor(perSecond: number, now: Millis) {
    this.#intervalMs = 1000 / perSecond;
    this.#nextFreeAt = now;
  }

  /**
   * Takes the token if it is there and returns 0; otherwise returns how many ms until it is.
   * Unlike kombu's bucket, idle time does not bank an extra token (CELERY-BEHAVIOUR.md #16
   * shows two tasks starting at once after idling; we keep the documented one-token rule).
   */
  take(now: Millis): Millis {
    if (now >= this.#nextFreeAt) {
      this.#nextFreeAt = now + this.#intervalMs;
      return 0;
    }
    return this.#nextFreeAt - now;
  }
}
