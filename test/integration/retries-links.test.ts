/** Task retries (self.retry, autoretryFor, limits) and link / linkError callbacks, end to end. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MaxRetriesExceededError } from 'celeriac';
import { add, mul, alwaysRetry, autoRetry, boom, onError, request, flaky } from '../fixtures/e2e-app.ts';
import { startWorker, useApp } from '../helpers/e2e.ts';

const app = useApp();

test('self.retry past maxRetries ends in MaxRetriesExceededError after maxRetries + 1 runs', async (t) => {
  await startWorker(t);
  const states: string[] = [];
  const r = await alwaysRetry.delay();
  const err = await r.get({ timeout: 10, propagate: false, onMessage: (m) => states.push(m.state) });
  assert.ok(err instanceof MaxRetriesExceededError, `got ${String(err)}`);
  assert.deepEqual(states, ['RETRY', 'RETRY', 'FAILURE']);
});

test('autoretryFor: retried, and when exhausted the final error is the original one (Celery #20)', async (t) => {
  await startWorker(t);
  const r = await autoRetry.delay();
  const err = (await r.get({ timeout: 10, propagate: false })) as Error;
  assert.equal(err.name, 'RangeError');
  assert.equal(err.message, 'always fails, attempt 2', 'three runs: retries 0, 1, 2');
});

test('a retry keeps the task id and counts retries in self.request', async (t) => {
  await startWorker(t);
  const r = await flaky.applyAsync([1], { taskId: 'flaky-fixed' });
  assert.equal(await r.get({ timeout: 10 }), 'ok after 1 retries');
  assert.equal(r.id, 'flaky-fixed');
});

test('self.request carries id, args, retries, hostname, queue and root/parent ids', async (t) => {
  const w = await startWorker(t);
  const r = await request.delay();
  const req = (await r.get({ timeout: 10 })) as Record<string, unknown>;
  assert.equal(req.id, r.id);
  assert.equal(req.rootId, r.id);
  assert.equal(req.parentId, null);
  assert.equal(req.retries, 0);
  assert.equal(req.hostname, w.hostname);
  assert.equal(req.queue, 'celery');
});

test('link: the callback receives the parent result; get() returns the parent value (16, not 64)', async (t) => {
  await startWorker(t);
  const r = await mul.applyAsync([4, 4], { link: mul.s(4) });
  assert.equal(await r.get({ timeout: 10 }), 16);
  const [child] = await r.children();
  assert.equal(await child!.get({ timeout: 10 }), 64);
  const childMeta = await (await app.backend())!.get(child!.id);
  assert.equal(childMeta?.parentId, r.id);
  assert.equal(childMeta?.rootId, r.id);
});

test('link with several callbacks, and an immutable si() callback ignores the parent result', async (t) => {
  await startWorker(t);
  const r = await add.applyAsync([2, 3], { link: [add.s(16), add.si(1, 1)] });
  assert.equal(await r.get({ timeout: 10 }), 5);
  const children = await r.children();
  assert.deepEqual(await Promise.all(children.map((c) => c.get({ timeout: 10 }))), [21, 2]);
});

test('linkError: the errback receives the failed task id first; success callbacks do not run', async (t) => {
  await startWorker(t);
  const errbackId = `errback-${Date.now()}`;
  const r = await boom.applyAsync(['linked failure'], { linkError: onError.s().set({ taskId: errbackId }), link: add.s(1) });
  await assert.rejects(r.get({ timeout: 10 }), (e: Error) => e.name === 'ValidationError');
  assert.equal(await app.asyncResult(errbackId).get({ timeout: 10 }), `handled ${r.id}`);
  const meta = await (await app.backend())!.get(errbackId);
  assert.equal(meta?.parentId, r.id);
  assert.deepEqual(await r.children(), [], 'no success callback ran');
});
