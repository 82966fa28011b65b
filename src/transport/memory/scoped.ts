/**
 * One transport's views of a shared hub. Several apps in a process lease one hub; when one of
 * them closes its transport, only *its* subscriptions, watchers, control servers and event
 * listeners go away (as a NATS connection's would), and the hub lives on for the others.
 * Each view forwards to the hub's part and remembers what it registered.
 */
import { ClosedError } from '../../errors.ts';
import type { ControlReply, ControlRequest } from '../../protocol/control.ts';
import type { CeleriacEvent } from '../../protocol/events.ts';
import type { ResultMeta } from '../../protocol/result-meta.ts';
import type { Millis } from '../../util/time.ts';
import type {
  BroadcastOptions,
  Broker,
  ChordJoinResult,
  ControlBus,
  ControlHandler,
  DeadLetter,
  Delivery,
  EventBus,
  PublishOptions,
  ResultBackend,
  SubscribeOptions,
  Subscription,
  Unsubscribe,
} from '../types.ts';
import type { MemoryResultBackend } from './result-backend.ts';
import { WatchGroup } from './watchers.ts';

const closed = (what: string): ClosedError => new ClosedError(`${what} of a closed memory transport`);

/** Registrations of one view: each undone once, by its owner or by the view's close. */
class Registrations {
  readonly #undo = new Set<() => void>();
  #closed = false;

  get closed(): boolean {
    return this.#closed;
  }

  add(undo: () => void): () => void {
    let done = false;
    const once = (): void => {
      if (done) return;
      done = true;
      this.#undo.delete(once);
      undo();
    };
    this.#undo.add(once);
    return once;
  }

  close(): void {
    this.#closed = true;
    for (const undo of [...this.#undo]) undo();
  }
}

class ScopedSubscription implements Subscription {
  constructor(
    readonly inner: Subscription,
    readonly drop: () => void,
  ) {}
  get credit(): number {
    return this.inner.credit;
  }
  request(n: number): void {
    this.inner.request(n);
  }
  close(): Promise<void> {
    this.drop();
    return this.inner.close();
  }
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

export class ScopedBroker implements Broker {
  readonly #regs = new Registrations();
  readonly #visibility: Millis | undefined;

  /** `visibilityTimeout`: this user's default for its subscriptions, ms (else the hub's). */
  constructor(
    readonly inner: Broker,
    visibilityTimeout?: Millis,
  ) {
    this.#visibility = visibilityTimeout;
  }

  publish(queue: string, frame: Uint8Array, opts?: PublishOptions): Promise<void> {
    return this.#regs.closed ? Promise.reject(closed('broker')) : this.inner.publish(queue, frame, opts);
  }
  publishMany(items: { queue: string; frame: Uint8Array; opts?: PublishOptions }[]): Promise<void> {
    return this.#regs.closed ? Promise.reject(closed('broker')) : this.inner.publishMany(items);
  }
  subscribe(queue: string, onDelivery: (d: Delivery) => void, opts?: SubscribeOptions): Subscription {
    if (this.#regs.closed) throw closed('broker');
    const visibilityTimeout = opts?.visibilityTimeout ?? this.#visibility;
    const sub = this.inner.subscribe(queue, onDelivery, visibilityTimeout === undefined ? opts : { ...opts, visibilityTimeout });
    let byHolder = false;
    const undo = this.#regs.add(() => {
      void sub.close();
      // Ended by the transport, not by its holder: tell the holder.
      if (!byHolder) opts?.onError?.(closed('subscription'));
    });
    return new ScopedSubscription(sub, () => {
      byHolder = true;
      undo();
    });
  }
  purge(queue: string): Promise<number> {
    return this.#regs.closed ? Promise.reject(closed('broker')) : this.inner.purge(queue);
  }
  size(queue: string): Promise<number> {
    return this.#regs.closed ? Promise.reject(closed('broker')) : this.inner.size(queue);
  }
  deadLetters(queue?: string): Promise<DeadLetter[]> {
    return this.#regs.closed ? Promise.reject(closed('broker')) : this.inner.deadLetters(queue);
  }
  /** Closes this view's subscriptions; the hub's broker stays up for its other users. */
  async close(): Promise<void> {
    this.#regs.close();
  }
}

export class ScopedBackend implements ResultBackend {
  readonly #regs = new Registrations();
  /** This view's watchers, dropped together at close (no per-watch registration record). */
  readonly #watches = new WatchGroup();
  constructor(readonly inner: MemoryResultBackend) {}

  #guard(): void {
    if (this.#regs.closed) throw closed('result backend');
  }
  // set and get are on every task's path: no async frame of their own.
  set(meta: ResultMeta): Promise<boolean> {
    return this.#regs.closed ? Promise.reject(closed('result backend')) : this.inner.set(meta);
  }
  get(taskId: string): Promise<ResultMeta | undefined> {
    return this.#regs.closed ? Promise.reject(closed('result backend')) : this.inner.get(taskId);
  }
  setNow(meta: ResultMeta): boolean {
    if (this.#regs.closed) throw closed('result backend');
    return this.inner.setNow(meta);
  }
  /** Undefined once this view is closed: the caller falls back to `get()`, which rejects. */
  peek(taskId: string): ResultMeta | undefined {
    return this.#regs.closed ? undefined : this.inner.peek(taskId);
  }
  watch(taskId: string, listener: (meta: ResultMeta) => void): Unsubscribe {
    this.#guard();
    return this.inner.watch(taskId, listener, this.#watches);
  }
  async forget(taskId: string): Promise<void> {
    this.#guard();
    return this.inner.forget(taskId);
  }
  async saveGroup(groupId: string, taskIds: string[]): Promise<void> {
    this.#guard();
    return this.inner.saveGroup(groupId, taskIds);
  }
  async restoreGroup(groupId: string): Promise<string[] | undefined> {
    this.#guard();
    return this.inner.restoreGroup(groupId);
  }
  async forgetGroup(groupId: string): Promise<void> {
    this.#guard();
    return this.inner.forgetGroup(groupId);
  }
  async chordJoin(chordId: string, index: number, size: number, value: unknown): Promise<ChordJoinResult> {
    this.#guard();
    return this.inner.chordJoin(chordId, index, size, value);
  }
  async incr(key: string, by?: number): Promise<number> {
    this.#guard();
    return this.inner.incr(key, by);
  }
  async setKey(key: string, value: unknown, opts?: { ttl?: Millis; ifAbsent?: boolean }): Promise<boolean> {
    this.#guard();
    return this.inner.setKey(key, value, opts);
  }
  async getKey(key: string): Promise<unknown> {
    this.#guard();
    return this.inner.getKey(key);
  }
  async close(): Promise<void> {
    this.#regs.close();
    this.inner.unwatchGroup(this.#watches);
  }
}

export class ScopedControlBus implements ControlBus {
  readonly #regs = new Registrations();
  constructor(readonly inner: ControlBus) {}

  async broadcast(req: ControlRequest, opts: BroadcastOptions): Promise<ControlReply[]> {
    if (this.#regs.closed) throw closed('control bus');
    return this.inner.broadcast(req, opts);
  }
  serve(hostname: string, handler: ControlHandler): Unsubscribe {
    if (this.#regs.closed) throw closed('control bus');
    return this.#regs.add(this.inner.serve(hostname, handler));
  }
  async close(): Promise<void> {
    this.#regs.close();
  }
}

export class ScopedEventBus implements EventBus {
  readonly #regs = new Registrations();
  constructor(readonly inner: EventBus) {}

  /** Fire and forget: dropped once this view is closed. */
  publish(event: CeleriacEvent): void {
    if (!this.#regs.closed) this.inner.publish(event);
  }
  subscribe(pattern: string, listener: (event: CeleriacEvent) => void): Unsubscribe {
    if (this.#regs.closed) throw closed('event bus');
    return this.#regs.add(this.inner.subscribe(pattern, listener));
  }
  async close(): Promise<void> {
    this.#regs.close();
  }
}
