/**
 * The four interfaces every transport implements (DESIGN.md §4). `memory://` and `nats://`
 * sit behind them, and one conformance suite runs against both. Task messages cross as opaque
 * frames (bytes made by `protocol/`); results cross as `ResultMeta` objects, which a transport
 * encodes as it needs.
 */
import type { Millis } from '../util/time.ts';
import type { ResultMeta } from '../protocol/result-meta.ts';
import type { CeleriacEvent } from '../protocol/events.ts';
import type { ControlReply, ControlRequest } from '../protocol/control.ts';
import type { Clock } from '../actors/clock.ts';
import type { Logger } from '../log/logger.ts';
import type { SerializerName } from '../protocol/task-message.ts';

export type Unsubscribe = () => void;

export interface PublishOptions {
  /** 0-9, 9 highest. Served highest first within a queue. @default 0 */
  priority?: number;
  /** Epoch ms before which the message must not be delivered (countdown/eta). */
  notBefore?: Millis;
  /** Deduplication key: a retried publish with the same id is stored once. The task id. */
  msgId?: string;
}

/** One message handed to a consumer. Exactly one of ack, nack or reject ends it. */
export interface Delivery {
  readonly queue: string;
  readonly frame: Uint8Array;
  readonly priority: number;
  /** 1 on first delivery, then 2, 3, ... */
  readonly deliveryCount: number;
  readonly redelivered: boolean;
  /** Removes the message for good. */
  ack(): Promise<void>;
  /** Hands the message back, to be delivered again after `delay` ms (0: at once). */
  nack(opts?: { delay?: Millis }): Promise<void>;
  /** Extends the visibility deadline: the message stays with this consumer. */
  working(): Promise<void>;
  /** Moves the message to the dead-letter list with the reason. */
  reject(reason: string): Promise<void>;
}

export interface SubscribeOptions {
  /**
   * How long a delivery may stay unacked without `working()` before it is handed to another
   * consumer. @default the broker's visibility timeout
   */
  visibilityTimeout?: Millis;
  /**
   * Called once if the subscription ends on its own (its connection or transport closed, its
   * pull loop could not be recreated) rather than by `close()`. The worker's supervisor
   * restarts the consumer on it.
   */
  onError?: (err: Error) => void;
  /**
   * Called when the broker dead-letters a message on its own instead of handing it over (NATS:
   * delivered more than `maxDeliver` times), before the message leaves the queue: the holder
   * ends the task the frame names FAILURE. Awaited; a rejection is logged and the message is
   * dead-lettered all the same.
   */
  onPoison?: (poisoned: PoisonedMessage) => Promise<void> | void;
}

/** A message dead-lettered by the broker itself (see `SubscribeOptions.onPoison`). */
export interface PoisonedMessage {
  readonly queue: string;
  readonly frame: Uint8Array;
  /** The dead letter's reason, e.g. `delivered 6 times (maxDeliver 5)`. */
  readonly reason: string;
  readonly deliveryCount: number;
}

/**
 * A stream of deliveries driven by credit: the broker never hands over more messages than the
 * consumer asked for with `request(n)`, so a worker fetches exactly its free slots.
 */
export interface Subscription {
  /** Asks for `n` more deliveries. */
  request(n: number): void;
  /** Credit not yet used. */
  readonly credit: number;
  /** Stops delivering. Unacked deliveries stay with their holder until acked or nacked. */
  close(): Promise<void>;
  /**
   * Whether it is able to consume now, for a subscription that can fail on its own (NATS: the
   * pull loop keeps failing, or has heard nothing from the server for too long). Absent: always.
   */
  health?(): SubscriptionHealth;
}

export interface SubscriptionHealth {
  ok: boolean;
  /** Why not, when not ok. */
  problem?: string;
  /** Since when it has not been ok (epoch ms). */
  since?: Millis;
}

export interface DeadLetter {
  queue: string;
  frame: Uint8Array;
  reason: string;
  at: Millis;
}

export interface Broker {
  publish(queue: string, frame: Uint8Array, opts?: PublishOptions): Promise<void>;
  /** Publishes several messages together, confirmed as one window. */
  publishMany(items: { queue: string; frame: Uint8Array; opts?: PublishOptions }[]): Promise<void>;
  subscribe(queue: string, onDelivery: (d: Delivery) => void, opts?: SubscribeOptions): Subscription;
  /** Removes every waiting (not delivered) message of the queue; returns how many. */
  purge(queue: string): Promise<number>;
  /** Waiting messages of the queue (ready and delayed, not delivered). */
  size(queue: string): Promise<number>;
  /** Dead-lettered messages, oldest first. */
  deadLetters(queue?: string): Promise<DeadLetter[]>;
  close(): Promise<void>;
}

export interface ChordJoinResult {
  /** True for exactly one caller: the one whose result completed the set. */
  complete: boolean;
  /** The header results in header order, when complete. */
  results?: unknown[];
}

export interface ResultBackend {
  /**
   * Writes a task's meta and notifies watchers. Once a ready state (SUCCESS, FAILURE,
   * REVOKED) is stored, later writes for that id are ignored: the first result wins.
   * Resolves `false` when the write was ignored. `replyTo`: the task message's reply route
   * (`expectReply`), told of the write once it is stored; a backend without one ignores it.
   */
  set(meta: ResultMeta, replyTo?: string | null): Promise<boolean>;
  /**
   * `set()` done before returning, for a backend that stores in this process (`memory://`);
   * absent on one that must ask a server. Throws what `set()` would reject with.
   */
  setNow?(meta: ResultMeta): boolean;
  get(taskId: string): Promise<ResultMeta | undefined>;
  /**
   * The stored meta now, without waiting, for a backend that holds its values in this process
   * (`memory://`); absent on one that must ask a server. A copy, as `get()` gives.
   */
  peek?(taskId: string): ResultMeta | undefined;
  /**
   * For a backend that hears the results of the tasks this process publishes (nats://): the
   * reply route to put on a task message about to be published, registering its id; undefined
   * when it has none now.
   */
  expectReply?(taskId: string): string | undefined;
  /**
   * What was heard of a task registered by `expectReply`, without a round trip: its meta (a
   * copy), `null` when nothing yet and every write will reach `watch()` listeners, `undefined`
   * when only a read can tell.
   */
  heard?(taskId: string): ResultMeta | null | undefined;
  /**
   * Calls `listener` for every write to the key from now on, in order. The caller reads the
   * current value after subscribing, so no write is missed.
   */
  watch(taskId: string, listener: (meta: ResultMeta) => void): Unsubscribe;
  forget(taskId: string): Promise<void>;
  saveGroup(groupId: string, taskIds: string[]): Promise<void>;
  restoreGroup(groupId: string): Promise<string[] | undefined>;
  forgetGroup(groupId: string): Promise<void>;
  /**
   * Records header task `index`'s `value` in chord `chordId` of `size` tasks. A repeated index
   * (a redelivered header task) counts once.
   */
  chordJoin(chordId: string, index: number, size: number, value: unknown): Promise<ChordJoinResult>;
  /** Atomically adds `by` to a counter and returns the new value. */
  incr(key: string, by?: number): Promise<number>;
  /** A small value with a time to live (beat's last-run times and locks). */
  setKey(key: string, value: unknown, opts?: { ttl?: Millis; ifAbsent?: boolean }): Promise<boolean>;
  getKey(key: string): Promise<unknown>;
  close(): Promise<void>;
}

export interface BroadcastOptions {
  /** Hostnames to address; all workers when absent. */
  destination?: string[];
  timeout: Millis;
  /** Stop waiting after this many replies (default: destinations' count, or every live worker). */
  limit?: number;
}

export type ControlHandler = (req: ControlRequest) => Promise<unknown> | unknown;

export interface ControlBus {
  /** Sends a request to the addressed workers and gathers their replies. */
  broadcast(req: ControlRequest, opts: BroadcastOptions): Promise<ControlReply[]>;
  /** Answers requests addressed to `hostname` (or to all). */
  serve(hostname: string, handler: ControlHandler): Unsubscribe;
  close(): Promise<void>;
}

export interface EventBus {
  /** Fire and forget: an event with no listener is dropped. */
  publish(event: CeleriacEvent): void;
  /** `pattern`: an event type, a glob such as `'task-*'`, or `'*'`. */
  subscribe(pattern: string, listener: (event: CeleriacEvent) => void): Unsubscribe;
  close(): Promise<void>;
}

/** Connection status, surfaced as events and logs, never thrown into the host's loop. */
export type TransportStatus =
  | { type: 'connected'; server: string }
  | { type: 'disconnected'; server: string }
  | { type: 'reconnecting'; attempt: number }
  | { type: 'reconnected'; server: string }
  | { type: 'error'; error: Error };

export interface Transport {
  readonly url: string;
  readonly broker: Broker;
  readonly backend: ResultBackend | null;
  readonly control: ControlBus;
  readonly events: EventBus;
  onStatus(listener: (s: TransportStatus) => void): Unsubscribe;
  /** Drains and closes everything; idempotent. */
  close(): Promise<void>;
  /**
   * `close()`, and before the connection goes, deletes every stream and bucket of this
   * transport's namespace from the servers: for a throwaway namespace (`celeriac bench`).
   * Resolves with what it deleted. Absent where nothing outlives the process (`memory://`).
   */
  destroy?(): Promise<string[]>;
}

/** What opening a transport takes (`open.ts`; the NATS transport adds its own tuning). */
export interface TransportOptions {
  /** Where results go: a `memory://` or `nats://` URL, or `'disabled'`. @default the broker's URL */
  backendUrl?: string | 'disabled';
  /** @default systemClock */
  clock?: Clock;
  /** @default silent */
  logger?: Logger;
  /** Result time to live, ms; `null` keeps results for ever. @default 86_400_000 (one day) */
  resultExpires?: Millis | null;
  /** Default visibility timeout of deliveries (NATS: the consumers' AckWait), ms. */
  visibilityTimeout?: Millis;
  /** Namespace of every subject, stream and bucket (NATS). @default 'celeriac' */
  prefix?: string;
  /** Passed to the NATS client's `connect()` (see `NatsConnectionOptions` in nats/options.ts). */
  connectionOptions?: Record<string, unknown>;
  /** Handshake deadline of a connection attempt, ms (NATS; `connectionOptions.timeout` wins). */
  connectTimeout?: Millis;
  /** Replicas of the streams and buckets the transport creates (NATS; 3 on a cluster). @default 1 */
  replicas?: number;
  /** How stored results are encoded where they are stored as bytes (NATS). @default 'msgpack' */
  resultSerializer?: SerializerName;
}

