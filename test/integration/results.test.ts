/** Results and states, end to end: what get(), state(), info() and onMessage report. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TimeoutError, type ResultMessage } from 'celeriac';
import { add, flaky, progress, quiet, sleep, boom, ValidationError } from '../fixtures/e2e-app.ts';
import { startWorker, useApp } from '../helpers/e2e.ts';

const app = useApp();

test('an unknown id is PENDING, not ready, and get() times out with TimeoutError', async () => {
  const r = app.asyncResult('00000000-dead-beef-0000-000000000000');
  assert.equal(await r.state(), 'PENDING');
  assert.equal(await r.ready(), false);
  const info = await r.info();
  assert.equal(info.state, 'PENDING');
  assert.equal(info.result, null);
  await assert.rejects(r.get({ timeout: 0.1 }), (e: Error) => e instanceof TimeoutError && (e as TimeoutError).code === 'CELERIAC_TIMEOUT');
});

test('STARTED only with trackStarted; onMessage sees every change after PENDING, in order, once', async (t) => {
  await startWorker(t);
  const seen: ResultMessage[] = [];
  const r = await progress.delay(3);
  const value = await r.get({ timeout: 10, onMessage: (m) => seen.push(m) });
  assert.equal(value, 'done 3');
  assert.deepEqual(
    seen.map((m) => m.state),
    ['STARTED', 'PROGRESS', 'PROGRESS', 'PROGRESS', 'SUCCESS'],
  );
  assert.deepEqual(seen[1]!.meta, { current: 1, total: 3 });
  assert.deepEqual(seen[3]!.meta, { current: 3, total: 3 });
  assert.ok(seen.every((m) => m.taskId === r.id));
  // Without trackStarted a running task stays PENDING until it ends.
  const s = await sleep.delay(300);
  await new Promise((res) => setTimeout(res, 100));
  assert.equal(await s.state(), 'PENDING');
  await s.get({ timeout: 10 });
});

test('retries show as RETRY then SUCCESS, with the attempts counted', async (t) => {
  await startWorker(t);
  const states: string[] = [];
  const r = await flaky.delay(2);
  const value = await r.get({ timeout: 10, onMessage: (m) => states.push(m.state) });
  assert.equal(value, 'ok after 2 retries');
  assert.deepEqual(states.filter((s) => s !== 'STARTED'), ['RETRY', 'RETRY', 'SUCCESS']);
});

test('a failure: get() rejects with the task error; propagate: false resolves to it; traceback is remote', async (t) => {
  await startWorker(t);
  const r = await boom.delay('bad value');
  const err = (await r.get({ timeout: 10, propagate: false })) as Error & { traceback: string; field: string };
  assert.equal(err.name, 'ValidationError');
  assert.equal(err.message, 'bad value');
  assert.equal(err.field, 'x', 'own fields of the error survive');
  assert.ok(!(err instanceof ValidationError), 'a user class is rebuilt by name, not by prototype');
  assert.match(err.traceback, /ValidationError: bad value/);
  assert.match(err.traceback, /e2e-app\.ts/);
  await assert.rejects(r.get({ timeout: 1 }), (e: Error) => e.name === 'ValidationError' && e.message === 'bad value');
  assert.equal(await r.state(), 'FAILURE');
  assert.equal(await r.failed(), true);
  assert.match(String(await r.traceback()), /ValidationError/);
  const info = await r.info();
  assert.equal(info.state, 'FAILURE');
  assert.ok(info.dateDone instanceof Date);
});

test('ignoreResult: the task runs, the state stays PENDING, get() resolves undefined at once', async (t) => {
  await startWorker(t);
  const r = await quiet.delay(7);
  assert.equal(await r.get({ timeout: 1 }), undefined);
  const r2 = await add.applyAsync([1, 1], { ignoreResult: true });
  assert.equal(await r2.get(), undefined);
  // Proof it ran: a normal call queued behind it on the same worker completes.
  assert.equal(await (await add.delay(1, 2)).get({ timeout: 10 }), 3);
  assert.equal(await app.asyncResult(r.id).state(), 'PENDING');
});

test('forget removes the stored result', async (t) => {
  await startWorker(t);
  const r = await add.delay(5, 5);
  assert.equal(await r.get({ timeout: 10 }), 10);
  await r.forget();
  assert.equal(await r.state(), 'PENDING');
});

test('children: a linked task is listed among the parent result children', async (t) => {
  await startWorker(t);
  const r = await add.applyAsync([2, 2], { link: add.s(16) });
  assert.equal(await r.get({ timeout: 10 }), 4, 'get() returns the parent value, not the callback one');
  let children = await r.children();
  assert.equal(children.length, 1);
  assert.equal(await children[0]!.get({ timeout: 10 }), 20);
  children = await r.children();
  assert.equal(children.length, 1);
});
