import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { shortRepr } from '../../../src/protocol/repr.ts';

describe('shortRepr', () => {
  test('small values read like JSON', () => {
    assert.equal(shortRepr([1, 'a', null, true, { b: [2] }]), '[1, "a", null, true, {"b": [2]}]');
    assert.equal(shortRepr({}), '{}');
    assert.equal(shortRepr([new Date('2024-01-01T00:00:00Z'), new Uint8Array(3), 5n]), '[2024-01-01T00:00:00.000Z, <Uint8Array 3 bytes>, 5n]');
  });

  test('never longer than the limit, and cut with ...', () => {
    const big = Array.from({ length: 100_000 }, (_, i) => ({ i, s: 'x'.repeat(50) }));
    const text = shortRepr(big, 100);
    assert.ok(text.length <= 100);
    assert.ok(text.endsWith('...'));
    assert.ok(shortRepr('y'.repeat(10_000)).length <= 1024);
  });

  test('cycles and throwing getters do not throw', () => {
    const a: Record<string, unknown> = { n: 1 };
    a.self = a;
    assert.equal(shortRepr(a), '{"n": 1, "self": [Circular]}');
    const evil = Object.defineProperty({}, 'x', { enumerable: true, get: () => { throw new Error('boom'); } });
    assert.equal(shortRepr(evil), '<unrepresentable>');
  });
});
