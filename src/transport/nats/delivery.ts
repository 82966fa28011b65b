/**
 * A task message handed to a worker, settled through JetStream's ack protocol on the
 * message's reply subject. Acks are plain publishes; the returned promise resolves once the
 * server has them (one shared PING per tick, so a window of acks costs one round trip).
 */
import type { Msg } from '@nats-io/transport-node';
import { ClosedError } from '../../errors.ts';
import type { Millis } from '../../util/time.ts';
import type { Delivery } from '../types.ts';
import { wrapNatsError } from './errors.ts';
import { AckBody, type AckInfo } from './pull.ts';

export interface DeliveryHost {
  /** Resolves once everything published so far reached the server. */
  confirm(): Promise<void>;
  /** Stores the frame in the dead-letter stream; resolves when JetStream acknowledged it. */
  deadLetter(queue: string, frame: Uint8Array, reason: string, sourceSeq: number): Promise<void>;
  /** Wakes idle workers of the queue: a priority message is back. */
  ring(queue: string, band: number): void;
}

export class NatsDelivery implements Delivery {
  readonly queue: string;
  readonly priority: number;
  readonly deliveryCount: number;
  readonly redelivered: boolean;
  readonly #msg: Msg;
  readonly #host: DeliveryHost;
  readonly #streamSeq: number;
  #settled = false;

  constructor(host: DeliveryHost, msg: Msg, queue: string, band: number, info: AckInfo) {
    this.#host = host;
    this.#msg = msg;
    this.queue = queue;
    this.priority = band;
    this.deliveryCount = info.deliveryCount;
    this.redelivered = info.deliveryCount > 1;
    this.#streamSeq = info.streamSeq;
  }

  get frame(): Uint8Array {
    return this.#msg.data;
  }

  #send(body: Uint8Array): void {
    let sent: boolean;
    try {
      sent = this.#msg.respond(body);
    } catch (err) {
      throw wrapNatsError(err, 'acknowledging a delivery');
    }
    if (!sent) throw new ClosedError('cannot settle a delivery: it has no reply subject');
  }

  async ack(): Promise<void> {
    if (this.#settled) return;
    this.#settled = true;
    this.#send(AckBody.ack);
    await this.#host.confirm();
  }

  async nack(opts: { delay?: Millis } = {}): Promise<void> {
    if (this.#settled) return;
    this.#settled = true;
    const delay = opts.delay ?? 0;
    this.#send(delay > 0 ? AckBody.nakDelay(delay) : AckBody.nak);
    await this.#host.confirm();
    // A band > 0 is only pulled when something says it may hold messages: say so.
    if (delay <= 0 && this.priority > 0) this.#host.ring(this.queue, this.priority);
  }

  async working(): Promise<void> {
    if (this.#settled) return;
    this.#send(AckBody.working);
    await this.#host.confirm();
  }

  async reject(reason: string): Promise<void> {
    if (this.#settled) return;
    this.#settled = true;
    try {
      await this.#host.deadLetter(this.queue, this.#msg.data, reason, this.#streamSeq);
    } catch (err) {
      // Still ours: the caller may retry, or AckWait hands it to someone who can.
      this.#settled = false;
      throw err;
    }
    this.#send(AckBody.term);
    await this.#host.confirm();
  }
}
