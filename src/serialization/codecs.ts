/**
 * The two body codecs. msgpack uses msgpackr with records off, so any msgpack peer (Python's
 * msgpack, kombu) can read what we write; JSON is plain `JSON`. Neither is faster for
 * string-heavy task messages (DESIGN.md §6b); msgpack's gain is size and binary data.
 */
import { Packr } from 'msgpackr';
import { ContentDisallowed } from '../errors.ts';
import type { ContentType, SerializerName } from '../protocol/task-message.ts';

export interface Codec {
  readonly name: SerializerName;
  readonly contentType: ContentType;
  encode(value: unknown): Uint8Array;
  decode(bytes: Uint8Array): unknown;
}

// useRecords: false keeps plain msgpack maps; moreTypes off for the same reason.
const packr = new Packr({ useRecords: false, moreTypes: false, int64AsType: 'number' });

export const msgpackCodec: Codec = {
  name: 'msgpack',
  contentType: 'application/x-msgpack',
  encode: (value) => packr.pack(value),
  decode: (bytes) => packr.unpack(bytes),
};

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export const jsonCodec: Codec = {
  name: 'json',
  contentType: 'application/json',
  encode: (value) => encoder.encode(JSON.stringify(value)),
  decode: (bytes) => JSON.parse(decoder.decode(bytes)) as unknown,
};

const BY_KEY: Record<string, Codec> = {
  msgpack: msgpackCodec,
  'application/x-msgpack': msgpackCodec,
  'application/msgpack': msgpackCodec,
  json: jsonCodec,
  'application/json': jsonCodec,
};

/** The codec for a serializer name or content type; ContentDisallowed for anything else. */
export function codecFor(nameOrContentType: string): Codec {
  const codec = BY_KEY[nameOrContentType];
  if (codec === undefined) {
    throw new ContentDisallowed(`no codec for content type '${nameOrContentType}'`);
  }
  return codec;
}
