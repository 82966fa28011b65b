import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../../src/errors.ts';
import { parseRateLimit } from '../../../src/config/rate-limit.ts';

describe('parseRateLimit', () => {
  test('parses per second, minute and hour', () => {
    assert.deepEqual(parseRateLimit('10/s'), { perSecond: 10 });
    assert.deepEqual(parseRateLimit('10/m'), { perSecond: 10 / 60 });
    assert.deepEqual(parseRateLimit('36/h'), { perSecond: 0.01 });
    assert.deepEqual(parseRateLimit(' 2.5 / s '), { perSecond: 2.5 });
  });

  test('plain numbers and numeric strings are per second', () => {
    assert.deepEqual(parseRateLimit(5), { perSecond: 5 });
    assert.deepEqual(parseRateLimit(0.5), { perSecond: 0.5 });
    assert.deepEqual(parseRateLimit('7'), { perSecond: 7 });
  });

  test('null, undefined and zero mean no limit', () => {
    assert.equal(parseRateLimit(null), null);
    assert.equal(parseRateLimit(undefined), null);
    assert.equal(parseRateLimit(0), null);
    assert.equal(parseRateLimit('0/m'), null);
  });

  test('anything else is a ConfigError naming the key', () => {
    for (const bad of ['10/d', '10/min', 'ten/s', '-1/s', '', '/s', '10/', -1, NaN, Infinity, true, {}, [10]]) {
      assert.throws(
        () => parseRateLimit(bad, 'rate'),
        (err: unknown) => err instanceof ConfigError && err.code === 'CELERIAC_CONFIG' && (err as { key?: string }).key === 'rate',
        String(bad),
      );
    }
  });

  test('the result is frozen', () => {
    assert.ok(Object.isFrozen(parseRateLimit('1/s')));
  });
});
