/**
 * The result backend on JetStream KV (DESIGN.md §4). Bucket `<prefix>-results` (TTL =
 * resultExpires, history 1) holds each task's ready state under `<id>.=r` and its latest
 * progress state (STARTED, RETRY, custom) under `<id>.=p` (`<id>` the escaped task id; `=r` and
 * `=p` are tokens no escaped id can be), group members under `group.<id>` and chord joins under
 * `chord.<id>.…`; bucket `<prefix>-kv` (no TTL) holds counters and `setKey` values. msgpack.
 *
 * - `set`: the first ready state wins because it is a *create* of `<id>.=r` (expected subject
 *   sequence 0), which JetStream decides in log order on a single server and on every 2.9
 *   cluster alike; no compare-and-set above 0, which 2.9 clusters before 2.9.21 do not
 *   serialize (nats-io/nats-server#4320). A progress state is written after a read finds no
 *   ready one, as Celery's key-value backends do; one racing past a ready write is harmless:
 *   readers look at the ready key first.
 * - `watch`: the results bucket republishes every *stored* write to `<prefix>.res.<key>`; a
 *   watcher is one core subscription to `<prefix>.res.<id>.*` (no server-side consumer per
 *   watched key; refused creates never reach it). It is sent before any read that follows
 *   `watch()` on this connection, so "watch, then read" misses nothing.
 * - `chordJoin`: a combining tree of create-once keys, no compare-and-set (see chord-join.ts).
 */
import type { Subscription as CoreSubscription } from '@nats-io/transport-node';
import type { Clock } from '../../actors/clock.ts';
import type { Logger } from '../../log/logger.ts';
import { isReady, type ResultMeta } from '../../protocol/result-meta.ts';
import { msgpackCodec } from '../../serialization/codecs.ts';
import type { SerializerName } from '../../protocol/task-message.ts';
import type { Millis } from '../../util/time.ts';
import type { ChordJoinResult, ResultBackend, Unsubscribe } from '../types.ts';
import { ChordJoiner } from './chord-join.ts';
import type { NatsConnector } from './connection.ts';
import { isCasConflict } from './errors.ts';
import { KvStore } from './kv-store.ts';
import { escapeToken, type NatsNames } from './names.ts';
import type { JsPublisher } from './publisher.ts';
import { ReplyInbox, type ReplyTiming } from './replies.ts';
import { decodeResult, resultCodec, type ResultCodec } from './result-codec.ts';
import { bucketStreamConfig } from './streams.ts';

const enc = (v: unknown): Uint8Array => msgpackCodec.encode(v);
const dec = <T>(b: Uint8Array): T => msgpackCodec.decode(b) as T;
/** The keys of a task's states: see the file comment. */
const readyKey = (id: string): string => `${id}.=r`;
const progressKey = (id: string): string => `${id}.=p`;

interface Watch {
  listeners: Set<(meta: ResultMeta) => void>;
  sub: CoreSubscription | null;
}
interface KeyRecord {
  v: unknown;
  /** Epoch ms after which the value counts as absent; null: never. */
  x: Millis | null;
}

export interface ResultBackendDeps {
  connector: NatsConnector;
  publisher: JsPublisher;
  names: NatsNames;
  clock: Clock;
  logger: Logger;
  replicas: number;
  resultExpires: Millis | null;
  replyTiming?: Partial<ReplyTiming>;
  /** How metas are written (`resultSerializer`); either is read. @default 'msgpack' */
  resultSerializer?: SerializerName;
}

export class NatsResultBackend implements ResultBackend {
  readonly #d: ResultBackendDeps;
  readonly #results: KvStore;
  readonly #keys: KvStore;
  readonly #chords: ChordJoiner;
  readonly #watches = new Map<string, Watch>();
  readonly #replies: ReplyInbox;
  readonly #metas: ResultCodec;
  #closed = false;

  constructor(deps: ResultBackendDeps) {
    this.#d = deps;
    this.#metas = resultCodec(deps.resultSerializer);
    const { names, replicas, logger } = deps;
    const republish = names.resultsRepublish;
    this.#results = new KvStore(
      deps.connector,
      deps.publisher,
      names.resultsBucket,
      bucketStreamConfig(names.resultsBucket, replicas, deps.resultExpires, republish),
      logger,
      (existing) => existing.republish?.dest !== republish,
    );
    this.#keys = new KvStore(deps.connector, deps.publisher, names.keysBucket, bucketStreamConfig(names.keysBucket, replicas, null), logger);
    this.#chords = new ChordJoiner({ store: this.#results, clock: deps.clock, logger, ttl: deps.resultExpires });
    this.#replies = new ReplyInbox({
      connector: deps.connector,
      logger,
      replyPrefix: names.replyPrefix,
      read: (taskId) => this.get(taskId),
      now: () => deps.clock.now(),
      ...(deps.replyTiming !== undefined ? { timing: deps.replyTiming } : {}),
    });
  }

  expectReply(taskId: string): string | undefined {
    return this.#replies.expect(taskId);
  }

  heard(taskId: string): ResultMeta | null | undefined {
    return this.#replies.heard(taskId);
  }

  /** After a stored write, the same bytes to the publisher's reply subject (see replies.ts). */
  #reply(replyTo: string | null | undefined, bytes: Uint8Array): void {
    if (!ReplyInbox.isReplySubject(replyTo, this.#d.names.replyPrefix)) return;
    try {
      this.#d.connector.current?.publish(replyTo, bytes);
    } catch (err) {
      // At most once by design: the publisher reads the bucket when a reply is late.
      this.#d.logger.debug({ err, replyTo }, 'cannot send a result reply');
    }
  }

  async set(meta: ResultMeta, replyTo?: string | null): Promise<boolean> {
    const id = escapeToken(meta.taskId);
    const bytes = this.#metas.encode(meta);
    if (isReady(meta.state)) {
      try {
        await this.#results.write(readyKey(id), bytes, 0);
      } catch (err) {
        if (!isCasConflict(err)) throw err;
        // A ready state is there and stands, or the marker a `forget()` left: only then write.
        const { result } = await this.#results.cas(readyKey(id), (cur) => (cur !== null ? { result: false } : { write: bytes, result: true }));
        if (!result) return false;
      }
    } else {
      if ((await this.#results.read(readyKey(id))).value !== null) return false;
      await this.#results.write(progressKey(id), bytes);
    }
    this.#reply(replyTo, bytes);
    return true;
  }

  async get(taskId: string): Promise<ResultMeta | undefined> {
    const id = escapeToken(taskId);
    // Both at once: one round trip, and the ready state wins when both are there.
    const [ready, progress] = await Promise.all([this.#results.read(readyKey(id)), this.#results.read(progressKey(id))]);
    const value = ready.value ?? progress.value;
    return value === null ? undefined : (decodeResult(value) as ResultMeta);
  }

  watch(taskId: string, listener: (meta: ResultMeta) => void): Unsubscribe {
    // A task of ours: its writes come on the reply subject, no subscription of its own.
    const local = this.#replies.listen(taskId, listener);
    if (local !== undefined) return local;
    const key = escapeToken(taskId);
    let w = this.#watches.get(key);
    if (w === undefined) {
      const watch: Watch = { listeners: new Set(), sub: null };
      w = watch;
      this.#watches.set(key, watch);
      const subscribe = (): void => {
        const nc = this.#d.connector.current;
        if (nc === null || this.#watches.get(key) !== watch || this.#closed) return;
        watch.sub = nc.subscribe(this.#d.names.resultsWatchSubject(`${key}.*`), {
          callback: (_err, m) => {
            if (m.headers?.get('KV-Operation')) return; // delete/purge markers
            let meta: ResultMeta;
            try {
              meta = decodeResult(m.data) as ResultMeta;
            } catch (err) {
              this.#d.logger.warn({ err, key }, 'undecodable result on watch');
              return;
            }
            for (const l of watch.listeners) {
              try {
                l(meta);
              } catch (err) {
                this.#d.logger.error({ err, key }, 'result watcher threw');
              }
            }
          },
        });
      };
      if (this.#d.connector.current !== null) subscribe();
      else
        this.#d.connector.connection().then(subscribe, (err: unknown) =>
          this.#d.logger.warn({ err, key }, 'cannot watch a result: no connection'),
        );
    }
    const watch = w;
    watch.listeners.add(listener);
    return () => {
      watch.listeners.delete(listener);
      if (watch.listeners.size === 0 && this.#watches.get(key) === watch) {
        this.#watches.delete(key);
        try {
          watch.sub?.unsubscribe();
        } catch {
          // connection already closed
        }
      }
    };
  }

  async forget(taskId: string): Promise<void> {
    const id = escapeToken(taskId);
    this.#replies.forget(taskId);
    await Promise.all([this.#results.purge(readyKey(id)), this.#results.purge(progressKey(id))]);
  }

  async saveGroup(groupId: string, taskIds: string[]): Promise<void> {
    await this.#results.write(`group.${escapeToken(groupId)}`, enc(taskIds));
  }

  async restoreGroup(groupId: string): Promise<string[] | undefined> {
    const { value } = await this.#results.read(`group.${escapeToken(groupId)}`);
    return value === null ? undefined : dec<string[]>(value);
  }

  async forgetGroup(groupId: string): Promise<void> {
    await this.#results.purge(`group.${escapeToken(groupId)}`);
  }

  chordJoin(chordId: string, index: number, size: number, value: unknown): Promise<ChordJoinResult> {
    return this.#chords.join(chordId, index, size, value);
  }

  async incr(key: string, by = 1): Promise<number> {
    const { result } = await this.#keys.cas(`counter.${escapeToken(key)}`, (cur) => {
      const next = (cur !== null ? dec<number>(cur) : 0) + by;
      return { write: enc(next), result: next };
    });
    return result;
  }

  async setKey(key: string, value: unknown, opts: { ttl?: Millis; ifAbsent?: boolean } = {}): Promise<boolean> {
    const k = `key.${escapeToken(key)}`;
    const rec: KeyRecord = { v: value, x: opts.ttl !== undefined ? this.#d.clock.now() + opts.ttl : null };
    if (opts.ifAbsent !== true) {
      await this.#keys.write(k, enc(rec));
      return true;
    }
    // NATS 2.9 has no per-key TTL: an expired record counts as absent and is replaced by CAS.
    const { result } = await this.#keys.cas(k, (cur) =>
      cur !== null && !this.#expired(dec<KeyRecord>(cur)) ? { result: false } : { write: enc(rec), result: true },
    );
    return result;
  }

  async getKey(key: string): Promise<unknown> {
    const { value } = await this.#keys.read(`key.${escapeToken(key)}`);
    if (value === null) return undefined;
    const rec = dec<KeyRecord>(value);
    return this.#expired(rec) ? undefined : rec.v;
  }

  #expired(rec: KeyRecord): boolean {
    return rec.x !== null && rec.x <= this.#d.clock.now();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#replies.close();
    for (const w of this.#watches.values()) {
      try {
        w.sub?.unsubscribe();
      } catch {
        // connection already closed
      }
    }
    this.#watches.clear();
  }
}
