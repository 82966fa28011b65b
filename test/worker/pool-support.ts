/** Pools over test/fixtures/pool-app.ts, closed (forcefully) after each test that makes one. */
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createPool } from '../../src/worker/pool/create.ts';
import type { Pool, PoolOptions } from '../../src/worker/pool/types.ts';
import type { ExecOutcome } from '../../src/protocol/execution.ts';
import { APP_NAME } from '../fixtures/pool-app.ts';

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

/** An Int32 counter block for the 'concurrency' and 'gate' fixtures. */
export function counters(): { sab: SharedArrayBuffer; view: Int32Array } {
  const sab = new SharedArrayBuffer(16);
  return { sab, view: new Int32Array(sab) };
}

export function release(gate: Int32Array): void {
  Atomics.store(gate, 0, 1);
  Atomics.notify(gate, 0);
}
