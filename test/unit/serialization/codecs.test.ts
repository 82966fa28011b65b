import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { ContentDisallowed } from '../../../src/errors.ts';
import { codecFor, jsonCodec, msgpackCodec } from '../../../src/serialization/codecs.ts';

describe('codecs', () => {
  test('codecFor finds codecs by name and content type', () => {
    assert.equal(codecFor('msgpack'), msgpackCodec);
    assert.equal(codecFor('application/x-msgpack'), msgpackCodec);
    assert.equal(codecFor('json'), jsonCodec);
    assert.equal(codecFor('application/json'), jsonCodec);
    assert.throws(() => codecFor('application/x-python-serialize'), ContentDisallowed);
    assert.throws(() => codecFor('constructor'), ContentDisallowed);
  });

  test('content encodings are what kombu writes', () => {
    assert.equal(msgpackCodec.contentEncoding, 'binary');
    assert.equal(jsonCodec.contentEncoding, 'utf-8');
  });

  test('msgpack keeps Dates and bytes; decoded bytes do not share the input buffer', () => {
    const when = new Date('2024-05-06T07:08:09.123Z');
    const bytes = new Uint8Array([0, 1, 2, 255]);
    const frame = msgpackCodec.encode({ when, bytes });
    const out = msgpackCodec.decode(frame) as { when: Date; bytes: Uint8Array };
    assert.ok(out.when instanceof Date);
    assert.equal(out.when.getTime(), when.getTime());
    assert.ok(out.bytes instanceof Uint8Array);
    assert.deepEqual(new Uint8Array(out.bytes), bytes);
    assert.equal(out.bytes.byteLength, out.bytes.buffer.byteLength);
  });

  test('json refuses invalid UTF-8', () => {
    assert.throws(() => jsonCodec.decode(new Uint8Array([0x22, 0xff, 0x22])));
  });
});
