/**
 * The threads pool running the fixture app on real threads: results, the bound request, events,
 * errors, retries, soft limits, and batching.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { ExecEvent } from '../../src/protocol/execution.ts';
import type { Pool } from '../../src/worker/pool/types.ts';
import { execRequest } from '../helpers/exec-request.ts';
import { expectStatus, makePool } from './pool-support.ts';

describe('threads pool: tasks', () => {
  let pool: Pool;
  before(async () => {
    pool = makePool(null, { concurrency: 2 });
    await pool.start();
  });
  after(() => pool.close());

  test('start() warms the threads with the app module', () => {
    const s = pool.stats();
    assert.equal(s.implementation, 'threads');
    assert.equal(s.size, 2);
    assert.ok(s.threads >= 2, `threads: ${s.threads}`);
  });

  test('a plain task returns its value', async () => {
    const o = expectStatus(await pool.run(execRequest('add', [2, 3])), 'success');
    assert.equal(o.value, 5);
    assert.ok(o.runtime >= 0);
  });

  test('a bound task reads self.request, and kwargs arrive as the last argument', async () => {
    const exec = execRequest('request', [1, 'a'], { request: { retries: 2 } });
    const o = expectStatus(await pool.run(exec), 'success');
    assert.deepEqual(o.value, {
      id: exec.request.id,
      task: 'request',
      retries: 2,
      args: [1, 'a'],
      kwargs: {},
      hostname: 'celery@test',
    });
    const kw = expectStatus(await pool.run(execRequest('echo', [1], { request: { kwargs: { k: 'v' } } })), 'success');
    assert.deepEqual(kw.value, [1, { k: 'v' }]);
  });

  test('started and updateState events arrive in order, before the outcome', async () => {
    const exec = execRequest('progress', [3], { trackStarted: true });
    const seen: ExecEvent[] = [];
    const off = pool.onEvent((ev) => {
      if (ev.id === exec.request.id) seen.push(ev);
    });
    const o = await pool.run(exec);
    const atOutcome = seen.length;
    off();
    assert.equal(expectStatus(o, 'success').value, 'done 3');
    assert.equal(atOutcome, 4, 'every event was delivered before the outcome');
    assert.equal(seen[0]!.type, 'started');
    assert.deepEqual(
      seen.slice(1).map((ev) => (ev.type === 'state' ? ev.meta : null)),
      [1, 2, 3].map((current) => ({ current, total: 3 })),
    );
  });

  test('an Error subclass keeps its name, message, stack and fields', async () => {
    const o = expectStatus(await pool.run(execRequest('fail', ['bad input'])), 'failure');
    assert.equal(o.error.name, 'FixtureError');
    assert.equal(o.error.message, 'bad input');
    assert.match(o.error.stack ?? '', /pool-app/);
    assert.deepEqual(o.error.data, { detail: 'kept' });
  });

  test('a non-Error throw is wrapped and readable', async () => {
    const o = expectStatus(await pool.run(execRequest('fail-non-error')), 'failure');
    assert.equal(o.error.name, 'NonErrorThrown');
    assert.deepEqual(o.error.data?.['value'], { reason: 'plain object', code: 42 });
  });

  test('an unknown task fails NotRegistered', async () => {
    const o = expectStatus(await pool.run(execRequest('no.such.task')), 'failure');
    assert.equal(o.error.code, 'CELERIAC_NOT_REGISTERED');
  });

  test('self.retry asks for a retry until it succeeds', async () => {
    const first = expectStatus(await pool.run(execRequest('retry-self', [1])), 'retry');
    assert.equal(first.countdown, 1);
    assert.equal(first.error.name, 'FlakyError');
    const second = await pool.run(execRequest('retry-self', [1], { request: { retries: 1 } }));
    assert.equal(expectStatus(second, 'success').value, 'ok after 1');
  });

  test('autoretryFor retries, and once exhausted fails with the original error', async () => {
    for (const retries of [0, 1]) {
      const o = expectStatus(await pool.run(execRequest('autoretry', [retries], { request: { retries } })), 'retry');
      assert.equal(o.countdown, 0.5);
    }
    const last = expectStatus(await pool.run(execRequest('autoretry', [2], { request: { retries: 2 } })), 'failure');
    assert.equal(last.error.name, 'FlakyError');
  });

  test('soft limit: a task that catches it succeeds, one that does not fails SoftTimeLimitExceeded', async () => {
    const [caught, failed] = await Promise.all([
      pool.run(execRequest('soft-catch', [5_000], { softTimeLimit: 0.05 })),
      pool.run(execRequest('soft-ignore', [5_000], { softTimeLimit: 0.05 })),
    ]);
    assert.equal(expectStatus(caught, 'success').value, 'caught SoftTimeLimitExceeded');
    assert.equal(expectStatus(failed, 'failure').error.code, 'CELERIAC_SOFT_TIME_LIMIT_EXCEEDED');
  });

  test('a value msgpack cannot carry becomes a failure, not a lost task', async () => {
    // A 71-bit BigInt crosses into the thread (structured clone) but not into msgpack.
    const o = expectStatus(await pool.run(execRequest('echo', [1n << 70n])), 'failure');
    assert.equal(o.error.name, 'RangeError');
    expectStatus(await pool.run(execRequest('add', [1, 1])), 'success');
  });
});

describe('threads pool: batching', () => {
  test('a deep queue goes to threads in batches, with every result exact', async (t) => {
    const pool = makePool(t, { concurrency: 2 });
    const runs = Array.from({ length: 400 }, (_, i) => pool.run(execRequest('add', [i, 1])));
    await pool.start();
    const outcomes = await Promise.all(runs);
    outcomes.forEach((o, i) => assert.equal(expectStatus(o, 'success').value, i + 1));
    const s = pool.stats();
    assert.ok(s.batches < 40, `batches: ${s.batches}`);
    assert.ok(s.avgBatch > 10, `avgBatch: ${s.avgBatch}`);
    assert.equal(s.processed, 400);
  });

  test('one task at a time when the queue is shallow', async (t) => {
    const pool = makePool(t, { concurrency: 2 });
    await pool.start();
    for (let i = 0; i < 5; i++) expectStatus(await pool.run(execRequest('add', [i, i])), 'success');
    assert.equal(pool.stats().batches, 5);
    assert.equal(pool.stats().avgBatch, 1);
  });

  test('outcomes that overflow the batch buffer end the batch early; the rest requeue and succeed', async (t) => {
    const pool = makePool(t, { concurrency: 1, batchBufferBytes: 4096 });
    const runs = Array.from({ length: 10 }, (_, i) => pool.run(execRequest('big', [1500 + i])));
    await pool.start();
    const outcomes = await Promise.all(runs);
    outcomes.forEach((o, i) => assert.equal((expectStatus(o, 'success').value as string).length, 1500 + i));
    assert.ok(pool.stats().batches > 1, 'the buffer filled up and the batch was split');
  });
});
