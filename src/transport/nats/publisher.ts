/**
 * Pipelined JetStream publishing: a core publish with a reply subject under one shared inbox,
 * the PubAck matched back by the reply's last token. Many publishes are in flight at once and
 * each resolves when JetStream stored it, which costs a fraction of `js.publish()`'s client CPU
 * (DESIGN.md §6b). One sweeper timer, not a timer per message, fails the ones not acknowledged
 * within `publishTimeout`, so a dead server fails fast instead of hanging.
 */
import { createInbox, type Msg, type MsgHdrs, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import { ClosedError, OperationalError } from '../../errors.ts';
import type { Logger } from '../../log/logger.ts';
import type { NatsConnector } from './connection.ts';
import { JetStreamPublishError, NoStreamError, wrapNatsError } from './errors.ts';

const NO_STREAM_MAX_BACKOFF_MS = 500;

interface Pending {
  resolve(seq: number): void;
  reject(err: Error): void;
  at: number;
  subject: string;
}

const decoder = new TextDecoder();

export class JsPublisher {
  readonly #connector: NatsConnector;
  readonly #logger: Logger;
  readonly #timeout: number;
  readonly #pending = new Map<string, Pending>();
  #seq = 0;
  #inbox = '';
  #sub: Subscription | null = null;
  #subConn: NatsConnection | null = null;
  #sweeper: NodeJS.Timeout | null = null;
  #closed = false;

  constructor(connector: NatsConnector, logger: Logger) {
    this.#connector = connector;
    this.#logger = logger;
    this.#timeout = connector.tuning.publishTimeout;
  }

  get inFlight(): number {
    return this.#pending.size;
  }

  /**
   * Publishes to a subject a stream captures; resolves with the stream sequence. A 503 (no
   * stream answered) is retried with backoff for up to `publishTimeout`: on a cluster a stream
   * has no leader for a few seconds after losing a server, and a stream just created takes a
   * moment before every server routes its subjects. `onNoStream` hears the first 503 of each
   * publish, so the owner can re-make a stream that is really gone meanwhile.
   */
  async publish(subject: string, data: Uint8Array, headers?: MsgHdrs): Promise<number> {
    const deadline = performance.now() + this.#timeout;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.#publishOnce(subject, data, headers);
      } catch (err) {
        if (!(err instanceof NoStreamError) || this.#closed) throw err;
        if (attempt === 0) this.onNoStream(subject);
        const wait = Math.min(NO_STREAM_MAX_BACKOFF_MS, 25 * 2 ** attempt);
        if (performance.now() + wait > deadline) throw err;
        await new Promise((r) => setTimeout(r, wait));
      }
    }
  }

  /** Told of the first 503 of a publish. */
  onNoStream: (subject: string) => void = () => undefined;

  async #publishOnce(subject: string, data: Uint8Array, headers?: MsgHdrs): Promise<number> {
    if (this.#closed) throw new ClosedError('the NATS transport is closed');
    const nc = this.#connector.current ?? (await this.#connector.connection());
    this.#ensureInbox(nc);
    const token = (++this.#seq).toString(36);
    return new Promise<number>((resolve, reject) => {
      this.#pending.set(token, { resolve, reject, at: performance.now(), subject });
      try {
        nc.publish(subject, data, headers === undefined ? { reply: `${this.#inbox}.${token}` } : { reply: `${this.#inbox}.${token}`, headers });
      } catch (err) {
        this.#pending.delete(token);
        reject(wrapNatsError(err, `publish to ${subject}`));
        return;
      }
      this.#sweeper ??= this.#startSweeper();
    });
  }

  #ensureInbox(nc: NatsConnection): void {
    if (this.#sub !== null && this.#subConn === nc && !this.#sub.isClosed()) return;
    // A new connection (replaced after it closed) needs a new inbox subscription.
    this.#inbox = createInbox();
    this.#subConn = nc;
    this.#sub = nc.subscribe(`${this.#inbox}.*`, { callback: (_err, msg) => this.#onAck(msg) });
  }

  #onAck(msg: Msg): void {
    const token = msg.subject.slice(this.#inbox.length + 1);
    const p = this.#pending.get(token);
    if (p === undefined) return; // already timed out
    this.#pending.delete(token);
    const data = msg.data;
    // `{"stream":...}` is a PubAck; anything else is an error or a status.
    if (data.length > 10 && data[0] === 0x7b && data[2] === 0x73) {
      p.resolve(parseSeq(data));
      return;
    }
    const code = msg.headers?.code ?? 0;
    if (data.length === 0 && code === 503) {
      p.reject(new NoStreamError(`no JetStream stream captures ${p.subject}`));
      return;
    }
    let parsed: { error?: { code?: number; err_code?: number; description?: string } } = {};
    try {
      parsed = JSON.parse(decoder.decode(data)) as typeof parsed;
    } catch {
      // fall through with a generic error
    }
    const e = parsed.error;
    p.reject(
      new JetStreamPublishError(
        `JetStream refused a publish to ${p.subject}: ${e?.description ?? (msg.headers?.description || `status ${code}`)}`,
        e?.err_code,
      ),
    );
  }

  #startSweeper(): NodeJS.Timeout {
    const every = Math.max(50, Math.min(1000, this.#timeout / 5));
    const t = setInterval(() => {
      const oldest = performance.now() - this.#timeout;
      for (const [token, p] of this.#pending) {
        if (p.at > oldest) break; // Map keeps insertion order: the rest are younger
        this.#pending.delete(token);
        p.reject(new OperationalError(`publish to ${p.subject} not acknowledged within ${this.#timeout} ms`));
      }
      if (this.#pending.size === 0) {
        clearInterval(t);
        this.#sweeper = null;
      }
    }, every);
    t.unref();
    return t;
  }

  /** Waits (up to the publish timeout) for publishes in flight, then stops. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const deadline = performance.now() + this.#timeout;
    while (this.#pending.size > 0 && performance.now() < deadline) {
      await new Promise((r) => setTimeout(r, 5));
    }
    for (const p of this.#pending.values()) p.reject(new ClosedError('the NATS transport closed before the publish was acknowledged'));
    this.#pending.clear();
    if (this.#sweeper !== null) clearInterval(this.#sweeper);
    this.#sweeper = null;
    try {
      this.#sub?.unsubscribe();
    } catch (err) {
      this.#logger.debug({ err }, 'publisher inbox unsubscribe failed');
    }
  }
}

/** The `"seq":N` of a PubAck without a full JSON parse. */
function parseSeq(data: Uint8Array): number {
  const s = decoder.decode(data);
  const i = s.indexOf('"seq":');
  if (i < 0) return 0;
  return parseInt(s.slice(i + 6), 10) || 0;
}
