/**
 * The in-process result backend behind `memory://`. Values are stored as structured clones
 * (what a NATS KV round trip would give), the first ready state written for a task wins, and
 * every key expires `resultExpires` ms after its last write, through one timer heap (plus a
 * check on read, so a value past its time is never returned while the timer is pending).
 */
import { ChordError, ClosedError, ConfigError } from '../../errors.ts';
import type { Clock } from '../../actors/clock.ts';
import { systemClock } from '../../actors/clock.ts';
import { TimerHeap } from '../../actors/timer-heap.ts';
import type { Logger } from '../../log/logger.ts';
import { isReady, type ResultMeta } from '../../protocol/result-meta.ts';
import { Closeable } from '../../util/closeable.ts';
import { Deque } from '../../util/deque.ts';
import type { HeapNode } from '../../util/heap.ts';
import type { Millis } from '../../util/time.ts';
import type { ChordJoinResult, ResultBackend, Unsubscribe } from '../types.ts';
import { cloneMeta } from './clone-meta.ts';
import { type WatchGroup, type Watcher, WatcherTable } from './watchers.ts';

export interface MemoryResultBackendOptions {
  clock?: Clock;
  logger?: Logger;
  /**
   * How long results, groups, chord state and counters live after their last write, ms;
   * `null` keeps them for ever. @default 86_400_000 (1 day, as Celery's `result_expires`)
   */
  resultExpires?: Millis | null;
}

export const DEFAULT_RESULT_EXPIRES: Millis = 86_400_000;

interface ChordState {
  size: number;
  values: Map<number, unknown>;
  done: boolean;
}

class Entry<V> implements HeapNode {
  at: Millis = 0;
  seq = 0;
  heapIndex = -1;
  constructor(
    readonly table: Map<string, Entry<unknown>>,
    readonly key: string,
    public value: V,
  ) {}
}

const TRUE: Promise<boolean> = Promise.resolve(true);
const FALSE: Promise<boolean> = Promise.resolve(false);

export class MemoryResultBackend extends Closeable implements ResultBackend {
  readonly #clock: Clock;
  readonly #log: Logger | undefined;
  readonly #expires: Millis | null;
  readonly #heap: TimerHeap<Entry<unknown>>;
  readonly #results = new Map<string, Entry<unknown>>();
  readonly #groups = new Map<string, Entry<unknown>>();
  readonly #chords = new Map<string, Entry<unknown>>();
  readonly #counters = new Map<string, Entry<unknown>>();
  readonly #keys = new Map<string, Entry<unknown>>();
  readonly #watchers = new WatcherTable();
  // Notifications waiting for the microtask that runs them: two parallel FIFOs, no per-write object.
  readonly #pendingWatchers = new Deque<Watcher>();
  readonly #pendingMetas = new Deque<ResultMeta>();
  #notifyScheduled = false;
  readonly #notify = (): void => this.#runNotify();
  #closed = false;

  constructor(opts: MemoryResultBackendOptions = {}) {
    super();
    this.#clock = opts.clock ?? systemClock;
    this.#log = opts.logger;
    const expires = opts.resultExpires === undefined ? DEFAULT_RESULT_EXPIRES : opts.resultExpires;
    if (expires !== null && !(typeof expires === 'number' && expires > 0)) {
      throw new ConfigError(`\`resultExpires\` must be a number of ms > 0 or null, got ${String(expires)}`);
    }
    this.#expires = expires;
    this.#heap = new TimerHeap<Entry<unknown>>(this.#clock, (e) => this.#expire(e), this.#log);
  }

  set(meta: ResultMeta): Promise<boolean> {
    // Not async: a result write is on every task's path. Errors still reject, never throw.
    try {
      return this.setNow(meta) ? TRUE : FALSE;
    } catch (err) {
      return Promise.reject(err);
    }
  }

  setNow(meta: ResultMeta): boolean {
    this.#check();
    const table = this.#results;
    const key = meta.taskId;
    // One lookup for the check and the write (a result write is on every task's path).
    let e = this.#live(table, key);
    if (e !== undefined && isReady((e.value as ResultMeta).state)) return false;
    const stored = cloneMeta(meta);
    if (e === undefined) {
      e = new Entry<unknown>(table, key, stored);
      table.set(key, e);
    } else {
      e.value = stored;
    }
    this.#touch(e, this.#expires);
    const first = this.#watchers.first(meta.taskId);
    if (first !== undefined) {
      for (let w: Watcher | null = first; w !== null; w = w.next) {
        this.#pendingWatchers.push(w);
        this.#pendingMetas.push(stored);
      }
      if (!this.#notifyScheduled) {
        this.#notifyScheduled = true;
        queueMicrotask(this.#notify);
      }
    }
    return true;
  }

  get(taskId: string): Promise<ResultMeta | undefined> {
    try {
      return Promise.resolve(this.peek(taskId));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  peek(taskId: string): ResultMeta | undefined {
    this.#check();
    const e = this.#live(this.#results, taskId);
    return e === undefined ? undefined : cloneMeta(e.value as ResultMeta);
  }

  /** `group`: the transport view it is registered through, which drops it at close (scoped.ts). */
  watch(taskId: string, listener: (meta: ResultMeta) => void, group: WatchGroup | null = null): Unsubscribe {
    this.#check();
    return this.#watchers.add(taskId, listener, group);
  }

  /** Drops every watcher registered through `group`. */
  unwatchGroup(group: WatchGroup): void {
    this.#watchers.removeGroup(group);
  }

  async forget(taskId: string): Promise<void> {
    this.#check();
    this.#delete(this.#results, taskId);
  }

  async saveGroup(groupId: string, taskIds: string[]): Promise<void> {
    this.#check();
    this.#put(this.#groups, groupId, [...taskIds], this.#expires);
  }

  async restoreGroup(groupId: string): Promise<string[] | undefined> {
    this.#check();
    const e = this.#live(this.#groups, groupId);
    return e === undefined ? undefined : [...(e.value as string[])];
  }

  async forgetGroup(groupId: string): Promise<void> {
    this.#check();
    this.#delete(this.#groups, groupId);
  }

  async chordJoin(chordId: string, index: number, size: number, value: unknown): Promise<ChordJoinResult> {
    this.#check();
    if (!Number.isInteger(size) || size < 1) throw new ChordError(`chord ${chordId}: size must be an integer >= 1, got ${size}`);
    if (!Number.isInteger(index) || index < 0 || index >= size) {
      throw new ChordError(`chord ${chordId}: index must be an integer in [0, ${size}), got ${index}`);
    }
    let e = this.#live(this.#chords, chordId) as Entry<ChordState> | undefined;
    if (e === undefined) {
      e = this.#put(this.#chords, chordId, { size, values: new Map(), done: false }, this.#expires) as Entry<ChordState>;
    } else {
      this.#touch(e, this.#expires);
    }
    const chord = e.value;
    if (chord.size !== size) throw new ChordError(`chord ${chordId}: size ${size} differs from the recorded ${chord.size}`);
    if (chord.done) return { complete: false };
    // A redelivered header task counts once, and its first value stands.
    if (!chord.values.has(index)) chord.values.set(index, structuredClone(value));
    if (chord.values.size < size) return { complete: false };
    chord.done = true;
    const results = Array.from({ length: size }, (_, i) => chord.values.get(i));
    chord.values.clear();
    return { complete: true, results };
  }

  async incr(key: string, by = 1): Promise<number> {
    this.#check();
    if (typeof by !== 'number' || !Number.isFinite(by)) throw new ConfigError(`incr: \`by\` must be a finite number, got ${String(by)}`);
    const e = this.#live(this.#counters, key);
    const next = ((e?.value as number | undefined) ?? 0) + by;
    this.#put(this.#counters, key, next, this.#expires);
    return next;
  }

  async setKey(key: string, value: unknown, opts?: { ttl?: Millis; ifAbsent?: boolean }): Promise<boolean> {
    this.#check();
    const ttl = opts?.ttl;
    if (ttl !== undefined && !(typeof ttl === 'number' && ttl > 0)) {
      throw new ConfigError(`setKey: \`ttl\` must be a number of ms > 0, got ${String(ttl)}`);
    }
    if (opts?.ifAbsent === true && this.#live(this.#keys, key) !== undefined) return false;
    this.#put(this.#keys, key, structuredClone(value), ttl ?? null);
    return true;
  }

  async getKey(key: string): Promise<unknown> {
    this.#check();
    const e = this.#live(this.#keys, key);
    return e === undefined ? undefined : structuredClone(e.value);
  }

  protected async shutdown(): Promise<void> {
    this.#closed = true;
    this.#heap.close();
    for (const table of [this.#results, this.#groups, this.#chords, this.#counters, this.#keys]) table.clear();
    this.#watchers.clear();
  }

  #check(): void {
    if (this.#closed) throw new ClosedError('memory result backend is closed');
  }

  /** The entry if present and not past its time (an overdue one is dropped here). */
  #live(table: Map<string, Entry<unknown>>, key: string): Entry<unknown> | undefined {
    const e = table.get(key);
    if (e === undefined) return undefined;
    if (e.heapIndex >= 0 && e.at <= this.#clock.now()) {
      this.#heap.remove(e);
      table.delete(key);
      return undefined;
    }
    return e;
  }

  #put<V>(table: Map<string, Entry<unknown>>, key: string, value: V, ttl: Millis | null): Entry<unknown> {
    let e = table.get(key);
    if (e === undefined) {
      e = new Entry<unknown>(table, key, value);
      table.set(key, e);
    } else {
      e.value = value;
    }
    this.#touch(e, ttl);
    return e;
  }

  #touch(e: Entry<unknown>, ttl: Millis | null): void {
    if (ttl === null) this.#heap.remove(e);
    else this.#heap.update(e, this.#clock.now() + ttl);
  }

  #delete(table: Map<string, Entry<unknown>>, key: string): void {
    const e = table.get(key);
    if (e === undefined) return;
    this.#heap.remove(e);
    table.delete(key);
  }

  #expire(e: Entry<unknown>): void {
    if (e.table.get(e.key) === e) e.table.delete(e.key);
  }

  #runNotify(): void {
    this.#notifyScheduled = false;
    while (this.#pendingWatchers.length > 0) {
      const w = this.#pendingWatchers.shift() as Watcher;
      const meta = this.#pendingMetas.shift() as ResultMeta;
      if (!w.active) continue;
      try {
        // Each listener gets its own copy, as each NATS watcher decodes its own.
        w.fn(cloneMeta(meta));
      } catch (err) {
        this.#log?.error({ err, taskId: meta.taskId }, 'result watcher threw');
      }
    }
  }
}
