/**
 * Body compression through `node:zlib`, named on the wire as kombu names it (the `compression`
 * header holds a content type). kombu's `application/x-gzip` is Python's `zlib.compress`, i.e. a
 * zlib stream (RFC 1950), not a gzip file: we write the same so Python can read it, and read
 * either form (`unzipSync` detects the header). kombu has no deflate; ours is raw deflate
 * (RFC 1951) under `application/x-deflate`.
 */
import {
  brotliCompressSync,
  brotliDecompressSync,
  constants,
  deflateRawSync,
  deflateSync,
  inflateRawSync,
  unzipSync,
} from 'node:zlib';
import { ContentDisallowed, MessageDecodeError } from '../errors.ts';
import type { Compression } from '../protocol/task-message.ts';

/** The `compression` header value for each kind, as kombu writes it. */
export const COMPRESSION_CONTENT_TYPES: Readonly<Record<Compression, string>> = Object.freeze({
  gzip: 'application/x-gzip',
  deflate: 'application/x-deflate',
  brotli: 'application/x-brotli',
});

/** A decompressed body larger than this is refused: a small frame must not inflate without bound. */
export const MAX_DECOMPRESSED_BYTES = 256 * 1024 * 1024;

const KIND_BY_NAME: Record<string, Compression> = {
  gzip: 'gzip',
  zlib: 'gzip',
  'application/x-gzip': 'gzip',
  deflate: 'deflate',
  'application/x-deflate': 'deflate',
  brotli: 'brotli',
  'application/x-brotli': 'brotli',
};

/** The kind for a short name, kombu alias or wire content type; ContentDisallowed otherwise. */
export function compressionKind(nameOrContentType: string): Compression {
  const kind = Object.hasOwn(KIND_BY_NAME, nameOrContentType) ? KIND_BY_NAME[nameOrContentType] : undefined;
  if (kind === undefined) {
    throw new ContentDisallowed(`unsupported compression '${nameOrContentType}'`);
  }
  return kind;
}

// Quality 11 (brotli's default) costs milliseconds per small message; 5 keeps most of the
// ratio at a fraction of the time, which matters on the publish path.
const BROTLI_OPTS = { params: { [constants.BROTLI_PARAM_QUALITY]: 5 } };

/** Compresses a body. `kind` may be a short name ('gzip') or a wire name ('application/x-gzip'). */
export function compress(bytes: Uint8Array, kind: Compression | string): Uint8Array {
  switch (compressionKind(kind)) {
    case 'gzip':
      return deflateSync(bytes);
    case 'deflate':
      return deflateRawSync(bytes);
    case 'brotli':
      return brotliCompressSync(bytes, BROTLI_OPTS);
  }
}

/**
 * Decompresses a body. ContentDisallowed for an unknown kind; MessageDecodeError for a corrupt
 * payload or one that inflates past `maxOutputLength` bytes.
 */
export function decompress(
  bytes: Uint8Array,
  kind: Compression | string,
  maxOutputLength: number = MAX_DECOMPRESSED_BYTES,
): Uint8Array {
  const resolved = compressionKind(kind);
  const opts = { maxOutputLength };
  try {
    switch (resolved) {
      case 'gzip':
        return unzipSync(bytes, opts);
      case 'deflate':
        return inflateRawSync(bytes, opts);
      case 'brotli':
        return brotliDecompressSync(bytes, opts);
    }
  } catch (err) {
    throw new MessageDecodeError(`corrupt ${resolved} body: ${(err as Error).message}`, { cause: err });
  }
}
