/**
 * How result metas are stored in the bucket and sent as replies: `resultSerializer` picks the
 * writer; the reader tells the two apart by the first byte (a JSON meta is an object, `{`; a
 * msgpack meta is a map, 0x80-0x8f or 0xde-0xdf, never `{`, which msgpack reads as the integer
 * 123), so apps configured differently read each other's results.
 */
import { jsonCodec, msgpackCodec } from '../../serialization/codecs.ts';
import type { SerializerName } from '../../protocol/task-message.ts';

const OPEN_BRACE = 0x7b;

export interface ResultCodec {
  encode(value: unknown): Uint8Array;
  decode(bytes: Uint8Array): unknown;
}

export function decodeResult(bytes: Uint8Array): unknown {
  return bytes.length > 0 && bytes[0] === OPEN_BRACE ? jsonCodec.decode(bytes) : msgpackCodec.decode(bytes);
}

export function resultCodec(serializer: SerializerName = 'msgpack'): ResultCodec {
  const writer = serializer === 'json' ? jsonCodec : msgpackCodec;
  return { encode: (v) => writer.encode(v), decode: decodeResult };
}
