/**
 * The reading half of fast-pack.ts: msgpack arrays of plain values (a task frame, a task body,
 * a pool outcome) read without msgpackr's per-call setup. Nil, booleans, numbers, strings, binary
 * and arrays are read here; maps and extensions (Date, and msgpackr's undefined) go to msgpackr,
 * which reads the value's own bytes. Strict: anything truncated, trailing or unknown throws a
 * plain Error that the caller names (MessageDecodeError for a frame).
 */
import { msgpackCodec } from './codecs.ts';
import { skipValue } from './msgpack-skip.ts';

/**
 * How `unpackArray` treats bin elements of the array itself: views into the input (a frame's
 * body, read once and dropped) or copies. Binary values deeper down are always copies: they
 * may outlive the input (a task's arguments, a user header).
 */
export type BinMode = 'view' | 'copy';

/** What `unpackArray` may know about an element: a string worth caching, or a constant. */
export interface ElementHint {
  /** A string that repeats from input to input (a content type, a task name). */
  intern?: boolean;
  /** When the element's bytes are exactly these, it is `value` (not decoded). */
  constant?: { bytes: Uint8Array; value: unknown };
}

let src: Uint8Array = new Uint8Array(0);
/** A view of `src`, made when first needed (floats, 64-bit ints): most inputs have none. */
let dv: DataView = new DataView(src.buffer);

function view64(): DataView {
  if (dv.buffer !== src.buffer || dv.byteOffset !== src.byteOffset || dv.byteLength !== src.byteLength) {
    dv = new DataView(src.buffer, src.byteOffset, src.byteLength);
  }
  return dv;
}

// Floats read through an 8-byte scratch in the host's byte order: no DataView per input.
const f64 = new Float64Array(1);
const f32 = new Float32Array(f64.buffer, 0, 1);
const f8 = new Uint8Array(f64.buffer);
const LITTLE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function float64(i: number): number {
  const b = src;
  if (LITTLE) for (let k = 0; k < 8; k++) f8[k] = b[i + 7 - k]!;
  else for (let k = 0; k < 8; k++) f8[k] = b[i + k]!;
  return f64[0]!;
}

function float32(i: number): number {
  const b = src;
  if (LITTLE) for (let k = 0; k < 4; k++) f8[k] = b[i + 3 - k]!;
  else for (let k = 0; k < 4; k++) f8[k] = b[i + k]!;
  return f32[0]!;
}

const u16 = (i: number): number => (src[i]! << 8) | src[i + 1]!;
const u32 = (i: number): number => ((src[i]! << 24) | (src[i + 1]! << 16) | (src[i + 2]! << 8) | src[i + 3]!) >>> 0;
let at = 0;
let end = 0;
let topBins: BinMode = 'view';
let depth = 0;

const fail = (what: string): never => {
  throw new Error(`invalid msgpack: ${what} at byte ${at}`);
};

/**
 * Reads a msgpack array of `length` elements (any length when -1) that fills the whole input;
 * `hints[i]` may tell about element i. Throws a plain Error on anything malformed: the caller
 * names it.
 */
export function unpackArray(
  bytes: Uint8Array,
  length: number,
  mode: BinMode,
  hints?: readonly (ElementHint | undefined)[],
  from = 0,
  to = bytes.length,
): unknown[] {
  src = bytes;
  dv = EMPTY_VIEW;
  at = from;
  end = to;
  topBins = mode;
  depth = 0;
  try {
    const n = readArrayHeader();
    if (n < 0) fail('not an array');
    if (length >= 0 && n !== length) fail(`an array of ${n} elements, not ${length}`);
    if (n > end - at) fail('array longer than its input');
    const values = new Array<unknown>(n);
    depth = 1;
    const base = hints === undefined ? 0 : internBase(hints);
    for (let i = 0; i < n; i++) {
      const hint = hints?.[i];
      if (hint === undefined) values[i] = readValue();
      else if (hint.constant !== undefined && matches(hint.constant.bytes)) values[i] = hint.constant.value;
      else if (hint.intern === true) values[i] = readInterned(base + i);
      else values[i] = readValue();
    }
    if (at !== end) fail('trailing bytes');
    return values;
  } finally {
    src = EMPTY;
    dv = EMPTY_VIEW;
  }
}

/** One cache slot per (hints, position) pair: callers with different layouts never share one. */
const slotsOf = new WeakMap<readonly unknown[], number>();
let nextSlot = 0;

function internBase(hints: readonly unknown[]): number {
  let base = slotsOf.get(hints);
  if (base === undefined) {
    base = nextSlot;
    nextSlot += hints.length;
    slotsOf.set(hints, base);
  }
  return base;
}

const EMPTY: Uint8Array = new Uint8Array(0);
const EMPTY_VIEW: DataView = new DataView(EMPTY.buffer);

/** True (and `at` moved past them) when the next bytes are `c`. */
function matches(c: Uint8Array): boolean {
  const n = c.length;
  const b = src;
  const from = at;
  if (from + n > end) return false;
  for (let i = 0; i < n; i++) if (b[from + i] !== c[i]) return false;
  at = from + n;
  return true;
}

function need(n: number): void {
  if (at + n > end) fail('unexpected end');
}

/** The element count of an array header at `at` (consumed), or -1 when it is not an array. */
function readArrayHeader(): number {
  need(1);
  const b = src[at]!;
  if ((b & 0xf0) === 0x90) {
    at++;
    return b & 0x0f;
  }
  if (b === 0xdc) {
    need(3);
    const n = u16(at + 1);
    at += 3;
    return n;
  }
  if (b === 0xdd) {
    need(5);
    const n = u32(at + 1);
    at += 5;
    return n;
  }
  return -1;
}

function readValue(): unknown {
  need(1);
  const b = src[at]!;
  if (b < 0x80) {
    at++;
    return b;
  }
  if (b >= 0xe0) {
    at++;
    return b - 0x100;
  }
  if ((b & 0xe0) === 0xa0) {
    at++;
    return readString(b & 0x1f);
  }
  if ((b & 0xf0) === 0x90) return readArray();
  if (b === 0x80) {
    // An empty map, as msgpackr reads one (mapsAsObjects): a fresh object.
    at++;
    return {};
  }
  let v: unknown;
  switch (b) {
    case 0xc0:
      at++;
      return null;
    case 0xc2:
      at++;
      return false;
    case 0xc3:
      at++;
      return true;
    case 0xcc:
      need(2);
      v = src[at + 1];
      at += 2;
      return v;
    case 0xcd:
      need(3);
      v = u16(at + 1);
      at += 3;
      return v;
    case 0xce:
      need(5);
      v = u32(at + 1);
      at += 5;
      return v;
    case 0xcf:
      need(9);
      v = Number(view64().getBigUint64(at + 1));
      at += 9;
      return v;
    case 0xd0:
      need(2);
      v = (src[at + 1]! << 24) >> 24;
      at += 2;
      return v;
    case 0xd1:
      need(3);
      v = (u16(at + 1) << 16) >> 16;
      at += 3;
      return v;
    case 0xd2:
      need(5);
      v = u32(at + 1) | 0;
      at += 5;
      return v;
    case 0xd3:
      need(9);
      v = Number(view64().getBigInt64(at + 1));
      at += 9;
      return v;
    case 0xca:
      need(5);
      v = float32(at + 1);
      at += 5;
      return v;
    case 0xcb:
      need(9);
      v = float64(at + 1);
      at += 9;
      return v;
    case 0xd9:
      need(2);
      at += 2;
      return readString(src[at - 1]!);
    case 0xda:
      need(3);
      at += 3;
      return readString(u16(at - 2));
    case 0xdb:
      need(5);
      at += 5;
      return readString(u32(at - 4));
    case 0xc4:
      need(2);
      at += 2;
      return readBin(src[at - 1]!);
    case 0xc5:
      need(3);
      at += 3;
      return readBin(u16(at - 2));
    case 0xc6:
      need(5);
      at += 5;
      return readBin(u32(at - 4));
    case 0xdc:
    case 0xdd:
      return readArray();
  }
  if (b === 0xd4 && at + 2 < end && src[at + 1] === 0 && src[at + 2] === 0) {
    at += 3;
    return undefined;
  }
  // Maps, extensions (Date) and the rest: msgpackr reads the value's own bytes (copying any
  // binary inside).
  const from = at;
  at = skipValue(src, at, end);
  return msgpackCodec.decode(src.subarray(from, at));
}

function readArray(): unknown[] {
  const n = readArrayHeader();
  // Every element takes a byte at least: a header cannot make us allocate past the input.
  if (n > end - at) fail('array longer than its input');
  // Pushed, not preallocated: a task's arguments are handed on, and a packed array serves better.
  const values: unknown[] = [];
  depth++;
  for (let i = 0; i < n; i++) values.push(readValue());
  depth--;
  return values;
}

function readBin(n: number): Uint8Array {
  need(n);
  const b = depth === 1 && topBins === 'view' ? src.subarray(at, at + n) : src.slice(at, at + n);
  at += n;
  return b;
}

const latin1Slice = Buffer.prototype.latin1Slice;
const utf8 = new TextDecoder('utf-8');

/**
 * The bytes and value last read at each interned position: a frame's content type, task name
 * or origin is usually the previous frame's, and comparing a few bytes costs less than making
 * the value again.
 */
const lastBytes: (Uint8Array | undefined)[] = [];
const lastValue: unknown[] = [];
const MAX_INTERNED = 66;

function readInterned(slot: number): unknown {
  const known = lastBytes[slot];
  if (known !== undefined && matches(known)) return lastValue[slot];
  const from = at;
  const v = readValue();
  // Only primitives: an object would be shared by every message that repeats it.
  if (at - from <= MAX_INTERNED && (typeof v !== 'object' || v === null)) {
    lastBytes[slot] = src.slice(from, at);
    lastValue[slot] = v;
  }
  return v;
}

/** A string of `n` bytes at `at`. */
function readString(n: number): string {
  need(n);
  const from = at;
  at += n;
  if (n === 0) return '';
  const b = src;
  const to = from + n;
  for (let i = from; i < to; i++) {
    if (b[i]! >= 0x80) return utf8.decode(b.subarray(from, to));
  }
  return latin1Slice.call(b, from, to) as string;
}
