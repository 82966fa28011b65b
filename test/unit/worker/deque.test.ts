import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Deque } from '../../../src/worker/pool/deque.ts';

test('Deque keeps FIFO order across growth, and unshiftAll puts items first in order', () => {
  const d = new Deque<number>();
  for (let i = 0; i < 40; i++) d.push(i);
  for (let i = 0; i < 30; i++) assert.equal(d.shift(), i);
  for (let i = 40; i < 70; i++) d.push(i);
  d.unshiftAll([-3, -2, -1]);
  assert.equal(d.length, 43);
  assert.deepEqual(d.drain(), [-3, -2, -1, ...Array.from({ length: 40 }, (_, i) => i + 30)]);
  assert.equal(d.shift(), undefined);
});

test('Deque.removeWhere takes matching items and keeps the rest in order', () => {
  const d = new Deque<number>();
  for (let i = 0; i < 10; i++) d.push(i);
  assert.deepEqual(d.removeWhere((n) => n % 3 === 0), [0, 3, 6, 9]);
  assert.deepEqual(d.drain(), [1, 2, 4, 5, 7, 8]);
});
