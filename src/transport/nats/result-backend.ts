/**
 * The result backend on JetStream KV (DESIGN.md §4). Bucket `<prefix>-results` (TTL =
 * resultExpires, history 1) holds task metas under the escaped task id, group members under
 * `group.<id>` and chord joins under `chord.<id>.…`; bucket `<prefix>-kv` (no TTL) holds counters
 * and `setKey` values. Values are msgpack.
 *
 * - `set`: the first ready state wins, by compare-and-set on the key's revision. A worker
 *   remembers the revision of its own last write, so STARTED → SUCCESS costs one round trip.
 * - `watch`: the results bucket republishes every *stored* write to `<prefix>.res.<key>`; a
 *   watcher is a core subscription there (no server-side consumer per watched key, and writes
 *   refused by CAS never reach it). The subscription is sent before any read that follows
 *   `watch()` on this connection, so "watch, then read" misses nothing.
 * - `chordJoin`: a combining tree of create-once keys, no compare-and-set (see chord-join.ts).
 */
import type { Subscription as CoreSubscription } from '@nats-io/transport-node';
import type { Clock } from '../../actors/clock.ts';
import type { Logger } from '../../log/logger.ts';
import { isReady, type ResultMeta } from '../../protocol/result-meta.ts';
import { msgpackCodec } from '../../serialization/codecs.ts';
import type { Millis } from '../../util/time.ts';
import type { ChordJoinResult, ResultBackend, Unsubscribe } from '../types.ts';
import { ChordJoiner } from './chord-join.ts';
import type { NatsConnector } from './connection.ts';
import { isCasConflict } from './errors.ts';
import { KvStore } from './kv-store.ts';
import { escapeToken, type NatsNames } from './names.ts';
import type { JsPublisher } from './publisher.ts';
import { ReplyInbox, type ReplyTiming } from './replies.ts';
import { bucketStreamConfig } from './streams.ts';

const enc = (v: unknown): Uint8Array => msgpackCodec.encode(v);
const dec = <T>(b: Uint8Array): T => msgpackCodec.decode(b) as T;
const REVISION_CACHE = 10_000;

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
}

export class NatsResultBackend implements ResultBackend {
  readonly #d: ResultBackendDeps;
  readonly #results: KvStore;
  readonly #keys: KvStore;
  readonly #chords: ChordJoiner;
  /** taskId key → revision of our own last write and whether it was a ready state. */
  readonly #mine = new Map<string, { revision: number; ready: boolean }>();
  readonly #watches = new Map<string, Watch>();
  readonly #replies: ReplyInbox;
  #closed = false;

  constructor(deps: ResultBackendDeps) {
    this.#d = deps;
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

  #remember(key: string, revision: number, ready: boolean): void {
    // After a ready write nothing of ours may follow but refused ones, and those find out by
    // CAS anyway: keep only progress writes (STARTED, RETRY...), whose successor is expected.
    if (ready) {
      if (this.#mine.size > 0) this.#mine.delete(key);
      return;
    }
    this.#mine.delete(key);
    this.#mine.set(key, { revision, ready });
    if (this.#mine.size > REVISION_CACHE) this.#mine.delete(this.#mine.keys().next().value!);
  }

  async set(meta: ResultMeta, replyTo?: string | null): Promise<boolean> {
    const key = escapeToken(meta.taskId);
    const bytes = enc(meta);
    const ready = isReady(meta.state);
    const mine = this.#mine.get(key);
    // Fast path: the key is as we last left it (or absent for a task new to us). Not after our
    // own ready write: that one wins unless it expired or was forgotten meanwhile, so look.
    if (mine?.ready !== true) {
      try {
        const revision = await this.#results.write(key, bytes, mine?.revision ?? 0);
        this.#remember(key, revision, ready);
        this.#reply(replyTo, bytes);
        return true;
      } catch (err) {
        if (!isCasConflict(err)) throw err;
      }
    }
    const { result, revision } = await this.#results.cas(key, (cur) =>
      cur !== null && isReady(dec<ResultMeta>(cur).state) ? { result: false } : { write: bytes, result: true },
    );
    if (result) {
      this.#remember(key, revision, ready);
      this.#reply(replyTo, bytes);
    }
    return result;
  }

  async get(taskId: string): Promise<ResultMeta | undefined> {
    const { value } = await this.#results.read(escapeToken(taskId));
    return value === null ? undefined : dec<ResultMeta>(value);
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
        watch.sub = nc.subscribe(this.#d.names.resultsWatchSubject(key), {
          callback: (_err, m) => {
            if (m.headers?.get('KV-Operation')) return; // delete/purge markers
            let meta: ResultMeta;
            try {
              meta = dec<ResultMeta>(m.data);
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
    const key = escapeToken(taskId);
    this.#mine.delete(key);
    this.#replies.forget(taskId);
    await this.#results.purge(key);
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
