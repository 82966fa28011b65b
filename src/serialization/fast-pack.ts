/**
 * A small msgpack writer for arrays of plain values, the shape of a task frame and of a task
 * body (`[args, kwargs, embed]`); fast-unpack.ts reads them. msgpackr costs a few microseconds
 * per call in setup (a DataView per input, state resets), and a frame is one call per task on
 * each side, so this writes nil, booleans, numbers, strings, binary and arrays itself and hands
 * anything else (maps, extensions such as Date) to msgpackr, embedding its bytes in place. The
 * output is plain msgpack that msgpackr or any peer reads. Values that repeat (content types,
 * task names, an origin) can be written pre-packed (`Packed`, `packedString`).
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
