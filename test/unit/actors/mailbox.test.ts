import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { Mailbox } from '../../../src/actors/mailbox.ts';
import { ClosedError, ConfigError } from '../../../src/errors.ts';

describe('Mailbox', () => {
  test('is FIFO across ring wrap-around and growth', () => {
    const box = new Mailbox<number>(1000);
    const out: number[] = [];
    let next = 0;
    // Interleave offers and polls so the head moves around the ring while it grows.
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 7; i++) assert.equal(box.offer(next++), true);
      for (let i = 0; i < 3; i++) out.push(box.poll()!);
    }
    while (box.size > 0) out.push(box.poll()!);
    assert.deepEqual(out, Array.from({ length: next }, (_, i) => i));
    assert.equal(box.poll(), undefined);
  });

  test('refuses offers beyond capacity without dropping what it holds', () => {
    const box = new Mailbox<string>(2);
    assert.equal(box.offer('a'), true);
    assert.equal(box.offer('b'), true);
    assert.equal(box.isFull, true);
    assert.equal(box.offer('c'), false);
    assert.equal(box.size, 2);
    assert.equal(box.poll(), 'a');
    assert.equal(box.offer('d'), true);
    assert.deepEqual([box.poll(), box.poll()], ['b', 'd']);
  });

  test('defaults to unbounded and validates capacity', () => {
    assert.equal(new Mailbox().capacity, Infinity);
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      assert.throws(() => new Mailbox(bad), (e: unknown) => e instanceof ConfigError);
    }
  });

  test('take waits for the next offer', async () => {
    const box = new Mailbox<number>(4);
    const taken = box.take();
    assert.equal(box.offer(7), true);
    assert.equal(await taken, 7);
    assert.equal(box.size, 0);
  });

  test('close refuses offers, hands out what is left, then rejects take', async () => {
    const box = new Mailbox<number>(4);
    box.offer(1);
    box.close();
    box.close();
    assert.equal(box.closed, true);
    assert.equal(box.offer(2), false);
    assert.equal(await box.take(), 1);
    await assert.rejects(box.take(), (e: unknown) => e instanceof ClosedError);
  });

  test('close wakes a parked take with ClosedError', async () => {
    const box = new Mailbox<number>();
    const taken = box.take();
    box.close();
    await assert.rejects(taken, (e: unknown) => e instanceof ClosedError);
  });

  test('async iteration yields in order and ends on close', async () => {
    const box = new Mailbox<number>();
    box.offer(1);
    box.offer(2);
    const seen: number[] = [];
    const done = (async () => {
      for await (const m of box) seen.push(m);
    })();
    await new Promise((r) => setImmediate(r));
    box.offer(3);
    box.close();
    await done;
    assert.deepEqual(seen, [1, 2, 3]);
  });

  test('clear discards and counts', () => {
    const box = new Mailbox<number>(3);
    box.offer(1);
    box.offer(2);
    assert.equal(box.clear(), 2);
    assert.equal(box.size, 0);
    assert.equal(box.offer(3), true);
    assert.equal(box.poll(), 3);
  });
});
