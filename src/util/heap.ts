/**
 * An intrusive binary min-heap of deadlines: nodes are the caller's own records, ordered by
 * `at` and then by push order, and each knows its place (`heapIndex`), so pushing allocates
 * nothing and `remove` (an ack, a cancelled timer) is O(log n) instead of a scan. The clock
 * wiring lives in actors/timer-heap.ts.
 */
import type { Millis } from './time.ts';

export interface HeapNode {
  /** Due time, epoch ms. */
  at: Millis;
  /** Tie-break: nodes due at the same time come out in push order. */
  seq: number;
  /** Position in the heap; -1 when not in it. */
  heapIndex: number;
}

export class IndexedHeap<N extends HeapNode> {
  #nodes: N[] = [];
  #seq = 0;

  get size(): number {
    return this.#nodes.length;
  }

  /** The earliest node, if any. */
  peek(): N | undefined {
    return this.#nodes[0];
  }

  push(node: N, at: Millis): void {
    node.at = at;
    node.seq = this.#seq++;
    node.heapIndex = this.#nodes.length;
    this.#nodes.push(node);
    this.#up(node.heapIndex);
  }

  /** Moves a node already in the heap to a new due time (or pushes it if it is not in). */
  update(node: N, at: Millis): void {
    if (node.heapIndex < 0) {
      this.push(node, at);
      return;
    }
    const earlier = at < node.at;
    node.at = at;
    node.seq = this.#seq++;
    if (earlier) this.#up(node.heapIndex);
    else this.#down(node.heapIndex);
  }

  /** Takes a node out; a no-op when it is not in. */
  remove(node: N): void {
    const i = node.heapIndex;
    if (i < 0) return;
    node.heapIndex = -1;
    const last = this.#nodes.pop() as N;
    if (last !== node) {
      this.#nodes[i] = last;
      last.heapIndex = i;
      this.#up(i);
      this.#down(last.heapIndex);
    }
  }

  /** Takes out and returns the earliest node. */
  pop(): N | undefined {
    const top = this.#nodes[0];
    if (top !== undefined) this.remove(top);
    return top;
  }

  /** Takes out every node matching `pred` (O(n), for purge or revoke); returns them in time order. */
  removeWhere(pred: (node: N) => boolean): N[] {
    const removed: N[] = [];
    const kept: N[] = [];
    for (const node of this.#nodes) {
      if (pred(node)) {
        node.heapIndex = -1;
        removed.push(node);
      } else {
        node.heapIndex = kept.length;
        kept.push(node);
      }
    }
    if (removed.length === 0) return removed;
    this.#nodes = kept;
    for (let i = (kept.length >> 1) - 1; i >= 0; i--) this.#down(i);
    return removed.sort((a, b) => a.at - b.at || a.seq - b.seq);
  }

  /** Every node, unordered (for inspection). */
  nodes(): readonly N[] {
    return this.#nodes;
  }

  /** Forgets every node. */
  clear(): void {
    for (const node of this.#nodes) node.heapIndex = -1;
    this.#nodes = [];
  }

  #up(i: number): void {
    const nodes = this.#nodes;
    const node = nodes[i] as N;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = nodes[p] as N;
      if (less(parent, node)) break;
      nodes[i] = parent;
      parent.heapIndex = i;
      i = p;
    }
    nodes[i] = node;
    node.heapIndex = i;
  }

  #down(i: number): void {
    const nodes = this.#nodes;
    const n = nodes.length;
    const node = nodes[i] as N;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      const r = c + 1;
      if (r < n && less(nodes[r] as N, nodes[c] as N)) c = r;
      const child = nodes[c] as N;
      if (!less(child, node)) break;
      nodes[i] = child;
      child.heapIndex = i;
      i = c;
    }
    nodes[i] = node;
    node.heapIndex = i;
  }
}

function less(a: HeapNode, b: HeapNode): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}
