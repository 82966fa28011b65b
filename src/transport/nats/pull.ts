/**
 * One JetStream pull request (`$JS.API.CONSUMER.MSG.NEXT`), on its own inbox subscription so
 * that it can be cancelled: draining that subscription makes the server drop the waiting
 * request (it checks interest before handing a message over), and anything already on its way
 * still arrives. nats.js' `fetch()` cannot do this (no `no_wait`, `expires` >= 1 s, no cancel,
 * a subscription and a status iterator per call), and exact credit needs all three.
 *
 * A request ends when it got `batch` messages, when the server says so (404 no messages,
 * 408 expired, 409 limits, 503 nobody serves the consumer), when it is cancelled, or when a
 * watchdog sees nothing (no message, heartbeat or status) for too long: `stalled`.
 */
import { createInbox, type Msg, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import type { Millis } from '../../util/time.ts';

export type PullEnd = 'complete' | 'empty' | 'expired' | 'cancelled' | 'stalled' | 'no-responders' | 'error';

export interface PullOptions {
  batch: number;
  /** Answer at once: what is there now, then 404/408. */
  noWait?: boolean;
  /** Long poll: how long the server keeps the request. */
  expires?: Millis;
  /** Server heartbeat interval while a long poll waits. */
  heartbeat?: Millis;
  /** Watchdog for a request that hears nothing. @default 2.5 heartbeats, or expires + 2 s, or 5 s */
  stallAfter?: Millis;
}

const NANOS = 1_000_000;

export class PullRequest {
  received = 0;
  readonly batch: number;
  /** Status description of a 409/other error end, for logs. */
  detail = '';
  readonly done: Promise<PullEnd>;
  #resolve!: (end: PullEnd) => void;
  #ended = false;
  #cancelling: Promise<void> | null = null;
  readonly #sub: Subscription;
  #watchdog: NodeJS.Timeout | null = null;
  readonly #stallAfter: Millis;

  /**
   * @param nextSubject `$JS.API.CONSUMER.MSG.NEXT.<stream>.<consumer>`
   * @param onMessage called for each message of the request (also while it is being cancelled)
   */
  constructor(
    nc: NatsConnection,
    nextSubject: string,
    opts: PullOptions,
    readonly onMessage: (msg: Msg) => void,
  ) {
    this.batch = opts.batch;
    this.done = new Promise((r) => (this.#resolve = r));
    // Re-armed by every message, heartbeat or status: with heartbeats, silence means trouble
    // (a consumer leader lost on a cluster, a request dropped) long before `expires`.
    this.#stallAfter =
      opts.stallAfter ??
      (opts.heartbeat !== undefined ? opts.heartbeat * 2.5 : opts.expires !== undefined ? opts.expires + 2000 : 5000);
    const inbox = createInbox();
    this.#sub = nc.subscribe(inbox, { callback: (_err, msg) => this.#onMsg(msg) });
    const req: Record<string, unknown> = { batch: opts.batch };
    if (opts.noWait === true) req.no_wait = true;
    if (opts.expires !== undefined) req.expires = Math.round(opts.expires * NANOS);
    if (opts.heartbeat !== undefined) req.idle_heartbeat = Math.round(opts.heartbeat * NANOS);
    this.#arm();
    try {
      nc.publish(nextSubject, JSON.stringify(req), { reply: inbox });
    } catch (err) {
      this.detail = (err as Error).message;
      this.#end('error');
    }
  }

  get ended(): boolean {
    return this.#ended;
  }

  /** Messages this request may still bring. */
  get outstanding(): number {
    return this.#ended && this.#cancelling === null ? 0 : this.batch - this.received;
  }

  #arm(): void {
    if (this.#watchdog !== null) clearTimeout(this.#watchdog);
    this.#watchdog = setTimeout(() => this.#end('stalled'), this.#stallAfter);
    this.#watchdog.unref();
  }

  #onMsg(msg: Msg): void {
    const reply = msg.reply;
    if (reply !== undefined && reply.startsWith('$JS.ACK.')) {
      this.received++;
      this.onMessage(msg);
      if (this.received >= this.batch) this.#end('complete');
      else if (!this.#ended) this.#arm();
      return;
    }
    if (this.#ended) return;
    const code = msg.headers?.code ?? 0;
    switch (code) {
      case 100: // idle heartbeat
        this.#arm();
        return;
      case 404:
        this.#end('empty');
        return;
      case 408:
        this.#end('expired');
        return;
      case 503:
        this.#end('no-responders');
        return;
      default:
        this.detail = `${code} ${msg.headers?.description ?? ''}`.trim();
        this.#end('error');
    }
  }

  #end(end: PullEnd): void {
    if (this.#ended) return;
    this.#ended = true;
    if (this.#watchdog !== null) clearTimeout(this.#watchdog);
    this.#watchdog = null;
    if (this.#cancelling === null) {
      try {
        this.#sub.unsubscribe();
      } catch {
        // the connection is gone: nothing to unsubscribe from
      }
    }
    this.#resolve(end);
  }

  /** Withdraws the request; messages already sent still reach `onMessage` before it resolves. */
  cancel(): Promise<void> {
    if (this.#ended) return Promise.resolve();
    this.#cancelling ??= this.#sub
      .drain()
      .catch(() => undefined)
      .then(() => {
        this.#cancelling = null;
        this.#end('cancelled');
      });
    return this.#cancelling;
  }
}

export interface AckInfo {
  stream: string;
  consumer: string;
  deliveryCount: number;
  streamSeq: number;
  /** Messages left for the consumer after this one. */
  pending: number;
}

/**
 * Reads a JetStream ack subject: `$JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.<dseq>.<ts>.<pending>`,
 * or the newer form with domain and account hash in front (12 tokens).
 */
export function parseAckSubject(reply: string): AckInfo {
  const t = reply.split('.');
  const o = t.length >= 11 ? 4 : 2;
  return {
    stream: t[o] ?? '',
    consumer: t[o + 1] ?? '',
    deliveryCount: Number(t[o + 2]) || 1,
    streamSeq: Number(t[o + 3]) || 0,
    pending: Number(t[o + 6]) || 0,
  };
}

export const nextSubject = (stream: string, consumer: string): string =>
  `$JS.API.CONSUMER.MSG.NEXT.${stream}.${consumer}`;

/** Ack payloads (the JetStream ack protocol). */
export const AckBody = {
  ack: new TextEncoder().encode('+ACK'),
  nak: new TextEncoder().encode('-NAK'),
  working: new TextEncoder().encode('+WPI'),
  term: new TextEncoder().encode('+TERM'),
  nakDelay: (ms: Millis): Uint8Array => new TextEncoder().encode(`-NAK {"delay":${Math.max(1, Math.round(ms)) * NANOS}}`),
} as const;
