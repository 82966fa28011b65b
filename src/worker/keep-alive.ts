/**
 * Keeps the deliveries a worker holds unacked from going back to the broker while it still has
 * them: tasks the Timer holds (countdown/eta, rate limit) and, under `acksLate`, tasks queued in
 * the pool, running, or storing their result. ONE clock timer for all of them, never one per
 * task: every `every` ms it extends each with `working()`. It runs only while something is held.
 */
import type { Clock, TimerHandle } from '../actors/clock.ts';
import type { Logger } from '../log/logger.ts';
import type { Millis } from '../util/time.ts';
import type { TaskRequest } from './request.ts';

export interface KeepAliveOptions {
  clock: Clock;
  logger: Logger;
  /** Tick period: a third of the visibility timeout, so one late tick still arrives in time. */
  every: Millis;
  /** The requests whose deliveries may need extending now (settled ones are skipped). */
  held: () => Iterable<TaskRequest>;
}

/** A third of the visibility timeout, within [100 ms, 60 s]. */
export const keepAlivePeriod = (visibility: Millis): Millis => Math.max(100, Math.min(visibility / 3, 60_000));

export class KeepAlive {
  readonly #o: KeepAliveOptions;
  #tick: TimerHandle | undefined;
  #closed = false;
  readonly #onError = (err: unknown): void => this.#o.logger.warn({ err }, 'working() failed');

  constructor(opts: KeepAliveOptions) {
    this.#o = opts;
  }

  /** Something unacked is held now: make sure the tick runs. Cheap when it already does. */
  poke(): void {
    if (this.#tick !== undefined || this.#closed) return;
    this.#tick = this.#o.clock.setTimeout(() => this.#fire(), this.#o.every);
  }

  #fire(): void {
    this.#tick = undefined;
    if (this.#closed) return;
    let any = false;
    try {
      for (const req of this.#o.held()) {
        // Acked (early ack) or already ended: nothing the broker could hand out again.
        if (req.settled) continue;
        any = true;
        req.delivery.working().catch(this.#onError);
      }
    } catch (err) {
      this.#o.logger.error({ err }, 'keep-alive tick failed');
      any = true;
    }
    if (any) this.poke();
  }

  close(): void {
    this.#closed = true;
    this.#tick?.cancel();
    this.#tick = undefined;
  }
}
