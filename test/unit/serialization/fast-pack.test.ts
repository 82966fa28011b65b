import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { Packr } from 'msgpackr';
import { BinOf, Packed, packArray, packedString } from '../../../src/serialization/fast-pack.ts';
import { unpackArray } from '../../../src/serialization/fast-unpack.ts';

// A plain msgpack peer, as another reader (or writer) of the same bytes.
const peer = new Packr({ useRecords: false, moreTypes: false, int64AsType: 'number' });

const VALUES: unknown[] = [
  0, 1, 127, 128, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, 2 ** 53, -1, -32, -33, -128, -129, -32768, -32769,
  -(2 ** 31), -(2 ** 31) - 1, 1.5, -1.5, Number.NaN, Infinity, -Infinity, 1e300, Math.PI,
  '', 'a', 'x'.repeat(31), 'x'.repeat(32), 'é', 'héllo wörld ✓', '😀', 'x'.repeat(300), 'y'.repeat(70_000),
  null, true, false, undefined,
  [1, 'a', null], [[1, [2, [3]]]], [], { a: 1, b: [1, 2] }, {}, [{}], new Date(1_700_000_000_000),
];

describe('fast-pack and fast-unpack', () => {
  test('what it writes, msgpackr reads, and what either writes, it reads back the same', () => {
    const bytes = packArray(VALUES);
    assert.deepEqual(peer.unpack(bytes), VALUES);
    assert.deepEqual(unpackArray(bytes, VALUES.length, 'copy'), VALUES);
    assert.deepEqual(unpackArray(new Uint8Array(peer.pack(VALUES)), -1, 'copy'), VALUES);
  });

  test('long and non-ASCII strings, and lone surrogates written as U+FFFD (as TextEncoder does)', () => {
    const strings = ['a'.repeat(23), 'b'.repeat(24), `${'c'.repeat(30)}é`, 'é'.repeat(40), `x\ud800y`, `${'z'.repeat(30)}\udc00`];
    const back = unpackArray(packArray(strings), strings.length, 'copy');
    assert.deepEqual(back, strings.map((s) => new TextDecoder().decode(new TextEncoder().encode(s))));
    assert.deepEqual(peer.unpack(packArray(strings)), back);
  });

  test('-0 survives (msgpackr itself would write 0)', () => {
    const [back] = unpackArray(packArray([-0]), 1, 'copy');
    assert.ok(Object.is(back, -0));
  });

  test('binary: top-level bins are views in view mode, nested ones always copies', () => {
    const inner = new Uint8Array([7, 8]);
    const bytes = packArray([new Uint8Array([1, 2, 3]), [inner], { k: inner }]);
    const [top, nested, inMap] = unpackArray(bytes, 3, 'view') as [Uint8Array, Uint8Array[], { k: Uint8Array }];
    assert.deepEqual([...top], [1, 2, 3]);
    assert.equal(top.buffer, bytes.buffer, 'a view into the input');
    assert.notEqual(nested[0]!.buffer, bytes.buffer);
    assert.notEqual(inMap.k.buffer, bytes.buffer);
    const [copied] = unpackArray(bytes, 3, 'copy') as [Uint8Array];
    assert.notEqual(copied.buffer, bytes.buffer);
  });

  test('BinOf packs an array in place as a bin; Packed and packedString write their bytes as they are', () => {
    const bytes = packArray([new BinOf([1, 'two', [3]]), new Packed(peer.pack({ x: 1 })), packedString('repeated')]);
    const [bin, obj, str] = peer.unpack(bytes) as [Uint8Array, unknown, unknown];
    assert.deepEqual(peer.unpack(bin), [1, 'two', [3]]);
    assert.deepEqual(obj, { x: 1 });
    assert.equal(str, 'repeated');
    assert.equal(packedString('repeated'), packedString('repeated'));
  });

  test('hints: an interned element reads the same across inputs; a constant is recognised without decoding', () => {
    const hints = [{ intern: true }, { constant: { bytes: peer.pack({ c: null }), value: 'CONST' } }];
    const a = unpackArray(packArray(['application/x-msgpack', { c: null }]), 2, 'copy', hints);
    const b = unpackArray(packArray(['application/x-msgpack', { c: 1 }]), 2, 'copy', hints);
    const c = unpackArray(packArray(['text/other', { c: null }]), 2, 'copy', hints);
    assert.deepEqual(a, ['application/x-msgpack', 'CONST']);
    assert.deepEqual(b, ['application/x-msgpack', { c: 1 }]);
    assert.deepEqual(c, ['text/other', 'CONST']);
  });

  test('strict: truncated, trailing, wrong length, not an array, unknown type', () => {
    const bytes = packArray(['abc', 1.5, [1, 2], { a: 'b' }, new Uint8Array(10)]);
    for (let cut = 0; cut < bytes.length; cut++) {
      assert.throws(() => unpackArray(bytes.subarray(0, cut), -1, 'copy'), /invalid msgpack/, `cut at ${cut}`);
    }
    const longer = new Uint8Array(bytes.length + 1);
    longer.set(bytes);
    assert.throws(() => unpackArray(longer, -1, 'copy'), /trailing/);
    assert.throws(() => unpackArray(bytes, 4, 'copy'), /elements/);
    assert.throws(() => unpackArray(peer.pack({ a: 1 }), -1, 'copy'), /not an array/);
    assert.throws(() => unpackArray(new Uint8Array([0x91, 0xc1]), -1, 'copy'), /unknown type/);
    // An array header claiming more elements than bytes left never allocates them.
    assert.throws(() => unpackArray(new Uint8Array([0xdd, 0x7f, 0xff, 0xff, 0xff]), -1, 'copy'), /longer than its input/);
    // Nor does a map's (maps are measured, then read by msgpackr).
    assert.throws(() => unpackArray(new Uint8Array([0x91, 0xdf, 0x7f, 0xff, 0xff, 0xff]), -1, 'copy'), /longer than its input/);
    assert.throws(() => unpackArray(new Uint8Array([0x91, 0x81, 0xa1, 0x61]), -1, 'copy'), /unexpected end/);
  });
});
