/**
 * The consumer-facing objects of the memory broker. They hold no logic of their own: every
 * call goes to the broker through `BrokerInternals`, one shared object per broker, so a
 * delivery costs one small allocation and no closures.
 */
import type { Delivery, Subscription } from '../types.ts';
import type { Millis } from '../../util/time.ts';
import type { QueueState, StoredMessage } from './queue-state.ts';

/** What deliveries and subscriptions ask of their broker. */
export interface BrokerInternals {
  ack(d: MemoryDelivery): Promise<void>;
  nack(d: MemoryDelivery, delay: Millis): Promise<void>;
  working(d: MemoryDelivery): Promise<void>;
  reject(d: MemoryDelivery, reason: string): Promise<void>;
  /** Credit arrived on the queue: schedule a dispatch pass. */
  kick(queue: QueueState<MemorySubscription>): void;
  unsubscribe(sub: MemorySubscription): void;
}

export class MemoryDelivery implements Delivery {
  readonly queue: string;
  readonly priority: number;
  readonly deliveryCount: number;
  readonly redelivered: boolean;
  readonly #broker: BrokerInternals;

  constructor(
    broker: BrokerInternals,
    /** The stored record; the broker checks it still names this delivery as its holder. */
    readonly message: StoredMessage,
    readonly frame: Uint8Array,
  ) {
    this.#broker = broker;
    this.queue = message.queue.name;
    this.priority = message.priority;
    this.deliveryCount = message.deliveryCount;
    this.redelivered = message.deliveryCount > 1;
  }

  ack(): Promise<void> {
    return this.#broker.ack(this);
  }

  nack(opts?: { delay?: Millis }): Promise<void> {
    return this.#broker.nack(this, opts?.delay ?? 0);
  }

  working(): Promise<void> {
    return this.#broker.working(this);
  }

  reject(reason: string): Promise<void> {
    return this.#broker.reject(this, reason);
  }
}

export class MemorySubscription implements Subscription {
  #credit = 0;
  #closed = false;
  readonly #broker: BrokerInternals;

  constructor(
    broker: BrokerInternals,
    readonly queueState: QueueState<MemorySubscription>,
    readonly onDelivery: (d: Delivery) => void,
    /** Visibility timeout of this subscription's deliveries, ms. */
    readonly visibility: Millis,
  ) {
    this.#broker = broker;
  }

  get credit(): number {
    return this.#credit;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Adds `n` deliveries of credit (fractions are floored; n <= 0 is ignored). */
  request(n: number): void {
    if (this.#closed || !(n >= 1)) return;
    this.#credit += Math.floor(n);
    this.#broker.kick(this.queueState);
  }

  /** Called by the broker as it hands a delivery over. */
  take(): void {
    this.#credit--;
  }

  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.#credit = 0;
      this.#broker.unsubscribe(this);
    }
    return Promise.resolve();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
