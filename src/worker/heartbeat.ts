/**
 * worker-online when the worker starts consuming, worker-heartbeat every `interval`, and
 * worker-offline when it stops (with the reason when it did not stop on request).
 */
import { loadavg } from 'node:os';
import type { Clock, TimerHandle } from '../actors/clock.ts';
import type { EventSender } from './task-events.ts';
import type { Millis } from '../util/time.ts';

const SW = { swIdent: 'celeriac', swVer: '0.1.0' } as const;

export class Heartbeat {
  readonly #events: EventSender;
  readonly #clock: Clock;
  readonly #interval: Millis;
  readonly #load: () => { active: number; processed: number; healthy?: boolean; problems?: string[] };
  #timer: TimerHandle | undefined;
  #stopped = false;

  constructor(events: EventSender, clock: Clock, interval: Millis, load: () => { active: number; processed: number; healthy?: boolean; problems?: string[] }) {
    this.#events = events;
    this.#clock = clock;
    this.#interval = interval;
    this.#load = load;
  }

  #fields() {
    return { ...SW, freq: this.#interval / 1000, ...this.#load(), loadavg: loadavg() };
  }

  start(): void {
    this.#events.worker({ type: 'worker-online', ...this.#fields() });
    this.#schedule();
  }

  #schedule(): void {
    if (this.#stopped || this.#interval <= 0) return;
    this.#timer = this.#clock.setTimeout(() => {
      this.beat();
      this.#schedule();
    }, this.#interval);
  }

  /** Sends one heartbeat now (also the answer to the `heartbeat` control command). */
  beat(): void {
    this.#events.worker({ type: 'worker-heartbeat', ...this.#fields() });
  }

  stop(reason?: string): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#timer?.cancel();
    this.#events.worker({ type: 'worker-offline', ...this.#fields(), ...(reason !== undefined ? { reason } : {}) });
  }
}
