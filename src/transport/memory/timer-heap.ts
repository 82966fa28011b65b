/**
 * One timer structure for many deadlines: a binary min-heap of nodes ordered by `at` (then by
 * insertion), with a single clock timer armed for the earliest. Delayed messages, visibility
 * deadlines and result TTLs all live here instead of a `setTimeout` each, so a million held
 * messages cost one timer. Nodes are the caller's own records (they carry `at`, `seq` and
 * `heapIndex`), so pushing allocates nothing, and `remove` is O(log n) for an ack.
 */
import type { Clock, TimerHandle } from '../../actors/clock.ts';
import type { Logger } from '../../log/logger.ts';
import type { Millis } from '../../util/time.ts';

export interface HeapNode {
  /** Due time, epoch ms of the heap's clock. */
  at: Millis;
  /** Tie-break: nodes due at the same time come out in push order. */
  seq: number;
  /** Position in the heap; -1 when not in it. */
  heapIndex: number;
}

/**
 * Node's `setTimeout` fires after 1 ms for delays above 2^31-1 ms (with a warning): arm the
 * timer for at most this long and re-arm when it fires early.
 */
const MAX_TIMER: Millis = 2 ** 31 - 1;

export class TimerHeap<N extends HeapNode> {
  readonly #clock: Clock;
  readonly #onDue: (node: N) => void;
  readonly #log: Logger | undefined;
  #nodes: N[] = [];
  #seq = 0;
  #timer: TimerHandle | null = null;
  #timerAt = Infinity;
  #closed = false;
  readonly #fire = (): void => this.#onTimer();

  /** `onDue` is called once per node that falls due, in time order, after it left the heap. */
  constructor(clock: Clock, onDue: (node: N) => void, logger?: Logger) {
    this.#clock = clock;
    this.#onDue = onDue;
    this.#log = logger;
  }

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
    if (node.heapIndex === 0) this.#arm();
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
    if (this.#nodes[0] === node) this.#arm();
  }

  /**
   * Takes a node out; a no-op when it is not in. The timer stays armed even when the heap
   * empties: an ack usually removes the only deadline and the next delivery adds one, and
   * cancelling and re-creating a timer per message costs more than one idle wake-up.
   */
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

  /** Takes out every node matching `pred` (O(n), for purge); returns them in heap order. */
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

  /** Stops the timer and forgets every node. */
  close(): void {
    this.#closed = true;
    this.#disarm();
    for (const node of this.#nodes) node.heapIndex = -1;
    this.#nodes = [];
  }

  #arm(): void {
    if (this.#closed) return;
    const top = this.#nodes[0];
    if (top === undefined) return;
    // An armed timer due no later than the top is good enough: it re-arms when it fires.
    if (this.#timer !== null && this.#timerAt <= top.at) return;
    this.#disarm();
    const wait = Math.min(Math.max(0, top.at - this.#clock.now()), MAX_TIMER);
    this.#timerAt = top.at;
    this.#timer = this.#clock.setTimeout(this.#fire, wait);
  }

  #disarm(): void {
    if (this.#timer !== null) {
      this.#timer.cancel();
      this.#timer = null;
    }
    this.#timerAt = Infinity;
  }

  #onTimer(): void {
    this.#timer = null;
    this.#timerAt = Infinity;
    const now = this.#clock.now();
    for (;;) {
      const top = this.#nodes[0];
      if (top === undefined || top.at > now || this.#closed) break;
      this.remove(top);
      try {
        this.#onDue(top);
      } catch (err) {
        // A timer callback must never throw into the host's event loop.
        this.#log?.error({ err }, 'timer heap callback failed');
      }
    }
    this.#arm();
  }

  #up(i: number): void {
    const nodes = this.#nodes;
    const node = nodes[i] as N;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = nodes[p] as N;
      if (parent.at < node.at || (parent.at === node.at && parent.seq < node.seq)) break;
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
