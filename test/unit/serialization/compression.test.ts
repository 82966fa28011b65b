import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { inflateSync, gzipSync } from 'node:zlib';
import { ContentDisallowed, MessageDecodeError } from '../../../src/errors.ts';
import {
  COMPRESSION_CONTENT_TYPES,
  compress,
  compressionKind,
  decompress,
} from '../../../src/serialization/compression.ts';
import type { Compression } from '../../../src/protocol/task-message.ts';

const KINDS: Compression[] = ['gzip', 'deflate', 'brotli'];
const text = new TextEncoder().encode('celeriac '.repeat(200));

describe('compression', () => {
  for (const kind of KINDS) {
    test(`${kind} round-trips and shrinks a repetitive body`, () => {
      const packed = compress(text, kind);
      assert.ok(packed.length < text.length / 4);
      assert.deepEqual(new Uint8Array(decompress(packed, kind)), text);
      // The wire name works as well as the short name.
      assert.deepEqual(new Uint8Array(decompress(packed, COMPRESSION_CONTENT_TYPES[kind])), text);
    });

    test(`${kind}: a corrupt payload is a MessageDecodeError`, () => {
      const packed = compress(text, kind);
      const corrupt = packed.slice(0, Math.floor(packed.length / 2));
      assert.throws(() => decompress(corrupt, kind), MessageDecodeError);
      assert.throws(() => decompress(new TextEncoder().encode('not compressed at all'), kind), MessageDecodeError);
    });
  }

  test("gzip writes what kombu's zlib.compress writes, and reads a real gzip stream too", () => {
    const packed = compress(text, 'gzip');
    assert.deepEqual(new Uint8Array(inflateSync(packed)), text); // a zlib (RFC 1950) stream
    assert.deepEqual(new Uint8Array(decompress(gzipSync(text), 'application/x-gzip')), text);
  });

  test('kombu names on the wire', () => {
    assert.equal(COMPRESSION_CONTENT_TYPES.gzip, 'application/x-gzip');
    assert.equal(COMPRESSION_CONTENT_TYPES.brotli, 'application/x-brotli');
    assert.equal(compressionKind('zlib'), 'gzip');
    assert.equal(compressionKind('application/x-deflate'), 'deflate');
  });

  test('an unknown kind is ContentDisallowed', () => {
    assert.throws(() => compress(text, 'lzma'), ContentDisallowed);
    assert.throws(() => decompress(text, 'application/x-bz2'), ContentDisallowed);
    assert.throws(() => compressionKind('constructor'), ContentDisallowed);
  });

  test('a body that inflates past the limit is refused', () => {
    const packed = compress(new Uint8Array(1_000_000), 'gzip');
    assert.throws(() => decompress(packed, 'gzip', 1000), MessageDecodeError);
  });
});
