import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { SimulatedClock, systemClock } from '../../../src/actors/clock.ts';
import { TimerHeap } from '../../../src/actors/timer-heap.ts';
import type { Logger } from '../../../src/log/logger.ts';
import type { HeapNode } from '../../../src/util/heap.ts';

class Node implements HeapNode {
  at = 0;
  seq = 0;
  heapIndex = -1;
  constructor(readonly name: string) {}
}

describe('TimerHeap', () => {
  const setup = () => {
    const clock = new SimulatedClock(1_000);
    const fired: string[] = [];
    const heap = new TimerHeap<Node>(clock, (n) => fired.push(`${n.name}@${clock.now()}`));
    return { clock, fired, heap };
  };

  test('fires nodes in time order, equal times in push order, with one clock timer', () => {
    const { clock, fired, heap } = setup();
    const times = [50, 10, 30, 10, 70, 30, 20];
    times.forEach((dt, i) => heap.push(new Node(`n${i}`), 1_000 + dt));
    assert.equal(clock.pendingCount, 1);
    clock.advance(29);
    assert.deepEqual(fired, ['n1@1010', 'n3@1010', 'n6@1020']);
    clock.advance(100);
    assert.deepEqual(fired.slice(3), ['n2@1030', 'n5@1030', 'n0@1050', 'n4@1070']);
    assert.equal(heap.size, 0);
    assert.equal(clock.pendingCount, 0);
  });

  test('update moves a node, remove takes it out, and an earlier node re-arms the timer', () => {
    const { clock, fired, heap } = setup();
    const a = new Node('a');
    const b = new Node('b');
    const c = new Node('c');
    heap.push(a, 1_100);
    heap.push(b, 1_200);
    heap.push(c, 1_300);
    heap.update(a, 1_250); // later
    heap.update(c, 1_050); // earlier than the armed timer
    heap.remove(b);
    heap.remove(b); // twice is a no-op
    assert.equal(clock.pendingCount, 1);
    clock.advance(1_000);
    assert.deepEqual(fired, ['c@1050', 'a@1250']);
    assert.equal(b.heapIndex, -1);
  });

  test('a timer left armed after the heap empties fires harmlessly and re-arms for new nodes', () => {
    const { clock, fired, heap } = setup();
    const a = new Node('a');
    heap.push(a, 1_100);
    heap.remove(a);
    heap.push(new Node('b'), 1_500);
    clock.advance(200); // the stale timer fires: nothing due
    assert.deepEqual(fired, []);
    assert.equal(clock.pendingCount, 1);
    clock.advance(300);
    assert.deepEqual(fired, ['b@1500']);
  });

  test('removeWhere takes matching nodes out and keeps heap order for the rest', () => {
    const { clock, fired, heap } = setup();
    for (let i = 0; i < 50; i++) heap.push(new Node(`n${i}`), 1_000 + ((i * 37) % 50));
    const removed = heap.removeWhere((n) => Number(n.name.slice(1)) % 2 === 0);
    assert.equal(removed.length, 25);
    assert.ok(removed.every((n) => n.heapIndex === -1));
    clock.advance(100);
    const ats = fired.map((f) => Number(f.split('@')[1]));
    assert.equal(fired.length, 25);
    assert.deepEqual(ats, [...ats].sort((x, y) => x - y));
  });

  test('a throwing callback is logged and the other due nodes still fire', () => {
    const clock = new SimulatedClock(0);
    const errors: unknown[] = [];
    const logger = { error: (obj: unknown) => errors.push(obj) } as unknown as Logger;
    const fired: string[] = [];
    const heap = new TimerHeap<Node>(clock, (n) => {
      if (n.name === 'bad') throw new Error('boom');
      fired.push(n.name);
    }, logger);
    heap.push(new Node('bad'), 10);
    heap.push(new Node('good'), 10);
    clock.advance(10);
    assert.deepEqual(fired, ['good']);
    assert.equal(errors.length, 1);
  });

  test('close cancels the timer and forgets the nodes', () => {
    const { clock, fired, heap } = setup();
    const n = new Node('a');
    heap.push(n, 1_010);
    heap.close();
    assert.equal(clock.pendingCount, 0);
    assert.equal(n.heapIndex, -1);
    heap.push(new Node('b'), 1_020); // after close: kept but never armed
    clock.advance(100);
    assert.deepEqual(fired, []);
    assert.equal(clock.pendingCount, 0);
  });

  test('a deadline beyond the 24.8-day timer limit does not fire early or warn', async (t) => {
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    t.after(() => process.off('warning', onWarning));
    const fired: string[] = [];
    const heap = new TimerHeap<Node>(systemClock, (n) => fired.push(n.name));
    t.after(() => heap.close());
    heap.push(new Node('far'), Date.now() + 40 * 86_400_000);
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(fired, []);
    assert.deepEqual(warnings.map((w) => w.name), []);
  });
});
