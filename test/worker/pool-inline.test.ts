/**
 * The inline pool: tasks on the host's loop, at most `size` at once; hard limits and revoke
 * decide the outcome at once and abort the task's signal.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { SimulatedClock } from '../../src/actors/clock.ts';
import type { ExecEvent } from '../../src/protocol/execution.ts';
import { execRequest } from '../helpers/exec-request.ts';
import { HeldTasks, counters, expectStatus, makePool, release } from './pool-support.ts';

describe('inline pool', () => {
  test('runs tasks with their results, errors and events in order', async (t) => {
    const pool = makePool(t, { kind: 'inline', concurrency: 2 });
    await pool.start();
    assert.equal(pool.implementation, 'inline');
    assert.equal(expectStatus(await pool.run(execRequest('add', [2, 5])), 'success').value, 7);
    assert.equal(expectStatus(await pool.run(execRequest('fail', ['x'])), 'failure').error.name, 'FixtureError');
    assert.equal(expectStatus(await pool.run(execRequest('nope')), 'failure').error.code, 'CELERIAC_NOT_REGISTERED');
    const exec = execRequest('progress', [2], { trackStarted: true });
    const seen: string[] = [];
    const off = pool.onEvent((ev: ExecEvent) => seen.push(ev.type));
    expectStatus(await pool.run(exec), 'success');
    off();
    assert.deepEqual(seen, ['started', 'state', 'state']);
    assert.deepEqual(pool.stats().threads, 0);
  });

  test('runs at most `size` tasks at once; grow raises it', async (t) => {
    const pool = makePool(t, { kind: 'inline', concurrency: 2 });
    const two = new HeldTasks(t, pool, 5);
    await two.expectAtOnce(2);
    assert.equal(await two.release(), 2);
    pool.grow(2);
    const four = new HeldTasks(t, pool, 8);
    await four.expectAtOnce(4);
    assert.equal(await four.release(), 4);
  });

  test('a hard limit decides TimeLimitExceeded at the deadline and aborts the task signal', async (t) => {
    const clock = new SimulatedClock(0);
    const pool = makePool(t, { kind: 'inline', concurrency: 1, clock });
    const slow = pool.run(execRequest('soft-catch', [60_000], { timeLimit: 2 }));
    const next = pool.run(execRequest('add', [1, 1]));
    await new Promise((r) => setImmediate(r));
    clock.advance(2_000);
    const o = expectStatus(await slow, 'failure');
    assert.equal(o.error.code, 'CELERIAC_TIME_LIMIT_EXCEEDED');
    assert.equal(o.runtime, 2);
    assert.equal(expectStatus(await next, 'success').value, 2, 'the slot was freed');
  });

  test('revoke: queued never runs; running with terminate ends revoked', async (t) => {
    const pool = makePool(t, { kind: 'inline', concurrency: 1 });
    const gate = counters();
    const running = execRequest('gate', [gate.sab, 60_000]);
    const holding = pool.run(running);
    const probe = counters();
    const queued = execRequest('concurrency', [probe.sab, 0]);
    const revoked = pool.run(queued);
    assert.equal(pool.revoke(queued.request.id, { terminate: false }), true);
    expectStatus(await revoked, 'revoked');
    assert.equal(pool.revoke(running.request.id, { terminate: false }), false);
    assert.equal(pool.revoke(running.request.id, { terminate: true }), true);
    expectStatus(await holding, 'revoked');
    release(gate.view);
    assert.equal(Atomics.load(probe.view, 2), 0);
  });

  test('forced close aborts what runs and waits; warm close lets it finish', async (t) => {
    const pool = makePool(t, { kind: 'inline', concurrency: 1 });
    const gate = counters();
    const a = pool.run(execRequest('gate', [gate.sab, 60_000]));
    const b = pool.run(execRequest('add', [1, 1]));
    await pool.close({ force: true });
    expectStatus(await a, 'aborted');
    expectStatus(await b, 'aborted');
    release(gate.view);

    const warm = makePool(t, { kind: 'inline', concurrency: 1 });
    const c = warm.run(execRequest('sleep', [20]));
    await warm.close();
    assert.equal(expectStatus(await c, 'success').value, 20);
  });

  test('imports the app module when a task is not registered in the host yet', async (t) => {
    const appModule = new URL('../fixtures/pool-app-lazy.ts', import.meta.url).href;
    const pool = makePool(t, { kind: 'inline', concurrency: 1, appModule, appName: 'lazy-fixtures' });
    assert.equal(expectStatus(await pool.run(execRequest('mul', [6, 7])), 'success').value, 42);
  });
});
