/**
 * Controlling the threads pool: revoke (queued, in a batch, running with terminate), warm and
 * forced close, grow/shrink, autoscale, and a host that exits by itself afterwards.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { SimulatedClock } from '../../src/actors/clock.ts';
import type { ExecEvent } from '../../src/protocol/execution.ts';
import type { Pool } from '../../src/worker/pool/types.ts';
import { execRequest } from '../helpers/exec-request.ts';
import { Latch, waitFor } from '../helpers/latch.ts';
import { HeldTasks, THREADS_DEADLINE, counters, expectStatus, makePool, release } from './pool-support.ts';

/** Resolves when the task `id` sends its `started` event (needs trackStarted). */
function startedLatch(pool: Pool, id: string): Latch {
  const latch = new Latch(1, `started ${id}`);
  const off = pool.onEvent((ev: ExecEvent) => {
    if (ev.type === 'started' && ev.id === id) {
      off();
      latch.countDown();
    }
  });
  return latch;
}

describe('threads pool: revoke', () => {
  test('a task queued in the pool resolves revoked and never runs', async (t) => {
    const pool = makePool(t, { concurrency: 1 });
    await pool.start();
    const gate = counters();
    const first = execRequest('gate', [gate.sab, 60_000], { trackStarted: true });
    const started = startedLatch(pool, first.request.id);
    const holding = pool.run(first);
    await started.wait();
    const probe = counters();
    const victim = execRequest('concurrency', [probe.sab, 0]);
    const revoked = pool.run(victim);
    assert.equal(pool.queuedCount, 1, 'the only slot is taken');
    assert.equal(pool.revoke(victim.request.id, { terminate: false }), true);
    expectStatus(await revoked, 'revoked');
    release(gate.view);
    assert.equal(expectStatus(await holding, 'success').value, 'released');
    assert.equal(Atomics.load(probe.view, 2), 0, 'the revoked task never started');
    assert.equal(pool.revoke('unknown-id', { terminate: true }), false);
  });

  test('a task waiting in a batch is skipped by its thread; the others run', async (t) => {
    const pool = makePool(t, { concurrency: 1 });
    const gate = counters();
    const probe = counters();
    const first = execRequest('gate', [gate.sab, 60_000], { trackStarted: true });
    const victim = execRequest('concurrency', [probe.sab, 0]);
    const runs = [pool.run(first), pool.run(victim), pool.run(execRequest('add', [1, 1]))];
    const started = startedLatch(pool, first.request.id);
    await pool.start();
    await started.wait();
    assert.equal(pool.stats().batches, 1, 'the three tasks went as one batch');
    assert.equal(pool.revoke(victim.request.id, { terminate: false }), true);
    release(gate.view);
    const [a, b, c] = await Promise.all(runs);
    expectStatus(a!, 'success');
    expectStatus(b!, 'revoked');
    assert.equal(expectStatus(c!, 'success').value, 2);
    assert.equal(Atomics.load(probe.view, 2), 0, 'the revoked task never started');
  });

  test('revoke with terminate cuts a running task short; its batch-mates still run', async (t) => {
    const pool = makePool(t, { concurrency: 1 });
    const before = execRequest('add', [1, 0]);
    const victim = execRequest('hang', [], { trackStarted: true });
    const runs = [pool.run(before), pool.run(victim), pool.run(execRequest('add', [3, 0])), pool.run(execRequest('add', [4, 0]))];
    const started = startedLatch(pool, victim.request.id);
    await pool.start();
    await started.wait();
    assert.equal(pool.revoke(victim.request.id, { terminate: false }), false, 'running: only terminate stops it');
    assert.equal(pool.revoke(victim.request.id, { terminate: true }), true);
    const outcomes = await Promise.all(runs);
    assert.equal(expectStatus(outcomes[0]!, 'success').value, 1);
    assert.equal(expectStatus(outcomes[1]!, 'revoked').error.code, 'CELERIAC_TASK_REVOKED');
    assert.equal(expectStatus(outcomes[2]!, 'success').value, 3);
    assert.equal(expectStatus(outcomes[3]!, 'success').value, 4);
    assert.equal(expectStatus(await pool.run(execRequest('add', [5, 0])), 'success').value, 5);
  });
});

describe('threads pool: close', () => {
  test('warm close finishes running and queued tasks, then refuses new ones', async (t) => {
    const pool = makePool(t, { concurrency: 1 });
    await pool.start();
    const order: string[] = [];
    const running = pool.run(execRequest('sleep', [150])).then((o) => (order.push('running'), o));
    const queued = pool.run(execRequest('add', [1, 1])).then((o) => (order.push('queued'), o));
    await pool.close().then(() => order.push('closed'));
    assert.deepEqual(order, ['running', 'queued', 'closed']);
    expectStatus(await running, 'success');
    expectStatus(await queued, 'success');
    expectStatus(await pool.run(execRequest('add', [1, 1])), 'aborted');
    assert.equal(pool.close(), pool.close(), 'close() is memoised');
  });

  test('forced close aborts running and queued tasks', async (t) => {
    const pool = makePool(t, { concurrency: 1 });
    const running = execRequest('hang', [], { trackStarted: true });
    const started = startedLatch(pool, running.request.id);
    const a = pool.run(running);
    await pool.start();
    await started.wait();
    const b = pool.run(execRequest('add', [1, 1]));
    await pool.close({ force: true });
    expectStatus(await a, 'aborted');
    expectStatus(await b, 'aborted');
  });

  test('a warm close escalates to force', async (t) => {
    const pool = makePool(t, { concurrency: 1 });
    const running = execRequest('hang', [], { trackStarted: true });
    const started = startedLatch(pool, running.request.id);
    const a = pool.run(running);
    await pool.start();
    await started.wait();
    const warm = pool.close();
    const cold = pool.close({ force: true });
    await Promise.all([warm, cold]);
    expectStatus(await a, 'aborted');
  });

  test('the host process exits by itself, after close and without it', async () => {
    const script = fileURLToPath(new URL('../fixtures/pool-exit.ts', import.meta.url));
    for (const mode of ['close', 'no-close']) {
      const child = spawn(process.execPath, ['--import', 'tsx', script, mode], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      const code = await new Promise<number | null>((resolve) => {
        // Only against a hang: starting node, tsx and a thread takes seconds on a loaded machine.
        const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
        child.on('exit', (c) => {
          clearTimeout(timer);
          resolve(c);
        });
      });
      assert.equal(code, 0, `${mode}: exited by itself (output: ${out})`);
      assert.match(out, /result 5/);
    }
  });
});

describe('threads pool: size', () => {
  test('grow and shrink change how many tasks run at once', async (t) => {
    const pool = makePool(t, { concurrency: 1 });
    await pool.start();
    const one = new HeldTasks(t, pool, 3);
    await one.expectAtOnce(1);
    assert.equal(await one.release(), 1);
    pool.grow(2);
    assert.equal(pool.size, 3);
    const three = new HeldTasks(t, pool, 6);
    await three.expectAtOnce(3);
    assert.equal(await three.release(), 3);
    pool.shrink(2);
    assert.equal(pool.size, 1);
    const again = new HeldTasks(t, pool, 3);
    await again.expectAtOnce(1);
    assert.equal(await again.release(), 1);
    pool.shrink(5);
    assert.equal(pool.size, 1, 'a fixed pool never shrinks below 1');
  });

  test('growing starts the threads it needs at once, and no more than that', async (t) => {
    const pool = makePool(t, { concurrency: 1 });
    await pool.start();
    assert.equal(pool.stats().threads, 1);
    pool.grow(2);
    assert.equal(pool.stats().threads, 3, 'before any task asks for them');
    const held = new HeldTasks(t, pool, 6);
    await held.expectAtOnce(3);
    assert.equal(await held.release(), 3);
    assert.equal(pool.stats().threads, 3, 'no thread beyond the size');
  });

  test('threads lost or timed out idle come back when the size needs them', async (t) => {
    const pool = makePool(t, { concurrency: 1, idleTimeout: 100 });
    await pool.start();
    pool.grow(2);
    const o = expectStatus(await pool.run(execRequest('hang', [], { timeLimit: 0.1 })), 'failure');
    assert.equal(o.error.code, 'CELERIAC_TIME_LIMIT_EXCEEDED');
    assert.equal(pool.stats().threads, 3, 'the terminated thread was replaced at once');
    // Beyond Piscina's own minimum (the size at start), idle threads time out...
    await waitFor(() => pool.stats().threads === 1, { name: 'idle threads timed out', timeout: THREADS_DEADLINE });
    // ...and are started again as soon as tasks wait for them.
    const held = new HeldTasks(t, pool, 4);
    await held.expectAtOnce(3);
    assert.equal(await held.release(), 3);
    // Not `=== 3`: with this idleTimeout, a thread may already be timing out again.
    assert.ok(pool.stats().threads <= 3, `threads: ${pool.stats().threads}`);
  });

  test('autoscale grows at once under load and shrinks one step per tick after keepalive', async (t) => {
    const clock = new SimulatedClock(0);
    const pool = makePool(t, { concurrency: 1, autoscale: [3, 1], clock, autoscaleKeepalive: 1_000, autoscaleInterval: 100 });
    await pool.start();
    assert.deepEqual([pool.min, pool.size, pool.max], [1, 1, 3]);
    const held = new HeldTasks(t, pool, 6);
    assert.equal(pool.size, 3, 'grew with the queue, capped at max');
    assert.equal(pool.stats().threads, 3, 'and started its threads');
    await held.expectAtOnce(3);
    assert.equal(await held.release(), 3);
    clock.advance(999);
    assert.equal(pool.size, 3, 'still within keepalive');
    clock.advance(1);
    assert.equal(pool.size, 2);
    clock.advance(100);
    assert.equal(pool.size, 1);
    clock.advance(1_000);
    assert.equal(pool.size, 1, 'never below min');
    pool.autoscale(5, 2);
    assert.deepEqual([pool.min, pool.size, pool.max], [2, 2, 5]);
  });
});
