/**
 * The in-process broker behind `memory://`, with the semantics the NATS broker has (the
 * conformance suite checks both): priorities 0-9, delayed delivery, credit-driven
 * subscriptions shared round robin, at-least-once with a visibility timeout, publish
 * deduplication by `msgId`, and a bounded dead-letter list.
 *
 * Hot path: publish stores one record and marks its queue dirty; one microtask per burst
 * hands deliveries to consumers with credit; ack takes the record out of the deadline heap.
 * No timer, closure or promise is made per message (settle calls return a shared resolved
 * promise).
 */
import { ClosedError, ConfigError } from '../../errors.ts';
import type { Clock } from '../../actors/clock.ts';
import { systemClock } from '../../actors/clock.ts';
import { TimerHeap } from '../../actors/timer-heap.ts';
import type { Logger } from '../../log/logger.ts';
import { Closeable } from '../../util/closeable.ts';
import { Deque } from '../../util/deque.ts';
import type { Millis } from '../../util/time.ts';
import type { Broker, DeadLetter, Delivery, PublishOptions, SubscribeOptions, Subscription } from '../types.ts';
import {
  checkTarget,
  DEFAULT_DEAD_LETTER_LIMIT,
  DEFAULT_DEDUP_MAX,
  DEFAULT_DEDUP_WINDOW,
  DEFAULT_VISIBILITY_TIMEOUT,
  type MemoryBrokerOptions,
  positive,
  priorityOf,
} from './broker-options.ts';
import { DedupWindow } from './dedup.ts';
import { type BrokerInternals, MemoryDelivery, MemorySubscription } from './delivery.ts';
import { Dispatcher } from './dispatcher.ts';
import { copyFrame } from './frame-slab.ts';
import { MessageState, QueueState, StoredMessage } from './queue-state.ts';

export { DEFAULT_VISIBILITY_TIMEOUT } from './broker-options.ts';
export type { MemoryBrokerOptions } from './broker-options.ts';

const RESOLVED: Promise<void> = Promise.resolve();

type Queue = QueueState<MemorySubscription>;

export class MemoryBroker extends Closeable implements Broker {
  readonly #clock: Clock;
  readonly #log: Logger | undefined;
  readonly #visibility: Millis;
  readonly #deadLetterLimit: number;
  readonly #queues = new Map<string, Queue>();
  readonly #heap: TimerHeap<StoredMessage>;
  readonly #dedup: DedupWindow;
  readonly #deadLetters = new Deque<DeadLetter>();
  readonly #dispatcher: Dispatcher<Queue>;
  #closed = false;
  readonly #internals: BrokerInternals;

  constructor(opts: MemoryBrokerOptions = {}) {
    super();
    this.#clock = opts.clock ?? systemClock;
    this.#log = opts.logger;
    this.#visibility = positive('visibilityTimeout', opts.visibilityTimeout, DEFAULT_VISIBILITY_TIMEOUT);
    this.#deadLetterLimit = positive('deadLetterLimit', opts.deadLetterLimit, DEFAULT_DEAD_LETTER_LIMIT);
    this.#dedup = new DedupWindow(
      positive('dedupWindow', opts.dedupWindow, DEFAULT_DEDUP_WINDOW),
      positive('dedupMaxEntries', opts.dedupMaxEntries, DEFAULT_DEDUP_MAX),
    );
    this.#heap = new TimerHeap<StoredMessage>(this.#clock, (m) => this.#onDue(m), this.#log);
    this.#dispatcher = new Dispatcher<Queue>((q, budget) => this.#dispatch(q, budget));
    this.#internals = {
      ack: (d) => this.#ack(d),
      nack: (d, delay) => this.#nack(d, delay),
      working: (d) => this.#working(d),
      reject: (d, reason) => this.#reject(d, reason),
      kick: (q) => this.#kick(q),
      unsubscribe: (s) => this.#unsubscribe(s),
    };
  }

  publish(queue: string, frame: Uint8Array, opts?: PublishOptions): Promise<void> {
    if (this.#closed) return Promise.reject(new ClosedError('memory broker is closed'));
    try {
      this.#put(queue, frame, opts);
    } catch (err) {
      return Promise.reject(err);
    }
    return RESOLVED;
  }

  publishMany(items: { queue: string; frame: Uint8Array; opts?: PublishOptions }[]): Promise<void> {
    if (this.#closed) return Promise.reject(new ClosedError('memory broker is closed'));
    try {
      for (const item of items) checkTarget(item.queue, item.frame);
      for (const item of items) this.#put(item.queue, item.frame, item.opts);
    } catch (err) {
      return Promise.reject(err);
    }
    return RESOLVED;
  }

  subscribe(queue: string, onDelivery: (d: Delivery) => void, opts?: SubscribeOptions): Subscription {
    if (this.#closed) throw new ClosedError('memory broker is closed');
    if (typeof queue !== 'string' || queue === '') throw new ConfigError(`queue must be a non-empty string, got ${String(queue)}`);
    const visibility = positive('visibilityTimeout', opts?.visibilityTimeout, this.#visibility);
    const q = this.#queue(queue);
    const sub = new MemorySubscription(this.#internals, q, onDelivery, visibility);
    q.consumers.push(sub);
    return sub;
  }

  purge(queue: string): Promise<number> {
    if (this.#closed) return Promise.reject(new ClosedError('memory broker is closed'));
    const q = this.#queues.get(queue);
    if (q === undefined) return Promise.resolve(0);
    const removed = q.drainReady();
    if (q.delayed > 0) {
      for (const m of this.#heap.removeWhere((m) => m.queue === q && m.state === MessageState.DELAYED)) removed.push(m);
      q.delayed = 0;
    }
    for (const m of removed) m.state = MessageState.DONE;
    this.#maybeDrop(q);
    return Promise.resolve(removed.length);
  }

  size(queue: string): Promise<number> {
    if (this.#closed) return Promise.reject(new ClosedError('memory broker is closed'));
    return Promise.resolve(this.#queues.get(queue)?.waiting ?? 0);
  }

  deadLetters(queue?: string): Promise<DeadLetter[]> {
    if (this.#closed) return Promise.reject(new ClosedError('memory broker is closed'));
    const all = this.#deadLetters.toArray();
    const picked = queue === undefined ? all : all.filter((d) => d.queue === queue);
    return Promise.resolve(picked.map((d) => ({ ...d })));
  }

  /** Messages delivered and not yet settled, for a queue or all (inspection and tests). */
  inFlight(queue?: string): number {
    if (queue !== undefined) return this.#queues.get(queue)?.inFlight ?? 0;
    let n = 0;
    for (const q of this.#queues.values()) n += q.inFlight;
    return n;
  }

  protected async shutdown(): Promise<void> {
    this.#closed = true;
    this.#heap.close();
    this.#dispatcher.close();
    this.#dedup.clear();
    for (const q of this.#queues.values()) {
      for (const sub of [...q.consumers]) await sub.close();
      q.drainReady();
    }
    this.#queues.clear();
  }

  #put(queue: string, frame: Uint8Array, opts: PublishOptions | undefined): void {
    checkTarget(queue, frame);
    const now = this.#clock.now();
    if (opts?.msgId !== undefined && this.#dedup.check(opts.msgId, now)) {
      this.#log?.debug({ queue, msgId: opts.msgId }, 'duplicate publish dropped');
      return;
    }
    const q = this.#queue(queue);
    const msg = new StoredMessage(q, frame, priorityOf(opts?.priority));
    const notBefore = opts?.notBefore;
    if (notBefore !== undefined && notBefore > now) {
      msg.state = MessageState.DELAYED;
      q.delayed++;
      this.#heap.push(msg, notBefore);
      return;
    }
    q.pushReady(msg);
    this.#kick(q);
  }

  #queue(name: string): Queue {
    let q = this.#queues.get(name);
    if (q === undefined) {
      q = new QueueState<MemorySubscription>(name);
      this.#queues.set(name, q);
    }
    return q;
  }

  /** Forgets a queue with nothing in it and nobody on it, so unique test queues do not pile up. */
  #maybeDrop(q: Queue): void {
    if (q.idle && !q.dirty && !q.dispatching) this.#queues.delete(q.name);
  }

  #kick(q: Queue): void {
    if (!this.#closed) this.#dispatcher.kick(q);
  }

  #dispatch(q: Queue, budget: number): number {
    q.dispatching = true;
    try {
      while (q.ready > 0 && !this.#closed) {
        if (budget === 0) {
          q.dispatching = false;
          this.#dispatcher.later(q);
          return 0;
        }
        const sub = q.nextConsumer();
        if (sub === undefined) break;
        const msg = q.shiftReady() as StoredMessage;
        budget--;
        this.#deliver(q, sub, msg);
      }
    } finally {
      q.dispatching = false;
    }
    return budget;
  }

  #deliver(q: Queue, sub: MemorySubscription, msg: StoredMessage): void {
    msg.deliveryCount++;
    msg.state = MessageState.IN_FLIGHT;
    msg.visibility = sub.visibility;
    q.inFlight++;
    this.#heap.push(msg, this.#clock.now() + sub.visibility);
    // A copy per delivery: a consumer that mutates its bytes cannot spoil a later redelivery.
    const d = new MemoryDelivery(this.#internals, msg, copyFrame(msg.frame));
    msg.holder = d;
    sub.take();
    try {
      sub.onDelivery(d);
    } catch (err) {
      // The message stays in flight: the visibility timeout brings it back.
      this.#log?.error({ err, queue: q.name }, 'delivery handler threw');
    }
  }

  /** Ends the holder's claim; false when `d` is stale (redelivered to someone else, or settled). */
  #release(d: MemoryDelivery): boolean {
    const msg = d.message;
    if (msg.holder !== d || this.#closed) return false;
    msg.holder = null;
    msg.queue.inFlight--;
    this.#heap.remove(msg);
    return true;
  }

  #ack(d: MemoryDelivery): Promise<void> {
    if (this.#release(d)) {
      d.message.state = MessageState.DONE;
      this.#maybeDrop(d.message.queue as Queue);
    }
    return RESOLVED;
  }

  #nack(d: MemoryDelivery, delay: Millis): Promise<void> {
    if (!this.#release(d)) return RESOLVED;
    const msg = d.message;
    const q = msg.queue as Queue;
    if (delay > 0) {
      msg.state = MessageState.DELAYED;
      q.delayed++;
      this.#heap.push(msg, this.#clock.now() + delay);
    } else {
      msg.state = MessageState.READY;
      q.pushReadyFront(msg);
      this.#kick(q);
    }
    return RESOLVED;
  }

  #working(d: MemoryDelivery): Promise<void> {
    const msg = d.message;
    if (msg.holder === d && !this.#closed) this.#heap.update(msg, this.#clock.now() + msg.visibility);
    return RESOLVED;
  }

  #reject(d: MemoryDelivery, reason: string): Promise<void> {
    if (!this.#release(d)) return RESOLVED;
    const msg = d.message;
    msg.state = MessageState.DONE;
    const queue = msg.queue.name;
    this.#deadLetters.push({ queue, frame: msg.frame, reason: String(reason), at: this.#clock.now() });
    if (this.#deadLetters.length > this.#deadLetterLimit) this.#deadLetters.shift();
    this.#log?.warn({ queue, reason, deliveryCount: msg.deliveryCount }, 'message dead-lettered');
    this.#maybeDrop(msg.queue as Queue);
    return RESOLVED;
  }

  #unsubscribe(sub: MemorySubscription): void {
    const q = sub.queueState;
    q.removeConsumer(sub);
    this.#maybeDrop(q);
  }

  /** A delayed message fell due, or an in-flight one missed its visibility deadline. */
  #onDue(msg: StoredMessage): void {
    const q = msg.queue as Queue;
    if (msg.state === MessageState.DELAYED) {
      q.delayed--;
      msg.state = MessageState.READY;
      q.pushReady(msg);
    } else if (msg.state === MessageState.IN_FLIGHT) {
      this.#log?.debug({ queue: q.name, deliveryCount: msg.deliveryCount }, 'visibility timeout: redelivering');
      msg.holder = null;
      q.inFlight--;
      msg.state = MessageState.READY;
      q.pushReadyFront(msg);
    } else {
      return;
    }
    this.#kick(q);
  }
}
