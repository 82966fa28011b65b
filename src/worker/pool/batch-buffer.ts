/**
 * The SharedArrayBuffer a batch runs against, shared by the pool (main side) and the thread
 * entry. It lets the main side see a batch's progress while the thread is busy or after it
 * was terminated, so that per-task outcomes, hard limits and revocation stay exact:
 *
 *   header  Int32 × 4     current task index (-1: none), records written, log bytes used, capacity
 *   state   Int32 × cap   per task: 0 pending, 1 started (thread CAS), 2 claimed by the main side
 *   events  Int32 × cap   per task: ExecEvents posted so far (to keep events before the outcome)
 *   starts  Float64 × cap per task: Date.now() when it started
 *   log     bytes         records [u32 index][u32 length][msgpack outcome], appended in order
 *
 * Imports nothing but the msgpack codecs (serialization/), so that the thread entry may import it.
 */
import { packArray } from '../../serialization/fast-pack.ts';
import { unpackArray } from '../../serialization/fast-unpack.ts';
import type { WireError } from '../../errors.ts';
import type { ExecOutcome } from '../../protocol/execution.ts';

export const PENDING = 0;
export const STARTED = 1;
/** Set by the main side: revoked before it started, or taken back to requeue. */
export const CLAIMED = 2;

const CURRENT = 0;
const RECORDS = 1;
const USED = 2;
const CAPACITY = 3;
const HEADER_INTS = 4;
const RECORD_HEADER = 8;

export class BatchBuffer {
  readonly sab: SharedArrayBuffer;
  readonly capacity: number;
  readonly header: Int32Array;
  readonly state: Int32Array;
  readonly events: Int32Array;
  readonly starts: Float64Array;
  readonly log: Uint8Array;
  readonly #view: DataView;

  /** Views an existing buffer (the thread side) or allocates one (the main side). */
  constructor(sabOrCapacity: SharedArrayBuffer | number, logBytes = 0) {
    let cap: number;
    if (typeof sabOrCapacity === 'number') {
      cap = sabOrCapacity;
      this.sab = new SharedArrayBuffer(BatchBuffer.#logOffset(cap) + logBytes);
    } else {
      this.sab = sabOrCapacity;
      cap = new Int32Array(this.sab, 0, HEADER_INTS)[CAPACITY]!;
    }
    this.capacity = cap;
    this.header = new Int32Array(this.sab, 0, HEADER_INTS);
    this.state = new Int32Array(this.sab, HEADER_INTS * 4, cap);
    this.events = new Int32Array(this.sab, (HEADER_INTS + cap) * 4, cap);
    this.starts = new Float64Array(this.sab, BatchBuffer.#startsOffset(cap), cap);
    const logOffset = BatchBuffer.#logOffset(cap);
    this.log = new Uint8Array(this.sab, logOffset);
    this.#view = new DataView(this.sab, logOffset);
    if (typeof sabOrCapacity === 'number') this.header[CAPACITY] = cap;
  }

  static #startsOffset(cap: number): number {
    const end = (HEADER_INTS + 2 * cap) * 4;
    return Math.ceil(end / 8) * 8;
  }

  static #logOffset(cap: number): number {
    return BatchBuffer.#startsOffset(cap) + cap * 8;
  }

  /** Main side, before a run: clears the header and the first `n` task slots. */
  reset(n: number): void {
    this.header[CURRENT] = -1;
    this.header[RECORDS] = 0;
    this.header[USED] = 0;
    this.state.fill(PENDING, 0, n);
    this.events.fill(0, 0, n);
  }

  // ---- thread side -------------------------------------------------------------------------


  /** Takes task `i` if the main side has not claimed it; marks it current. */
  begin(i: number): boolean {
    if (Atomics.compareExchange(this.state, i, PENDING, STARTED) !== PENDING) return false;
    this.starts[i] = Date.now();
    // The store of the start time happens-before this SC store, which the watchdog loads first.
    Atomics.store(this.header, CURRENT, i);
    return true;
  }

  /** Counts an event of task `i` after it was posted. */
  countEvent(i: number): void {
    Atomics.add(this.events, i, 1);
  }

  /** Appends the outcome of task `i`; false when the log is full (the caller spills it). */
  append(i: number, bytes: Uint8Array): boolean {
    const used = this.header[USED]!;
    if (used + RECORD_HEADER + bytes.length > this.log.length) return false;
    this.#view.setUint32(used, i);
    this.#view.setUint32(used + 4, bytes.length);
    this.log.set(bytes, used + RECORD_HEADER);
    Atomics.store(this.header, USED, used + RECORD_HEADER + bytes.length);
    Atomics.add(this.header, RECORDS, 1);
    return true;
  }

  finish(): void {
    Atomics.store(this.header, CURRENT, -1);
  }

  // ---- main side ---------------------------------------------------------------------------

  get current(): number {
    return Atomics.load(this.header, CURRENT);
  }

  /** Claims task `i` if it has not started: true when it will never run in this batch. */
  claim(i: number): boolean {
    const prev = Atomics.compareExchange(this.state, i, PENDING, CLAIMED);
    return prev === PENDING || prev === CLAIMED;
  }

  stateOf(i: number): number {
    return Atomics.load(this.state, i);
  }

  eventsOf(i: number): number {
    return Atomics.load(this.events, i);
  }

  /** The indexes that have a record, without decoding them. */
  recordedIndexes(): Set<number> {
    const seen = new Set<number>();
    this.#walk((i) => seen.add(i));
    return seen;
  }

  /** Every record written so far, decoded. */
  records(): Array<{ i: number; outcome: ExecOutcome }> {
    const out: Array<{ i: number; outcome: ExecOutcome }> = [];
    this.#walk((i, at, len) => {
      // Decoded from a private copy, never from the shared buffer, which the next batch reuses
      // (and which a terminated thread may still be writing). The copy goes to one scratch
      // buffer: the codec copies binary values out (copyBuffers), so nothing keeps a view of it.
      out.push({ i, outcome: decodeOutcomeAt(scratchCopy(this.log, at, len), len) });
    });
    return out;
  }

  #walk(visit: (i: number, at: number, len: number) => void): void {
    const n = Atomics.load(this.header, RECORDS);
    let at = 0;
    for (let k = 0; k < n; k++) {
      const i = this.#view.getUint32(at);
      const len = this.#view.getUint32(at + 4);
      visit(i, at + RECORD_HEADER, len);
      at += RECORD_HEADER + len;
    }
  }
}

let scratch = new Uint8Array(4096);

/** The scratch buffer, holding a copy of `len` bytes at `at` in its first `len` bytes. */
function scratchCopy(log: Uint8Array, at: number, len: number): Uint8Array {
  if (scratch.length < len) scratch = new Uint8Array(Math.max(len, scratch.length * 2));
  for (let i = 0; i < len; i++) scratch[i] = log[at + i]!;
  return scratch;
}

// An outcome travels as `[status, runtime, value | error, countdown]`: a msgpack array packs
// and unpacks several times faster than the map of the same fields (fast-pack writes it;
// values it does not handle itself go through msgpackr).
const STATUSES = ['success', 'failure', 'retry', 'revoked', 'aborted'] as const;

export function encodeOutcome(o: ExecOutcome): Uint8Array {
  switch (o.status) {
    case 'success':
      return packArray([0, o.runtime, o.value]);
    case 'failure':
      return packArray([1, o.runtime, o.error]);
    case 'retry':
      return packArray([2, o.runtime, o.error, o.countdown]);
    case 'revoked':
      return packArray([3, o.runtime, o.error]);
    case 'aborted':
      return packArray([4, o.runtime]);
  }
}

export function decodeOutcome(bytes: Uint8Array): ExecOutcome {
  return decodeOutcomeAt(bytes, bytes.length);
}

/** The outcome packed in the first `len` bytes of `bytes` (binary values in it are copies). */
function decodeOutcomeAt(bytes: Uint8Array, len: number): ExecOutcome {
  const a = unpackArray(bytes, -1, 'copy', undefined, 0, len) as [number, number, unknown?, number?];
  const runtime = a[1];
  switch (STATUSES[a[0]]) {
    case 'success':
      return { status: 'success', value: a[2], runtime };
    case 'failure':
      return { status: 'failure', error: a[2] as WireError, runtime };
    case 'retry':
      return { status: 'retry', countdown: a[3]!, error: a[2] as WireError, runtime };
    case 'revoked':
      return { status: 'revoked', error: a[2] as WireError, runtime };
    default:
      return { status: 'aborted', runtime };
  }
}
