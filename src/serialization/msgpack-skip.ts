/**
 * Where one msgpack value of any type ends, without decoding it: fast-unpack.ts hands maps and
 * extensions to msgpackr as the bytes of that value alone.
 */

const u16 = (b: Uint8Array, i: number): number => (b[i]! << 8) | b[i + 1]!;
const u32 = (b: Uint8Array, i: number): number => ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;

/** The position just past the value at `at`. Throws a plain Error when it does not end by `end`. */
export function skipValue(b: Uint8Array, at: number, end: number): number {
  const need = (n: number): void => {
    if (at + n > end) throw new Error(`invalid msgpack: unexpected end at byte ${at}`);
  };
  // Values still to skip: containers add their elements instead of recursing.
  let pending = 1;
  while (pending > 0) {
    pending--;
    need(1);
    const t = b[at++]!;
    if (t < 0x80 || t >= 0xe0 || t === 0xc0 || t === 0xc2 || t === 0xc3) continue;
    let bytes = 0;
    let items = 0;
    if ((t & 0xe0) === 0xa0) bytes = t & 0x1f;
    else if ((t & 0xf0) === 0x90) items = t & 0x0f;
    else if ((t & 0xf0) === 0x80) items = 2 * (t & 0x0f);
    else {
      switch (t) {
        case 0xcc:
        case 0xd0:
          bytes = 1;
          break;
        case 0xcd:
        case 0xd1:
          bytes = 2;
          break;
        case 0xce:
        case 0xd2:
        case 0xca:
          bytes = 4;
          break;
        case 0xcf:
        case 0xd3:
        case 0xcb:
          bytes = 8;
          break;
        case 0xd9:
        case 0xc4:
          need(1);
          bytes = b[at++]!;
          break;
        case 0xda:
        case 0xc5:
          need(2);
          bytes = u16(b, at);
          at += 2;
          break;
        case 0xdb:
        case 0xc6:
          need(4);
          bytes = u32(b, at);
          at += 4;
          break;
        case 0xdc:
          need(2);
          items = u16(b, at);
          at += 2;
          break;
        case 0xdd:
          need(4);
          items = u32(b, at);
          at += 4;
          break;
        case 0xde:
          need(2);
          items = 2 * u16(b, at);
          at += 2;
          break;
        case 0xdf:
          need(4);
          items = 2 * u32(b, at);
          at += 4;
          break;
        case 0xd4:
          bytes = 2;
          break;
        case 0xd5:
          bytes = 3;
          break;
        case 0xd6:
          bytes = 5;
          break;
        case 0xd7:
          bytes = 9;
          break;
        case 0xd8:
          bytes = 17;
          break;
        case 0xc7:
          need(1);
          bytes = 1 + b[at++]!;
          break;
        case 0xc8:
          need(2);
          bytes = 1 + u16(b, at);
          at += 2;
          break;
        case 0xc9:
          need(4);
          bytes = 1 + u32(b, at);
          at += 4;
          break;
        default:
          throw new Error(`invalid msgpack: unknown type 0x${t.toString(16)} at byte ${at - 1}`);
      }
    }
    need(bytes);
    at += bytes;
    // Every value takes a byte at least: a header cannot claim more than what is left.
    if (items > end - at) throw new Error(`invalid msgpack: container longer than its input at byte ${at}`);
    pending += items;
  }
  return at;
}
