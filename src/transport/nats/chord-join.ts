/**
 * The chord join on JetStream KV: a combining tree built only from create-once writes, so
 * header tasks finishing at once on many hosts never contend on one key and nothing is ever
 * read-modified-written.
 *
 * Keys (results bucket, so they expire with the results):
 * - `chord.<id>.<i>`: header `i`'s value, created once; a redelivered header finds it there
 *   and its own value is dropped (the first one stands, as on memory://).
 * - `chord.<id>.join.<lo>-<hi>`: the first arrival at the tree node over headers [lo, hi),
 *   naming its side. Nodes halve their range down to single headers, so there are size - 1.
 * - `chord.<id>.fired`: created by the one caller that completes the chord.
 *
 * A header climbs from its leaf. At each node it tries to create the node's key: if that
 * succeeds it was first and stops (the other side will climb when it is complete); if the key
 * exists and names the other side, both halves are complete and it climbs on; if it names its
 * own side, an earlier call from this side got here (a redelivery) and it stops. Past the root,
 * every header is stored; creating `fired` then picks exactly one caller to run the body.
 *
 * Why this is exactly once:
 * - Creates are decided by the stream, one at a time in log order, so of the two arrivals at a
 *   node exactly one creates it and the other sees it: someone always climbs, and only from a
 *   node whose two halves are complete (by induction up from the stored values). On a cluster,
 *   nats-server 2.9 checks `Nats-Expected-Last-Subject-Sequence: 0` when it applies the raft
 *   entry, so creates stay serial there, unlike compare-and-set on a revision > 0, which 2.9
 *   checks only before proposing and so lets concurrent writers both win.
 * - Node keys are never rewritten, so a value read after a failed create is the final one.
 * - Climbing is idempotent: a redelivered header retraces the same path and stops where its
 *   side is recorded first; if it is the one that had been climbing (its worker crashed on the
 *   way), it goes on from there. Several callers may reach `fired`; one creates it.
 *
 * Every step can be repeated, so a call that meets a broker outage starts over (for up to
 * RETRY_FOR ms). `fired` holds a token of the call that created it: a create whose
 * acknowledgement was lost, found on the retry, still makes this call the one that fires.
 *
 * Not covered, as in Celery: the worker that created `fired` dying before it publishes the
 * body. That body is lost (a redelivered header finds `fired` and stops): firing again could
 * not tell a crash from a slow first firing, and would break the "exactly one" contract.
 * A chord that takes longer than the results' time to live loses its keys and never joins.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../../actors/clock.ts';
import { ChordError, ClosedError } from '../../errors.ts';
import type { Logger } from '../../log/logger.ts';
import { msgpackCodec } from '../../serialization/codecs.ts';
import type { Millis } from '../../util/time.ts';
import type { ChordJoinResult } from '../types.ts';
import { isCasConflict } from './errors.ts';
import type { KvStore } from './kv-store.ts';
import { escapeToken } from './names.ts';

/** One step of a header's climb: the node over [lo, hi), and which half the header comes from. */
export interface ChordStep {
  lo: number;
  hi: number;
  side: 0 | 1;
}

/** A node's record: the side that arrived first, and the chord size (to catch a size mismatch). */
interface Arrival {
  s: 0 | 1;
  n: number;
}
/** `fired`: the chord size, the header that fired it, and the token of the call that did. */
interface Fired {
  n: number;
  i: number;
  c: string;
}

export interface ChordJoinerDeps {
  store: KvStore;
  clock: Clock;
  logger: Logger;
  /** The bucket's time to live: kept values older than that may belong to an expired chord. */
  ttl: Millis | null;
}

/** How many value reads the completing caller keeps in flight. */
const READ_WINDOW = 256;
/** Bytes of values stored by this process kept for the chords still open. */
const VALUE_BUDGET = 8 * 1024 * 1024;
/** What a kept value costs beyond its bytes (map entry, array header), roughly. */
const ENTRY_OVERHEAD = 96;
/** A key seen to exist but read as absent (a leader change in between): read again this often. */
const REREADS = 5;
/** How long a join is retried through a broker outage, ms. */
const RETRY_FOR = 60_000;

const enc = (v: unknown): Uint8Array => msgpackCodec.encode(v);
const dec = <T>(b: Uint8Array): T => msgpackCodec.decode(b) as T;

/** The nodes header `index` passes on its way up, leaf's parent first, root last. */
export function chordPath(size: number, index: number): ChordStep[] {
  const down: ChordStep[] = [];
  let lo = 0;
  let hi = size;
  while (hi - lo > 1) {
    const mid = lo + ((hi - lo) >>> 1);
    const side = index < mid ? 0 : 1;
    down.push({ lo, hi, side });
    if (side === 0) hi = mid;
    else lo = mid;
  }
  return down.reverse();
}

function validate(chordId: string, index: number, size: number): void {
  if (!Number.isInteger(size) || size < 1) throw new ChordError(`chord ${chordId}: size must be an integer >= 1, got ${size}`);
  if (!Number.isInteger(index) || index < 0 || index >= size) {
    throw new ChordError(`chord ${chordId}: index must be an integer in [0, ${size}), got ${index}`);
  }
}

/** Values this process stored for one chord, and when it stored the first. */
interface LocalChord {
  since: Millis;
  values: Map<number, Uint8Array>;
}

/**
 * Joins header tasks into chords in one bucket. Keeps the values this process stored for
 * chords still open (up to VALUE_BUDGET bytes, oldest chord dropped first), so the caller that
 * completes a chord reads from the server only the values other processes stored. Only values
 * this process *created* are kept: those are the bytes the bucket holds, and they never change.
 */
export class ChordJoiner {
  readonly #store: KvStore;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #ttl: Millis | null;
  /** Chord key prefix → what this process stored; insertion order is age. */
  readonly #local = new Map<string, LocalChord>();
  #localBytes = 0;

  constructor(deps: ChordJoinerDeps) {
    this.#store = deps.store;
    this.#clock = deps.clock;
    this.#logger = deps.logger;
    this.#ttl = deps.ttl;
  }

  /** Records header `index` of chord `chordId` (see the file comment). */
  async join(chordId: string, index: number, size: number, value: unknown): Promise<ChordJoinResult> {
    validate(chordId, index, size);
    const base = `chord.${escapeToken(chordId)}`;
    const bytes = enc(value);
    const token = randomUUID();
    const deadline = performance.now() + RETRY_FOR;
    for (let wait = 100; ; wait = Math.min(wait * 2, 2000)) {
      try {
        return await this.#attempt(chordId, base, index, size, bytes, token);
      } catch (err) {
        if (err instanceof ChordError || err instanceof ClosedError || performance.now() + wait > deadline) throw err;
        this.#logger.warn({ err, chordId, index, retryInMs: wait }, 'joining the chord failed, retrying');
        await new Promise((r) => setTimeout(r, wait));
      }
    }
  }

  async #attempt(chordId: string, base: string, index: number, size: number, bytes: Uint8Array, token: string): Promise<ChordJoinResult> {
    const store = this.#store;
    // The value must be stored before this header can count: whoever fires reads it.
    // A copy: the encoder's output is a view that would pin its whole 8 KiB buffer.
    if (await createOnce(store, `${base}.${index}`, bytes)) this.#remember(base, index, bytes.slice());
    for (const { lo, hi, side } of chordPath(size, index)) {
      const key = `${base}.join.${lo}-${hi}`;
      if (await createOnce(store, key, enc({ s: side, n: size } satisfies Arrival))) return { complete: false };
      const first = dec<Arrival>(await readExisting(store, key));
      if (first.n !== size) throw new ChordError(`chord ${chordId}: size ${size} differs from the recorded ${first.n}`);
      if (first.s === side) return { complete: false };
    }
    const fired = `${base}.fired`;
    if (!(await createOnce(store, fired, enc({ n: size, i: index, c: token } satisfies Fired)))) {
      if (dec<Fired>(await readExisting(store, fired)).c !== token) return { complete: false };
    }
    return { complete: true, results: await this.#values(base, size) };
  }

  /** What this process stored for the chord, unless it is old enough to be another chord's. */
  #localChord(base: string): LocalChord | undefined {
    const chord = this.#local.get(base);
    if (chord === undefined || this.#ttl === null || this.#clock.now() - chord.since < this.#ttl) return chord;
    this.#forgetLocal(base, chord);
    return undefined;
  }

  #remember(base: string, index: number, bytes: Uint8Array): void {
    let chord = this.#localChord(base);
    if (chord === undefined) this.#local.set(base, (chord = { since: this.#clock.now(), values: new Map() }));
    chord.values.set(index, bytes);
    this.#localBytes += bytes.length + ENTRY_OVERHEAD;
    for (const [oldest, c] of this.#local) {
      if (this.#localBytes <= VALUE_BUDGET) break;
      this.#forgetLocal(oldest, c);
    }
  }

  #forgetLocal(base: string, chord: LocalChord): void {
    this.#local.delete(base);
    for (const b of chord.values.values()) this.#localBytes -= b.length + ENTRY_OVERHEAD;
  }

  /** Every header's value, in header order: ours from memory, the rest READ_WINDOW at a time. */
  async #values(base: string, size: number): Promise<unknown[]> {
    const local = this.#localChord(base);
    if (local !== undefined) this.#forgetLocal(base, local);
    const results = new Array<unknown>(size);
    const missing: number[] = [];
    for (let i = 0; i < size; i++) {
      const b = local?.values.get(i);
      if (b !== undefined) results[i] = dec<unknown>(b);
      else missing.push(i);
    }
    let next = 0;
    const reader = async (): Promise<void> => {
      while (next < missing.length) {
        const i = missing[next++]!;
        const { value } = await this.#store.read(`${base}.${i}`);
        results[i] = value === null ? undefined : dec<unknown>(value);
      }
    };
    await Promise.all(Array.from({ length: Math.min(READ_WINDOW, missing.length) }, reader));
    return results;
  }
}

/** True when this call created the key; false when it already existed. */
async function createOnce(store: KvStore, key: string, bytes: Uint8Array): Promise<boolean> {
  try {
    await store.write(key, bytes, 0);
    return true;
  } catch (err) {
    if (isCasConflict(err)) return false;
    throw err;
  }
}

/** A key a create just found present. Reads go to the stream leader, which applied that create. */
async function readExisting(store: KvStore, key: string): Promise<Uint8Array> {
  for (let attempt = 0; ; attempt++) {
    const { value } = await store.read(key);
    if (value !== null) return value;
    // Only a leader that has not applied the entry yet answers "absent": give it a moment.
    if (attempt >= REREADS) throw new ChordError(`chord key ${store.bucket}/${key} exists but cannot be read`);
    await new Promise((r) => setTimeout(r, 20 * 2 ** attempt));
  }
}
