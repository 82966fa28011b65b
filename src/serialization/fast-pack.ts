/**
 * A small msgpack writer and reader for arrays of plain values, the shape of a task frame and
 * of a task body (`[args, kwargs, embed]`). msgpackr costs a few microseconds per call in setup
 * (a DataView per input, state resets) and decodes every string natively; a frame is one call
 * per task on each side, so this handles nil, booleans, numbers, strings, binary and arrays
 * itself and hands anything else (maps, extensions such as Date) to msgpackr, embedding or
 * reading its bytes in place. The output is plain msgpack that msgpackr or any peer reads.
 *
 * Elements the caller marks as repetitive (content types, task names, origins) are compared with
 * the bytes last read at their position, so the usual frame makes one new string: its task id.
 */
import { msgpackCodec } from './codecs.ts';

/**
 * Bytes already packed as one msgpack value, written as they are (a constant, say); through
 * `putPacked`, several values the caller counted.
 */
export class Packed {
  constructor(readonly bytes: Uint8Array) {}
}

/**
 * Strings a writer sends again and again (content types, task names, an origin), packed once:
 * writing one is a copy of its bytes. Bounded; forgotten all at once when full.
 */
const packedStrings = new Map<string, Packed>();
const MAX_PACKED_STRINGS = 1024;

export function packedString(s: string): Packed {
  let p = packedStrings.get(s);
  if (p === undefined) {
    if (packedStrings.size >= MAX_PACKED_STRINGS) packedStrings.clear();
    p = new Packed(msgpackCodec.encode(s).slice());
    packedStrings.set(s, p);
  }
  return p;
}

/** A bin value holding `values` packed as a msgpack array: written in place, with no copy. */
export class BinOf {
  constructor(readonly values: readonly unknown[]) {}
}

// ---- writing ---------------------------------------------------------------------------------

const SLAB_BYTES = 64 * 1024;
let out = new Uint8Array(SLAB_BYTES);
let view = new DataView(out.buffer);
let pos = 0;

/** Room for `n` more bytes of the value being written; a new slab when this one is short. */
function reserve(start: number, n: number): number {
  if (pos + n <= out.length) return start;
  // Start over in a fresh slab, carrying what this value wrote so far: earlier values keep theirs.
  const written = out.subarray(start, pos);
  out = new Uint8Array(Math.max(SLAB_BYTES, (pos - start + n) * 2));
  view = new DataView(out.buffer);
  out.set(written, 0);
  pos = written.length;
  return 0;
}

/** A value this writer handles itself, anywhere inside an array. */
function isSimple(v: unknown): boolean {
  const t = typeof v;
  return v === null || t === 'string' || t === 'number' || t === 'boolean';
}

/**
 * Packs `values` as a msgpack array. Strings, numbers, booleans, null and Uint8Array (as bin)
 * are written here, as are arrays of those; anything else goes through msgpackr. The result is
 * a view into a shared slab (as msgpackr's are): it owns its bytes, not its `buffer`.
 */
export function packArray(values: readonly unknown[]): Uint8Array {
  let start = pos;
  start = writeArray(values, start);
  const bytes = out.subarray(start, pos);
  // 8-byte aligned starts, as msgpackr does: copies of the frame go faster.
  pos = (pos + 7) & ~7;
  if (pos > out.length) pos = out.length;
  return bytes;
}

// ---- a cursor for callers that know their layout (a task frame): no array of values ----------

let cursorStart = 0;

/** Starts a msgpack array of `n` elements, written by the `put*` calls that follow. */
export function beginArray(n: number): void {
  cursorStart = writeArrayHeader(n, pos);
}

export function putValue(v: unknown): void {
  cursorStart = writeValue(v, cursorStart);
}

export function putString(s: string): void {
  cursorStart = writeString(s, cursorStart);
}

export function putNull(): void {
  cursorStart = reserve(cursorStart, 1);
  out[pos++] = 0xc0;
}

/** Bytes already packed (one or more values: the caller counted them in `beginArray`). */
export function putPacked(p: Packed): void {
  cursorStart = writeBin(p.bytes, cursorStart, true);
}

/** Ends what `beginArray` started; the bytes, as `packArray` returns them. */
export function endArray(): Uint8Array {
  const bytes = out.subarray(cursorStart, pos);
  pos = (pos + 7) & ~7;
  if (pos > out.length) pos = out.length;
  return bytes;
}

function writeArray(values: readonly unknown[], start: number): number {
  start = writeArrayHeader(values.length, start);
  for (let i = 0; i < values.length; i++) start = writeValue(values[i], start);
  return start;
}

function writeArrayHeader(n: number, start: number): number {
  start = reserve(start, 5);
  if (n < 16) {
    out[pos++] = 0x90 | n;
  } else if (n < 0x10000) {
    out[pos++] = 0xdc;
    view.setUint16(pos, n);
    pos += 2;
  } else {
    out[pos++] = 0xdd;
    view.setUint32(pos, n);
    pos += 4;
  }
  return start;
}

function writeValue(v: unknown, start: number): number {
  switch (typeof v) {
    case 'string':
      return writeString(v, start);
    case 'number':
      return writeNumber(v, start);
    case 'boolean':
      start = reserve(start, 1);
      out[pos++] = v ? 0xc3 : 0xc2;
      return start;
  }
  if (v === null) {
    start = reserve(start, 1);
    out[pos++] = 0xc0;
    return start;
  }
  if (v === undefined) {
    // msgpackr's own spelling of undefined (fixext 1, type 0), which it reads back as undefined.
    start = reserve(start, 3);
    out[pos++] = 0xd4;
    out[pos++] = 0;
    out[pos++] = 0;
    return start;
  }
  if (v instanceof Uint8Array) return writeBin(v, start);
  if (v instanceof Packed) return writeBin(v.bytes, start, true);
  if (v instanceof BinOf) return writeBinOf(v.values, start);
  if (Array.isArray(v) && v.every(isSimple)) return writeArray(v, start);
  if (isEmptyPlainObject(v)) {
    start = reserve(start, 1);
    out[pos++] = 0x80;
    return start;
  }
  return writeBin(msgpackCodec.encode(v), start, true);
}

function writeBinOf(values: readonly unknown[], start: number): number {
  start = reserve(start, 5);
  // bin32, whatever the size (valid msgpack, if not the shortest): the length is known after.
  const rel = pos - start;
  out[pos] = 0xc6;
  pos += 5;
  start = writeArray(values, start);
  const header = start + rel;
  const n = pos - header - 5;
  out[header + 1] = n >>> 24;
  out[header + 2] = (n >>> 16) & 0xff;
  out[header + 3] = (n >>> 8) & 0xff;
  out[header + 4] = n & 0xff;
  return start;
}

function isEmptyPlainObject(v: unknown): boolean {
  if (typeof v !== 'object' || v === null || Object.getPrototypeOf(v) !== Object.prototype) return false;
  for (const _ in v) return false;
  return true;
}

const encoder = new TextEncoder();
const utf8Write = Buffer.prototype.utf8Write;

function writeString(s: string, start: number): number {
  const n = s.length;
  start = reserve(start, 5 + 3 * n);
  // A header wide enough for the worst case (3 bytes a UTF-16 unit), its length patched after.
  const hdr = 3 * n < 32 ? 1 : 3 * n < 0x100 ? 2 : 3 * n < 0x10000 ? 3 : 5;
  const at = pos;
  pos += hdr;
  let len: number;
  if (n >= 24) {
    // Longer strings (task ids): the native writer beats a loop, and handles any UTF-16.
    len = utf8Write.call(out, s, pos) as number;
  } else {
    len = n;
    const o = out;
    const p = pos;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) {
        len = encoder.encodeInto(s, o.subarray(p)).written;
        break;
      }
      o[p + i] = c;
    }
  }
  pos += len;
  if (hdr === 1) out[at] = 0xa0 | len;
  else if (hdr === 2) {
    out[at] = 0xd9;
    out[at + 1] = len;
  } else if (hdr === 3) {
    out[at] = 0xda;
    view.setUint16(at + 1, len);
  } else {
    out[at] = 0xdb;
    view.setUint32(at + 1, len);
  }
  return start;
}

function writeNumber(v: number, start: number): number {
  start = reserve(start, 9);
  if (Number.isInteger(v) && !Object.is(v, -0)) {
    if (v >= 0) {
      if (v < 0x80) {
        out[pos++] = v;
        return start;
      }
      if (v < 0x100000000) {
        out[pos++] = 0xce;
        view.setUint32(pos, v);
        pos += 4;
        return start;
      }
    } else if (v >= -32) {
      out[pos++] = 0xe0 | (v + 32);
      return start;
    } else if (v >= -0x80000000) {
      out[pos++] = 0xd2;
      view.setInt32(pos, v);
      pos += 4;
      return start;
    }
  }
  out[pos++] = 0xcb;
  view.setFloat64(pos, v);
  pos += 8;
  return start;
}

/** Bytes as msgpack bin, or (`raw`) as they are: an already packed value. */
function writeBin(b: Uint8Array, start: number, raw = false): number {
  const n = b.length;
  start = reserve(start, 5 + n);
  if (!raw) {
    if (n < 0x100) {
      out[pos++] = 0xc4;
      out[pos++] = n;
    } else if (n < 0x10000) {
      out[pos++] = 0xc5;
      view.setUint16(pos, n);
      pos += 2;
    } else {
      out[pos++] = 0xc6;
      view.setUint32(pos, n);
      pos += 4;
    }
  }
  if (n < 32) for (let i = 0; i < n; i++) out[pos + i] = b[i]!;
  else out.set(b, pos);
  pos += n;
  return start;
}

// ---- reading ---------------------------------------------------------------------------------

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
  skip();
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

/** Moves `at` past one value of any type. */
function skip(): void {
  need(1);
  const b = src[at]!;
  at++;
  if (b < 0x80 || b >= 0xe0 || b === 0xc0 || b === 0xc2 || b === 0xc3) return;
  if ((b & 0xe0) === 0xa0) return skipBytes(b & 0x1f);
  if ((b & 0xf0) === 0x90) return skipMany(b & 0x0f);
  if ((b & 0xf0) === 0x80) return skipMany(2 * (b & 0x0f));
  switch (b) {
    case 0xcc:
    case 0xd0:
      return skipBytes(1);
    case 0xcd:
    case 0xd1:
      return skipBytes(2);
    case 0xce:
    case 0xd2:
    case 0xca:
      return skipBytes(4);
    case 0xcf:
    case 0xd3:
    case 0xcb:
      return skipBytes(8);
    case 0xd9:
    case 0xc4:
      need(1);
      return skipBytes(src[at++]!);
    case 0xda:
    case 0xc5:
      need(2);
      at += 2;
      return skipBytes(u16(at - 2));
    case 0xdb:
    case 0xc6:
      need(4);
      at += 4;
      return skipBytes(u32(at - 4));
    case 0xdc:
      need(2);
      at += 2;
      return skipMany(u16(at - 2));
    case 0xdd:
      need(4);
      at += 4;
      return skipMany(u32(at - 4));
    case 0xde:
      need(2);
      at += 2;
      return skipMany(2 * u16(at - 2));
    case 0xdf:
      need(4);
      at += 4;
      return skipMany(2 * u32(at - 4));
    case 0xd4:
      return skipBytes(2);
    case 0xd5:
      return skipBytes(3);
    case 0xd6:
      return skipBytes(5);
    case 0xd7:
      return skipBytes(9);
    case 0xd8:
      return skipBytes(17);
    case 0xc7:
      need(1);
      return skipBytes(1 + src[at++]!);
    case 0xc8:
      need(2);
      at += 2;
      return skipBytes(1 + u16(at - 2));
    case 0xc9:
      need(4);
      at += 4;
      return skipBytes(1 + u32(at - 4));
  }
  fail(`unknown type 0x${b.toString(16)}`);
}

function skipBytes(n: number): void {
  need(n);
  at += n;
}

function skipMany(n: number): void {
  if (n > end - at) fail('container longer than its input');
  for (let i = 0; i < n; i++) skip();
}
