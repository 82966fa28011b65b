import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { type HeapNode, IndexedHeap } from '../../../src/util/heap.ts';

class Node implements HeapNode {
  at = 0;
  seq = 0;
  heapIndex = -1;
  constructor(readonly name: string) {}
}

const popAll = (heap: IndexedHeap<Node>): string[] => {
  const out: string[] = [];
  for (let n = heap.pop(); n !== undefined; n = heap.pop()) out.push(n.name);
  return out;
};

describe('IndexedHeap', () => {
  test('pops in time order, equal times in push order', () => {
    const heap = new IndexedHeap<Node>();
    [50, 10, 30, 10, 70, 30, 20].forEach((at, i) => heap.push(new Node(`n${i}`), at));
    assert.equal(heap.size, 7);
    assert.equal(heap.peek()?.name, 'n1');
    assert.deepEqual(popAll(heap), ['n1', 'n3', 'n6', 'n2', 'n5', 'n0', 'n4']);
    assert.equal(heap.pop(), undefined);
  });

  test('update moves a node either way (an update counts as a new push for ties); remove is idempotent', () => {
    const heap = new IndexedHeap<Node>();
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((s) => new Node(s)) as [Node, Node, Node, Node];
    heap.push(a, 100);
    heap.push(b, 200);
    heap.push(c, 300);
    heap.update(a, 250); // later
    heap.update(c, 50); // earlier
    heap.update(d, 200); // not in: pushed, after b at the same time
    heap.remove(b);
    heap.remove(b);
    assert.equal(b.heapIndex, -1);
    assert.deepEqual(popAll(heap), ['c', 'd', 'a']);
    assert.ok([a, c, d].every((n) => n.heapIndex === -1));
  });

  test('removeWhere returns the matching nodes in time order and keeps the heap valid', () => {
    const heap = new IndexedHeap<Node>();
    for (let i = 0; i < 50; i++) heap.push(new Node(`n${i}`), (i * 37) % 50);
    const removed = heap.removeWhere((n) => Number(n.name.slice(1)) % 2 === 0);
    assert.equal(removed.length, 25);
    assert.ok(removed.every((n) => n.heapIndex === -1));
    assert.deepEqual(removed.map((n) => n.at), removed.map((n) => n.at).sort((x, y) => x - y));
    assert.ok(heap.nodes().every((n, i) => n.heapIndex === i));
    const ats = popAll(heap).map((name) => (Number(name.slice(1)) * 37) % 50);
    assert.deepEqual(ats, [...ats].sort((x, y) => x - y));
  });

  test('clear forgets every node', () => {
    const heap = new IndexedHeap<Node>();
    const n = new Node('a');
    heap.push(n, 1);
    heap.clear();
    assert.equal(heap.size, 0);
    assert.equal(n.heapIndex, -1);
    heap.remove(n); // no-op
    assert.equal(heap.size, 0);
  });

  test('matches a sorted list under a random mix of push, update, remove and pop', () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    const heap = new IndexedHeap<Node>();
    const nodes = Array.from({ length: 200 }, (_, i) => new Node(`n${i}`));
    const inHeap = new Set<Node>();
    for (let step = 0; step < 5_000; step++) {
      const node = nodes[Math.floor(rand() * nodes.length)]!;
      const r = rand();
      if (r < 0.5) {
        heap.update(node, Math.floor(rand() * 100)); // a push when it is not in
        inHeap.add(node);
      } else if (r < 0.75) {
        heap.remove(node);
        inHeap.delete(node);
      } else {
        const expected = [...inHeap].sort((x, y) => x.at - y.at || x.seq - y.seq)[0];
        assert.equal(heap.pop(), expected);
        if (expected !== undefined) inHeap.delete(expected);
      }
      assert.equal(heap.size, inHeap.size);
    }
  });
});
