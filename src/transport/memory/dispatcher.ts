/**
 * Schedules the memory broker's dispatch passes: a queue that got messages or credit is
 * marked dirty, and one microtask per burst runs a pass over the dirty queues. Deliveries so
 * leave after the current call returns (never re-entrantly inside publish() or request()),
 * and a pass that used its budget continues on the macrotask queue, so a hot queue whose
 * consumers settle synchronously cannot starve I/O.
 */

/** Deliveries handed over per pass before yielding to I/O. */
export const DISPATCH_BUDGET = 4096;

export interface Dispatchable {
  /** Waiting for a pass. */
  dirty: boolean;
  /** Inside a pass: more work found now is picked up by the running loop. */
  dispatching: boolean;
}

export class Dispatcher<Q extends Dispatchable> {
  #dirty: Q[] = [];
  #scheduled = false;
  #closed = false;
  readonly #pass: (q: Q, budget: number) => number;
  readonly #run = (): void => this.#runPass();

  /** `pass` hands over at most `budget` deliveries and returns the budget left. */
  constructor(pass: (q: Q, budget: number) => number) {
    this.#pass = pass;
  }

  /** The queue has work (messages or credit): schedule a pass on a microtask. */
  kick(q: Q): void {
    if (q.dispatching) return;
    this.#mark(q, false);
  }

  /** Continue the queue on the macrotask queue (its pass ran out of budget). */
  later(q: Q): void {
    this.#mark(q, true);
  }

  close(): void {
    this.#closed = true;
    for (const q of this.#dirty) q.dirty = false;
    this.#dirty = [];
  }

  #mark(q: Q, macro: boolean): void {
    if (q.dirty || this.#closed) return;
    q.dirty = true;
    this.#dirty.push(q);
    if (this.#scheduled) return;
    this.#scheduled = true;
    if (macro) setImmediate(this.#run);
    else queueMicrotask(this.#run);
  }

  #runPass(): void {
    this.#scheduled = false;
    const dirty = this.#dirty;
    this.#dirty = [];
    let budget = DISPATCH_BUDGET;
    for (const q of dirty) {
      q.dirty = false;
      if (this.#closed) continue;
      if (budget > 0) budget = this.#pass(q, budget);
      else this.later(q);
    }
  }
}
