/**
 * The reply route of the result backend: how a process hears the results of the tasks it
 * published without one subscription and one read per task (Celery's `reply_to`, as its RPC
 * backend uses it, on top of the KV store rather than instead of it).
 *
 * A publishing process subscribes once to `<prefix>.reply.<client>` and puts that subject on
 * each task message it publishes (`expect`). A worker that stored a result in the bucket then
 * also sends the same bytes there (a core publish: no ack, no stream). So `get()` on a task
 * this process published needs no SUB, no UNSUB and no KV read: the subscription was sent on
 * this connection before the task was, so the server knew of it before any worker could reply.
 *
 * Core messages are at most once: a reply is lost while the connection is down, when a worker
 * dies between the KV write and the reply, or (on a cluster) when the first replies beat the
 * subscription's propagation to another server. The bucket still has the result, so:
 *   - after a reconnect every entry is *unsure* (`heard()` says "ask the server") and those
 *     being waited on are read from the bucket at once;
 *   - an entry waited on for long is read from the bucket now and then (after 2 s, then 4, 8...
 *     up to every 60 s; at most 256 reads a second in all), so a lost reply costs a delay, never
 *     a result.
 * Entries nobody waits on are forgotten oldest first past `MAX_ENTRIES`; a forgotten id is read
 * from the bucket like any other.
 */
import { nuid, type NatsConnection, type Subscription as CoreSubscription } from '@nats-io/transport-node';
import type { Logger } from '../../log/logger.ts';
import { isReady, type ResultMeta } from '../../protocol/result-meta.ts';
import { msgpackCodec } from '../../serialization/codecs.ts';
import { decodeResult } from './result-codec.ts';
import type { Unsubscribe } from '../types.ts';
import type { NatsConnector } from './connection.ts';

/** When a waited-on task with no reply is read from the bucket (tests shorten them). */
export interface ReplyTiming {
  /** How often waited-on entries are looked at. @default 1000 */
  sweepMs: number;
  /** The first read, after this long without a reply. @default 2000 */
  firstCheckMs: number;
  /** Reads then double up to this interval. @default 60000 */
  maxCheckMs: number;
}

export const DEFAULT_REPLY_TIMING: ReplyTiming = { sweepMs: 1000, firstCheckMs: 2000, maxCheckMs: 60_000 };
const MAX_ENTRIES = 100_000;
/** Reads one sweep may start: a backlog of waiting ids is caught up over several sweeps. */
const SWEEP_READS = 256;

type Listener = (meta: ResultMeta) => void;

interface Entry {
  /** The newest meta heard, or null. */
  meta: ResultMeta | null;
  /** Its bytes, to hand out a fresh copy once `meta` itself was handed out. */
  bytes: Uint8Array | null;
  handedOut: boolean;
  /** A reply may have been missed (a reconnect): only the bucket can tell. */
  unsure: boolean;
  listeners: Set<Listener> | null;
  /** When a waited-on entry is next read from the bucket. */
  checkAt: number;
  checkEvery: number;
}

export interface ReplyInboxDeps {
  connector: NatsConnector;
  logger: Logger;
  /** `<prefix>.reply.`: the start of every reply subject of this app. */
  replyPrefix: string;
  /** Reads the stored meta from the bucket (the backend's `get`). */
  read: (taskId: string) => Promise<ResultMeta | undefined>;
  now: () => number;
  timing?: Partial<ReplyTiming>;
}

export class ReplyInbox {
  readonly subject: string;
  readonly #d: ReplyInboxDeps;
  readonly #t: ReplyTiming;
  readonly #entries = new Map<string, Entry>();
  #sub: CoreSubscription | null = null;
  #subscribing = false;
  #subConn: NatsConnection | null = null;
  #sweep: NodeJS.Timeout | null = null;
  #offReconnect: Unsubscribe | null = null;
  #closed = false;

  constructor(deps: ReplyInboxDeps) {
    this.#d = deps;
    this.#t = { ...DEFAULT_REPLY_TIMING, ...deps.timing };
    // Unique per backend instance: two apps in one process each hear only their own tasks.
    this.subject = `${deps.replyPrefix}${nuid.next()}`;
  }

  /** True for a subject a worker may reply to: one of this app's, never an arbitrary one. */
  static isReplySubject(subject: unknown, replyPrefix: string): subject is string {
    return typeof subject === 'string' && subject.startsWith(replyPrefix) && subject.length > replyPrefix.length && !/[\s*>]/.test(subject);
  }

  /**
   * Registers a task about to be published; the reply subject to put on it (undefined once
   * closed). Call it before the publish: the subscription must reach the server first.
   */
  expect(taskId: string): string | undefined {
    if (this.#closed) return undefined;
    const nc = this.#d.connector.current;
    if (nc !== null) {
      if (this.#sub === null || this.#subConn !== nc || this.#sub.isClosed()) this.#subscribe(nc);
    } else if (!this.#subscribing) {
      // Not connected yet (the app's first publishes): subscribe as soon as it is. The task's
      // publish awaits the same connection promise, later, so this SUB still goes out first.
      this.#subscribing = true;
      this.#d.connector.connection().then(
        (c) => {
          this.#subscribing = false;
          if (!this.#closed && (this.#sub === null || this.#subConn !== c || this.#sub.isClosed())) this.#subscribe(c);
        },
        () => {
          // The publish fails the same way and says so; the entries wait for a reconnect.
          this.#subscribing = false;
        },
      );
    }
    const old = this.#entries.get(taskId);
    // A republish of an id (a retry by hand, a replayed canvas): its new writes reach us too.
    if (old !== undefined) return this.subject;
    this.#entries.set(taskId, {
      meta: null,
      bytes: null,
      handedOut: false,
      unsure: false,
      listeners: null,
      checkAt: 0,
      checkEvery: this.#t.firstCheckMs,
    });
    if (this.#entries.size > MAX_ENTRIES) this.#evict();
    return this.subject;
  }

  /**
   * What was heard of a task this process published: its meta (a copy of its own), `null` when
   * nothing yet and every write will reach `watch()` listeners, `undefined` when only the bucket
   * can tell (not ours, forgotten, or a reply may have been missed).
   */
  heard(taskId: string): ResultMeta | null | undefined {
    const e = this.#entries.get(taskId);
    if (e === undefined || e.unsure) return undefined;
    if (e.meta === null) return null;
    if (!e.handedOut) {
      e.handedOut = true;
      return e.meta;
    }
    return decodeResult(e.bytes!) as ResultMeta;
  }

  /** Adds a listener for a task `heard()` answered for (not undefined); undefined otherwise. */
  listen(taskId: string, listener: Listener): Unsubscribe | undefined {
    const e = this.#entries.get(taskId);
    if (e === undefined || e.unsure || this.#closed) return undefined;
    (e.listeners ??= new Set()).add(listener);
    if (e.listeners.size === 1) {
      e.checkEvery = this.#t.firstCheckMs;
      e.checkAt = this.#d.now() + this.#t.firstCheckMs;
      this.#armSweep();
    }
    return () => {
      e.listeners?.delete(listener);
      if (e.listeners?.size === 0) e.listeners = null;
    };
  }

  forget(taskId: string): void {
    this.#entries.delete(taskId);
  }

  #subscribe(nc: NatsConnection): void {
    try {
      this.#sub?.unsubscribe();
    } catch {
      // the old connection is gone
    }
    this.#subConn = nc;
    this.#sub = nc.subscribe(this.subject, { callback: (_err, m) => this.#onReply(m.data) });
    this.#offReconnect ??= this.#d.connector.onReconnect(() => this.#reconnected());
  }

  #onReply(data: Uint8Array): void {
    let meta: ResultMeta;
    try {
      meta = decodeResult(data) as ResultMeta;
    } catch (err) {
      this.#d.logger.warn({ err }, 'undecodable result reply');
      return;
    }
    const e = this.#entries.get(meta?.taskId);
    if (e === undefined) return;
    this.#hear(e, meta, data);
  }

  #hear(e: Entry, meta: ResultMeta, bytes: Uint8Array | null): void {
    // The first ready state is the result; nothing after it replaces it (the bucket agrees).
    if (e.meta !== null && isReady(e.meta.state)) return;
    e.meta = meta;
    e.bytes = bytes ?? msgpackCodec.encode(meta);
    // A ready state heard is the answer, whatever was missed before it.
    if (isReady(meta.state)) e.unsure = false;
    e.handedOut = e.listeners !== null;
    if (e.listeners === null) return;
    for (const l of [...e.listeners]) {
      try {
        l(meta);
      } catch (err) {
        this.#d.logger.error({ err, taskId: meta.taskId }, 'result watcher threw');
      }
    }
  }

  /** Replies may have been lost while disconnected: ask the bucket for everything waited on. */
  #reconnected(): void {
    const now = this.#d.now();
    for (const e of this.#entries.values()) {
      if (e.meta !== null && isReady(e.meta.state)) continue;
      if (e.listeners === null) e.unsure = true;
      else e.checkAt = now;
    }
    this.#runSweep();
  }

  #armSweep(): void {
    if (this.#sweep !== null || this.#closed) return;
    this.#sweep = setInterval(() => this.#runSweep(), this.#t.sweepMs);
    this.#sweep.unref();
  }

  #runSweep(): void {
    const now = this.#d.now();
    let reads = 0;
    let waiting = 0;
    for (const [taskId, e] of this.#entries) {
      if (e.listeners === null) continue;
      waiting++;
      if (e.checkAt > now || reads >= SWEEP_READS) continue;
      reads++;
      e.checkEvery = Math.min(this.#t.maxCheckMs, e.checkEvery * 2);
      e.checkAt = now + e.checkEvery;
      this.#d.read(taskId).then(
        (meta) => {
          if (meta !== undefined && this.#entries.get(taskId) === e) {
            if (e.meta === null || meta.state !== e.meta.state || isReady(meta.state)) this.#hear(e, meta, null);
          }
        },
        (err: unknown) => this.#d.logger.debug({ err, taskId }, 'cannot check a result yet'),
      );
    }
    if (waiting === 0 && this.#sweep !== null) {
      clearInterval(this.#sweep);
      this.#sweep = null;
    }
  }

  /** Drops the oldest entries nobody waits on (Map order is publish order). */
  #evict(): void {
    let scanned = 0;
    for (const [taskId, e] of this.#entries) {
      if (this.#entries.size <= MAX_ENTRIES || scanned++ > 64) break;
      if (e.listeners === null) this.#entries.delete(taskId);
    }
  }

  close(): void {
    this.#closed = true;
    if (this.#sweep !== null) clearInterval(this.#sweep);
    this.#sweep = null;
    this.#offReconnect?.();
    try {
      this.#sub?.unsubscribe();
    } catch {
      // connection already closed
    }
    this.#sub = null;
    this.#entries.clear();
  }
}
