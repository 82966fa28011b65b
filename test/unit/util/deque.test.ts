import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { Deque } from '../../../src/util/deque.ts';

const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

describe('Deque', () => {
  test('keeps FIFO order across growth and wrap-around', () => {
    const d = new Deque<number>();
    for (let i = 0; i < 10; i++) d.push(i);
    for (let i = 0; i < 7; i++) assert.equal(d.shift(), i);
    for (let i = 10; i < 40; i++) d.push(i);
    assert.equal(d.length, 33);
    assert.equal(d.peek(), 7);
    assert.deepEqual(d.toArray(), range(7, 40));
    assert.deepEqual(d.drain(), range(7, 40));
    assert.equal(d.length, 0);
    assert.equal(d.shift(), undefined);
    assert.equal(d.peek(), undefined);
  });

  test('pushFront puts one item first, unshiftAll puts several first in their order', () => {
    const d = new Deque<string>();
    for (const s of ['c', 'd']) d.push(s);
    d.pushFront('b');
    d.unshiftAll(['y', 'z', 'a']);
    assert.equal(d.peek(), 'y');
    assert.deepEqual(d.toArray(), ['y', 'z', 'a', 'b', 'c', 'd']);
    for (let i = 0; i < 40; i++) d.pushFront(`x${i}`); // grows from the front
    assert.equal(d.length, 46);
    assert.equal(d.shift(), 'x39');
    assert.deepEqual(d.toArray().slice(-6), ['y', 'z', 'a', 'b', 'c', 'd']);
  });

  test('removeWhere takes matching items and keeps the rest in order, also when wrapped', () => {
    const d = new Deque<number>();
    for (let i = 0; i < 12; i++) d.push(i);
    for (let i = 0; i < 10; i++) d.shift();
    for (let i = 12; i < 26; i++) d.push(i); // head near the end of the ring: the items wrap
    assert.deepEqual(d.removeWhere((n) => n % 3 === 0), [12, 15, 18, 21, 24]);
    assert.deepEqual(d.toArray(), [10, 11, 13, 14, 16, 17, 19, 20, 22, 23, 25]);
    assert.deepEqual(d.removeWhere(() => false), []);
    assert.equal(d.length, 11);
  });

  test('clear empties it and it stays usable; drain keeps undefined items', () => {
    const d = new Deque<number | undefined>();
    for (let i = 0; i < 100; i++) d.push(i);
    d.clear();
    assert.equal(d.length, 0);
    assert.equal(d.shift(), undefined);
    d.push(undefined);
    d.push(1);
    assert.deepEqual(d.drain(), [undefined, 1]);
    d.push(2);
    assert.deepEqual(d.toArray(), [2]);
  });

  test('matches an array used as a queue under a random mix of operations', () => {
    let seed = 42;
    const rand = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    const d = new Deque<number>();
    const model: number[] = [];
    for (let i = 0; i < 5_000; i++) {
      const r = rand();
      if (r < 0.45) {
        d.push(i);
        model.push(i);
      } else if (r < 0.6) {
        d.pushFront(i);
        model.unshift(i);
      } else if (r < 0.98) {
        assert.equal(d.shift(), model.shift());
      } else {
        const removed = d.removeWhere((n) => n % 5 === 0);
        assert.deepEqual(removed, model.filter((n) => n % 5 === 0));
        model.splice(0, model.length, ...model.filter((n) => n % 5 !== 0));
      }
      assert.equal(d.length, model.length);
    }
    assert.deepEqual(d.toArray(), model);
  });
});
