/**
 * The two body codecs. msgpack uses msgpackr with records off, so any msgpack peer (Python's
 * msgpack, kombu) can read what we write; JSON is plain `JSON`. Neither is faster for
 * string-heavy task messages (DESIGN.md §6b); msgpack's gain is size and binary data.
 */
import { Packr } from 'msgpackr';
import { ContentDisallowed } from '../errors.ts';
import type { ContentEncoding, ContentType, SerializerName } from '../protocol/task-message.ts';

export interface Codec {
  readonly name: SerializerName;
  readonly contentType: ContentType;
  /** What kombu writes in `content-encoding` for this serializer. */
  readonly contentEncoding: ContentEncoding;
  encode(value: unknown): Uint8Array;
  decode(bytes: Uint8Array): unknown;
}

// useRecords: false keeps plain msgpack maps; moreTypes off for the same reason.
// copyBuffers: decoded binary values own their memory instead of viewing the whole frame, so a
// Uint8Array argument handed to a thread by structured clone does not drag the frame along.
const packr = new Packr({ useRecords: false, moreTypes: false, int64AsType: 'number', copyBuffers: true });

export const msgpackCodec: Codec = {
  name: 'msgpack',
  contentType: 'application/x-msgpack',
  contentEncoding: 'binary',
  encode: (value) => packr.pack(value),
  decode: (bytes) => packr.unpack(bytes),
};

const encoder = new TextEncoder();
// fatal: invalid UTF-8 is a corrupt message, not text to patch with U+FFFD.
const decoder = new TextDecoder('utf-8', { fatal: true });

export const jsonCodec: Codec = {
  name: 'json',
  contentType: 'application/json',
  contentEncoding: 'utf-8',
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
  // Own-property lookup: 'constructor' or '__proto__' must not find Object.prototype's members.
  const codec = Object.hasOwn(BY_KEY, nameOrContentType) ? BY_KEY[nameOrContentType] : undefined;
  if (codec === undefined) {
    throw new ContentDisallowed(`no codec for content type '${nameOrContentType}'`);
  }
  return codec;
}
