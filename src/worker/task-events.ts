/**
 * Sends Celery's task and worker events. Task events only while enabled (`sendTaskEvents`,
 * or `enable_events` at run time); worker events always.
 */
import type { Clock } from '../actors/clock.ts';
import type { TaskEvent, WorkerEvent } from '../protocol/events.ts';
import type { EventBus } from '../transport/types.ts';

export type TaskEventFields = Omit<TaskEvent, 'hostname' | 'timestamp' | 'clock' | 'pid'>;
export type WorkerEventFields = Omit<WorkerEvent, 'hostname' | 'timestamp' | 'clock' | 'pid'>;

export class EventSender {
  enabled: boolean;
  readonly #bus: EventBus;
  readonly #hostname: string;
  readonly #clock: Clock;
  #seq = 0;

  constructor(bus: EventBus, hostname: string, clock: Clock, enabled: boolean) {
    this.#bus = bus;
    this.#hostname = hostname;
    this.#clock = clock;
    this.enabled = enabled;
  }

  #base() {
    return { hostname: this.#hostname, timestamp: this.#clock.now() / 1000, clock: ++this.#seq, pid: process.pid };
  }

  task(fields: TaskEventFields): void {
    if (!this.enabled) return;
    this.#bus.publish({ ...this.#base(), ...fields } as TaskEvent);
  }

  worker(fields: WorkerEventFields): void {
    this.#bus.publish({ ...this.#base(), ...fields } as WorkerEvent);
  }
}
