import type { Millis } from '../util/time.ts';

export interface TimerHandle {
  cancel(): void;
}

/**
 * Time as the runtime sees it. Countdown, eta, expiry, retry backoff, heartbeats, rate limits
 * and beat read a Clock, so that tests move a simulated one instead of sleeping.
 */
export interface Clock {
  /** Epoch milliseconds. */
  now(): Millis;
  /** Calls `fn` once after `ms`. System timers are unref'd: they never keep a host alive. */
  setTimeout(fn: () => void, ms: Millis): TimerHandle;
}

export class SystemClock implements Clock {
  now(): Millis {
    return Date.now();
  }
  setTimeout(fn: () => void, ms: Millis): TimerHandle {
    const t = setTimeout(fn, Math.max(0, ms));
    t.unref();
    return { cancel: () => clearTimeout(t) };
  }
}

export const systemClock: Clock = new SystemClock();

interface Pending {
  at: Millis;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

/** A clock that moves only when told to; timers fire in time order during `advance`. */
export class SimulatedClock implements Clock {
  #now: Millis;
  #seq = 0;
  #pending: Pending[] = [];

  constructor(start: Millis = 0) {
    this.#now = start;
  }

  now(): Millis {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: Millis): TimerHandle {
    const p: Pending = { at: this.#now + Math.max(0, ms), seq: this.#seq++, fn, cancelled: false };
    this.#pending.push(p);
    return { cancel: () => void (p.cancelled = true) };
  }

  /** Number of timers still waiting. */
  get pendingCount(): number {
    return this.#pending.filter((p) => !p.cancelled).length;
  }

  /** Moves time forward by `ms`, firing every timer that falls due, in order. */
  advance(ms: Millis): void {
    const target = this.#now + ms;
    for (;;) {
      const due = this.#pending
        .filter((p) => !p.cancelled && p.at <= target)
        .sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (due === undefined) break;
      due.cancelled = true;
      this.#now = due.at;
      due.fn();
    }
    this.#pending = this.#pending.filter((p) => !p.cancelled);
    this.#now = target;
  }
}
