/**
 * One task message inside a worker, from delivery to ack: the decoded message, its delivery,
 * and what `inspect` shows about it.
 */
import type { TaskMessage } from '../protocol/task-message.ts';
import type { Delivery } from '../transport/types.ts';
import type { TaskSummary } from '../control/client.ts';
import type { Millis } from '../util/time.ts';

export class TaskRequest {
  readonly message: TaskMessage;
  readonly delivery: Delivery;
  readonly receivedAt: Millis;
  readonly etaMs: Millis | null;
  readonly expiresMs: Millis | null;
  /** Epoch ms the task started running, null while reserved. */
  timeStart: Millis | null = null;
  /** Holds a prefetch slot of its consumer (set by the dispatcher; an eta task in the Timer does not). */
  holdsSlot = false;
  /** Acked after its result is stored (set by the executor when it runs). */
  acksLate = false;
  #ended: Promise<void> | undefined;
  #acknowledged = false;

  constructor(message: TaskMessage, delivery: Delivery, receivedAt: Millis) {
    this.message = message;
    this.delivery = delivery;
    this.receivedAt = receivedAt;
    this.etaMs = message.eta === null ? null : Date.parse(message.eta);
    this.expiresMs = message.expires === null ? null : Date.parse(message.expires);
  }

  get id(): string {
    return this.message.id;
  }
  get name(): string {
    return this.message.task;
  }
  get acknowledged(): boolean {
    return this.#acknowledged;
  }

  isExpired(now: Millis): boolean {
    return this.expiresMs !== null && this.expiresMs <= now;
  }

  /** Acks once; later calls return the same promise. */
  ack(): Promise<void> {
    this.#acknowledged = true;
    this.#ended ??= this.delivery.ack();
    return this.#ended;
  }

  /** Hands the message back to the broker (cold shutdown, or a worker that cannot run it now). */
  requeue(delay: Millis = 0): Promise<void> {
    this.#ended ??= this.delivery.nack({ delay });
    return this.#ended;
  }

  /** Dead-letters the message. */
  reject(reason: string): Promise<void> {
    this.#acknowledged = true;
    this.#ended ??= this.delivery.reject(reason);
    return this.#ended;
  }

  get settled(): boolean {
    return this.#ended !== undefined;
  }

  summary(hostname: string): TaskSummary {
    return {
      id: this.id,
      name: this.name,
      args: this.message.args,
      kwargs: this.message.kwargs,
      hostname,
      timeStart: this.timeStart === null ? null : this.timeStart / 1000,
      acknowledged: this.#acknowledged,
      deliveryInfo: {
        routingKey: this.delivery.queue,
        priority: this.delivery.priority,
        redelivered: this.delivery.redelivered,
      },
    };
  }
}
