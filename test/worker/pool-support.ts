/** Pools over test/fixtures/pool-app.ts, closed (forcefully) after each test that makes one. */
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createPool } from '../../src/worker/pool/create.ts';
import type { Pool, PoolOptions } from '../../src/worker/pool/types.ts';
import type { ExecOutcome } from '../../src/protocol/execution.ts';
import type { Millis } from '../../src/util/time.ts';
import { APP_NAME } from '../fixtures/pool-app.ts';
import { execRequest } from '../helpers/exec-request.ts';
import { waitFor } from '../helpers/latch.ts';

export const APP_MODULE = new URL('../fixtures/pool-app.ts', import.meta.url).href;

export function makePool(t: TestContext | null, over: Partial<PoolOptions> = {}): Pool {
  const pool = createPool({ kind: 'threads', concurrency: 2, appModule: APP_MODULE, appName: APP_NAME, ...over });
  t?.after(() => pool.close({ force: true }));
  return pool;
}

export function expectStatus<S extends ExecOutcome['status']>(
  o: ExecOutcome,
  status: S,
): Extract<ExecOutcome, { status: S }> {
  assert.equal(o.status, status, `expected ${status}, got ${JSON.stringify(o)}`);
  return o as Extract<ExecOutcome, { status: S }>;
}

/** An Int32 counter block for the 'concurrency', 'gate' and 'hold' fixtures. */
export function counters(): { sab: SharedArrayBuffer; view: Int32Array } {
  const sab = new SharedArrayBuffer(16);
  return { sab, view: new Int32Array(sab) };
}

export function release(gate: Int32Array): void {
  Atomics.store(gate, 0, 1);
  Atomics.notify(gate, 0);
}

/**
 * How long a test waits for threads to start (or to time out idle, which follows their start):
 * a new thread takes a while under tsx, seconds on a heavily loaded machine. Only a failing
 * test waits this long.
 */
export const THREADS_DEADLINE: Millis = 30_000;
/** How long `expectAtOnce` then watches for one task too many starting. */
const SETTLE: Millis = 150;
/** The fixture's own limit on holding: far beyond any test, it only bounds a leak. */
const HOLD_LIMIT: Millis = 60_000;

/**
 * `n` 'hold' tasks, each running until `release()`: capacity is measured by how many run at
 * once while they hold, never by how long anything takes. Released after the test regardless.
 */
export class HeldTasks {
  readonly runs: Array<Promise<ExecOutcome>>;
  readonly #view: Int32Array;

  constructor(t: TestContext, pool: Pool, n: number) {
    const { sab, view } = counters();
    this.#view = view;
    this.runs = Array.from({ length: n }, () => pool.run(execRequest('hold', [sab, HOLD_LIMIT])));
    t.after(() => this.#open());
  }

  /** Tasks that have started so far (the held ones, then those after them). */
  get started(): number {
    return Atomics.load(this.#view, 2);
  }

  /**
   * Waits until `n` of them run at once, then checks that no other one starts while they hold
   * (the pool allows `n` at once, not more).
   */
  async expectAtOnce(n: number): Promise<void> {
    await waitFor(() => this.started >= n, { timeout: THREADS_DEADLINE, name: `${n} held tasks running at once` });
    await new Promise((r) => setTimeout(r, SETTLE));
    assert.equal(this.started, n, `exactly ${n} started while they held`);
    assert.equal(Atomics.load(this.#view, 0), n, `${n} running at once`);
  }

  /** Lets them all end; every one succeeds. Returns the most that ever ran at once. */
  async release(): Promise<number> {
    this.#open();
    for (const o of await Promise.all(this.runs)) assert.equal(expectStatus(o, 'success').value, 'released');
    return Atomics.load(this.#view, 1);
  }

  #open(): void {
    Atomics.store(this.#view, 3, 1);
    Atomics.notify(this.#view, 3);
  }
}
