/**
 * Tasks that kill or hang their thread: each costs at most its own thread; the pool replaces it
 * and keeps serving, and the other tasks of a batch keep their exact outcomes.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execRequest } from '../helpers/exec-request.ts';
import { expectStatus, makePool } from './pool-support.ts';

describe('threads pool: failure modes', () => {
  test('a hanging sync task hits its hard limit (TimeLimitExceeded) and the pool keeps serving', async (t) => {
    const pool = makePool(t, { concurrency: 1 });
    await pool.start();
    const started = Date.now();
    const o = expectStatus(await pool.run(execRequest('hang', [], { timeLimit: 0.2 })), 'failure');
    assert.equal(o.error.code, 'CELERIAC_TIME_LIMIT_EXCEEDED');
    assert.ok(Date.now() - started >= 190, 'not before its limit');
    assert.ok(o.runtime >= 0.19, `runtime ${o.runtime}`);
    assert.equal(expectStatus(await pool.run(execRequest('add', [1, 2])), 'success').value, 3);
  });

  test('process.exit() in a task is WorkerLostError and the pool recovers', async (t) => {
    const pool = makePool(t, { concurrency: 1 });
    await pool.start();
    const o = expectStatus(await pool.run(execRequest('exit')), 'failure');
    assert.equal(o.error.code, 'CELERIAC_WORKER_LOST');
    assert.match(o.error.message, /exited/);
    assert.equal(expectStatus(await pool.run(execRequest('add', [2, 2])), 'success').value, 4);
  });

  test('allocating past maxMemoryMb is WorkerLostError and the pool recovers', async (t) => {
    const pool = makePool(t, { concurrency: 1, maxMemoryMb: 64 });
    await pool.start();
    const o = expectStatus(await pool.run(execRequest('oom')), 'failure');
    assert.equal(o.error.code, 'CELERIAC_WORKER_LOST');
    assert.equal(expectStatus(await pool.run(execRequest('add', [3, 3])), 'success').value, 6);
  });

  test('an uncaught error thrown from a timer in a task is WorkerLostError and the pool recovers', async (t) => {
    const pool = makePool(t, { concurrency: 1 });
    await pool.start();
    const o = expectStatus(await pool.run(execRequest('timer-throw')), 'failure');
    assert.equal(o.error.code, 'CELERIAC_WORKER_LOST');
    assert.equal(expectStatus(await pool.run(execRequest('add', [4, 4])), 'success').value, 8);
  });

  test('in a batch, task k hangs past its limit: before k keep results, k fails, after k still run', async (t) => {
    const pool = makePool(t, { concurrency: 1 });
    const k = 7;
    const runs = Array.from({ length: 20 }, (_, i) =>
      pool.run(i === k ? execRequest('hang', [], { timeLimit: 0.2 }) : execRequest('add', [i, 100], { timeLimit: 5 })),
    );
    // Queued before the threads are ready, so they leave as one batch.
    await pool.start();
    const outcomes = await Promise.all(runs);
    outcomes.forEach((o, i) => {
      if (i === k) assert.equal(expectStatus(o, 'failure').error.code, 'CELERIAC_TIME_LIMIT_EXCEEDED');
      else assert.equal(expectStatus(o, 'success').value, i + 100);
    });
    const s = pool.stats();
    assert.ok(s.batches <= 3, `batched: ${s.batches} runs for 20 tasks`);
    assert.equal(s.processed, 20);
    assert.equal(expectStatus(await pool.run(execRequest('add', [1, 1])), 'success').value, 2);
  });

  test('a thread dying mid-batch: earlier outcomes stand, the rest requeue and succeed', async (t) => {
    const pool = makePool(t, { concurrency: 1 });
    const runs = [0, 1, 2].map((i) => pool.run(execRequest('add', [i, 0])));
    runs.push(pool.run(execRequest('exit')));
    for (const i of [4, 5, 6]) runs.push(pool.run(execRequest('add', [i, 0])));
    await pool.start();
    const outcomes = await Promise.all(runs);
    outcomes.forEach((o, i) => {
      if (i === 3) assert.equal(expectStatus(o, 'failure').error.code, 'CELERIAC_WORKER_LOST');
      else assert.equal(expectStatus(o, 'success').value, i);
    });
    assert.ok(pool.stats().batches <= 3);
  });

  test('an app module that fails to load: start() rejects and every task fails with the load error', async (t) => {
    const appModule = new URL('../fixtures/pool-app-broken.ts', import.meta.url).href;
    const pool = makePool(t, { concurrency: 1, appModule });
    const run = pool.run(execRequest('add', [1, 1]));
    await assert.rejects(pool.start(), (err: unknown) => err instanceof Error && err.name === 'AppLoadError');
    assert.equal(expectStatus(await run, 'failure').error.name, 'AppLoadError');
  });
});
