/**
 * A KV bucket as the result backend uses it: reads through `@nats-io/kv` (from the stream
 * leader, retried through a leader election), writes through the pipelined publisher with `Nats-Expected-Last-Subject-Sequence`
 * (compare-and-set on the key's revision; 0 means "absent"), and a CAS loop on top.
 * The layout is the standard KV layout (`KV_<bucket>`, `$KV.<bucket>.<key>`), so `nats kv`
 * tools read it.
 */
import { jetstream } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { headers, type NatsConnection } from '@nats-io/transport-node';
import type { StreamConfig } from '@nats-io/jetstream';
import { OperationalError } from '../../errors.ts';
import type { Logger } from '../../log/logger.ts';
import type { NatsConnector } from './connection.ts';
import { isCasConflict, wrapNatsError } from './errors.ts';
import type { JsPublisher } from './publisher.ts';
import { ensureStream } from './streams.ts';

export interface KvRead {
  /** The stored bytes, or null when absent, deleted or purged. */
  value: Uint8Array | null;
  /** The revision to compare against (0 when the key never existed or expired). */
  revision: number;
}

export type CasStep<R> = { write: Uint8Array; result: R } | { result: R };

const MAX_CAS_ATTEMPTS = 64;
const EMPTY = new Uint8Array(0);
/** The longest wait between two attempts of a read that met a transient error. */
const READ_MAX_BACKOFF_MS = 500;

/**
 * Names of nats.js errors that mean "no one answered now", not "the answer is no": a stream
 * electing a leader (its API requests time out, or no server responds), a server restarting.
 * `JetStreamNotEnabled` is how nats.js reports no responders to a JetStream API request.
 */
const TRANSIENT_NAMES = new Set(['TimeoutError', 'NoRespondersError', 'JetStreamNotEnabled']);

/** Whether a failed read is worth another attempt: a transient error anywhere in its cause chain. */
export function isTransientReadError(err: unknown): boolean {
  for (let e = err, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    if (e.name === 'ClosedError' || e.name === 'ClosedConnectionError' || e.name === 'DrainingConnectionError') return false;
    if (TRANSIENT_NAMES.has(e.name)) return true;
    // A JetStream API answer of 503: "JetStream system temporarily unavailable" (no leader yet).
    if ((e as { status?: unknown }).status === 503) return true;
    const noResponders = (e as { isNoResponders?: unknown }).isNoResponders;
    if (typeof noResponders === 'function' && noResponders.call(e) === true) return true;
  }
  return false;
}

export class KvStore {
  readonly bucket: string;
  readonly #connector: NatsConnector;
  readonly #publisher: JsPublisher;
  readonly #config: Partial<StreamConfig> & { name: string };
  readonly #logger: Logger;
  readonly #needsUpdate: (existing: StreamConfig) => boolean;
  #kv: { nc: NatsConnection; kv: Promise<KV> } | null = null;

  constructor(
    connector: NatsConnector,
    publisher: JsPublisher,
    bucket: string,
    config: Partial<StreamConfig> & { name: string },
    logger: Logger,
    needsUpdate: (existing: StreamConfig) => boolean = () => false,
  ) {
    this.#connector = connector;
    this.#publisher = publisher;
    this.bucket = bucket;
    this.#config = config;
    this.#logger = logger;
    this.#needsUpdate = needsUpdate;
  }

  /** The bucket, created on first use (memoised per connection; a failure retries next time). */
  async kv(): Promise<KV> {
    const nc = await this.#connector.connection();
    if (this.#kv === null || this.#kv.nc !== nc) {
      const kv = (async () => {
        const jsm = await this.#connector.jsm();
        await ensureStream(jsm, this.#config, this.#logger, this.#needsUpdate);
        const js = jetstream(nc, { timeout: this.#connector.tuning.apiTimeout });
        return new Kvm(js).open(this.bucket, { allow_direct: false });
      })();
      this.#kv = { nc, kv };
      kv.catch(() => {
        if (this.#kv?.kv === kv) this.#kv = null;
      });
    }
    return this.#kv.kv;
  }

  #subject(key: string): string {
    return `$KV.${this.bucket}.${key}`;
  }

  /**
   * The key's value and revision. A transient failure (a stream electing a leader, a server
   * restarting) is retried with backoff for up to twice the JetStream API timeout, as writes
   * retry through the publisher, so a read during a failover waits for the new leader instead
   * of failing.
   */
  async read(key: string): Promise<KvRead> {
    const deadline = performance.now() + 2 * this.#connector.tuning.apiTimeout;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.#readOnce(key);
      } catch (err) {
        const wait = Math.min(READ_MAX_BACKOFF_MS, 50 * 2 ** attempt);
        if (this.#connector.closed || !isTransientReadError(err) || performance.now() + wait > deadline) throw err;
        this.#logger.debug({ err, bucket: this.bucket, key, attempt: attempt + 1, retryInMs: wait }, 'KV read failed, retrying');
        // Ref'd: someone awaits this read.
        await new Promise((r) => setTimeout(r, wait));
      }
    }
  }

  async #readOnce(key: string): Promise<KvRead> {
    const kv = await this.kv();
    try {
      const e = await kv.get(key);
      if (e === null) return { value: null, revision: 0 };
      return { value: e.operation === 'PUT' ? e.value : null, revision: e.revision };
    } catch (err) {
      throw wrapNatsError(err, `reading ${this.bucket}/${key}`);
    }
  }

  /** Writes `value`; with `expect`, only if the key's revision is still that (0: absent). */
  async write(key: string, value: Uint8Array, expect?: number): Promise<number> {
    await this.kv();
    if (expect === undefined) return this.#publisher.publish(this.#subject(key), value);
    const h = headers();
    h.set('Nats-Expected-Last-Subject-Sequence', String(expect));
    return this.#publisher.publish(this.#subject(key), value, h);
  }

  /** Removes the key and its history (KV purge). */
  async purge(key: string): Promise<void> {
    await this.kv();
    const h = headers();
    h.set('KV-Operation', 'PURGE');
    h.set('Nats-Rollup', 'sub');
    await this.#publisher.publish(this.#subject(key), EMPTY, h);
  }

  /**
   * Read, decide, write-if-unchanged, until a write lands or `decide` declines to write.
   * Resolves with the decision's result and the revision now current.
   */
  async cas<R>(key: string, decide: (current: Uint8Array | null) => CasStep<R>): Promise<{ result: R; revision: number }> {
    for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
      const cur = await this.read(key);
      const step = decide(cur.value);
      if (!('write' in step)) return { result: step.result, revision: cur.revision };
      try {
        const revision = await this.write(key, step.write, cur.revision);
        return { result: step.result, revision };
      } catch (err) {
        if (!isCasConflict(err)) throw err;
        // Lost the race: someone wrote in between. Back off a little under heavy contention.
        if (attempt > 2) await new Promise((r) => setTimeout(r, Math.random() * 2 ** Math.min(attempt, 7)));
      }
    }
    throw new OperationalError(`compare-and-set on ${this.bucket}/${key} lost ${MAX_CAS_ATTEMPTS} times`);
  }
}
