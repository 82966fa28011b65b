/**
 * Bad input and bad tasks: each kills at most its own thread, ends in a clear state, and the
 * worker keeps serving — a crashing, hanging, exiting or memory-hungry task, a non-Error throw,
 * an unknown task, a malformed message, a disallowed content type.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ContentDisallowed, MessageDecodeError, NotRegistered, SoftTimeLimitExceeded, TimeLimitExceeded, WorkerLostError } from 'celeriac';
import { add, hang, exitThread, hog, soft, throwString } from '../fixtures/e2e-app.ts';
import { startWorker, useApp } from '../helpers/e2e.ts';
import { uniqueName } from '../helpers/ns.ts';
import { pack, unpack } from 'msgpackr';
import { encodeTask } from '../../src/protocol/wire.ts';
import { fromCeleryEnvelope, toCeleryEnvelope } from '../../src/protocol/frame.ts';
import { newTaskMessage } from '../../src/protocol/task-message-defaults.ts';

const app = useApp();

async function stillServing(): Promise<void> {
  assert.equal(await (await add.delay(20, 22)).get({ timeout: 15 }), 42, 'the worker still serves');
}

test('a task throwing a non-Error ends FAILURE with the value wrapped and readable', async (t) => {
  await startWorker(t);
  const err = (await (await throwString.delay()).get({ timeout: 10, propagate: false })) as Error;
  assert.equal(err.name, 'NonErrorThrown');
  assert.match(err.message, /not an Error/);
  assert.deepEqual((err as Error & { value: unknown }).value, { reason: 'not an Error', code: 7 });
  await stillServing();
});

test('a hanging task hits its hard time limit: TimeLimitExceeded, a fresh thread takes its place', async (t) => {
  await startWorker(t, { concurrency: 1 });
  const r = await hang.delay();
  const err = await r.get({ timeout: 15, propagate: false });
  assert.ok(err instanceof TimeLimitExceeded, `got ${String(err)}`);
  assert.equal((err as TimeLimitExceeded).code, 'CELERIAC_TIME_LIMIT_EXCEEDED');
  assert.equal(await r.state(), 'FAILURE');
  await stillServing();
});

test('a per-call timeLimit overrides the task default', async (t) => {
  await startWorker(t, { concurrency: 1 });
  const r = await hang.applyAsync([], { timeLimit: 0.2 });
  assert.ok((await r.get({ timeout: 15, propagate: false })) instanceof TimeLimitExceeded);
  await stillServing();
});

test('soft time limit: a task that catches it succeeds, one that does not fails', async (t) => {
  await startWorker(t);
  assert.equal(await (await soft.delay(true)).get({ timeout: 10 }), 'caught SoftTimeLimitExceeded');
  const err = await (await soft.delay(false)).get({ timeout: 10, propagate: false });
  assert.ok(err instanceof SoftTimeLimitExceeded, `got ${String(err)}`);
});

test('process.exit() in a task ends WorkerLostError; the pool recovers', async (t) => {
  await startWorker(t, { concurrency: 1 });
  const err = await (await exitThread.delay()).get({ timeout: 15, propagate: false });
  assert.ok(err instanceof WorkerLostError, `got ${String(err)}`);
  await stillServing();
});

test('a memory-hungry task is stopped by the thread heap limit: WorkerLostError; the pool recovers', async (t) => {
  await startWorker(t, { concurrency: 1, maxMemoryPerChild: 64 });
  const err = await (await hog.delay()).get({ timeout: 60, propagate: false });
  assert.ok(err instanceof WorkerLostError, `got ${String(err)}`);
  await stillServing();
});

test('an unknown task name ends FAILURE NotRegistered and never stops the worker', async (t) => {
  await startWorker(t);
  const r = await app.sendTask('e2e.not_there', [1]);
  const err = await r.get({ timeout: 10, propagate: false });
  assert.ok(err instanceof NotRegistered, `got ${String(err)}`);
  assert.equal((err as NotRegistered).code, 'CELERIAC_NOT_REGISTERED');
  await stillServing();
});

test('a malformed message is dead-lettered, logged, and nothing else is lost', async (t) => {
  const q = uniqueName('bad');
  await startWorker(t, { queues: [q] });
  const transport = await app.transport();
  await transport.broker.publish(q, new Uint8Array([0xc1, 0xff, 0x00, 0x13]));
  const good = await add.applyAsync([1, 1], { queue: q });
  assert.equal(await good.get({ timeout: 10 }), 2);
  const dead = await waitForDeadLetters(q, 1);
  assert.match(dead[0]!.reason, /MessageDecodeError/);
  void MessageDecodeError;
});

test('a disallowed content type is dead-lettered and its task fails ContentDisallowed', async (t) => {
  const q = uniqueName('json');
  app.conf.update({ acceptContent: ['msgpack'] });
  t.after(() => app.conf.update({ acceptContent: ['msgpack', 'json'] }));
  await startWorker(t, { queues: [q] });
  const r = await add.applyAsync([1, 1], { queue: q, serializer: 'json' });
  const err = await r.get({ timeout: 10, propagate: false });
  assert.ok(err instanceof ContentDisallowed, `got ${String(err)}`);
  const dead = await waitForDeadLetters(q, 1);
  assert.match(dead[0]!.reason, /ContentDisallowed/);
  assert.equal(await (await add.applyAsync([2, 2], { queue: q })).get({ timeout: 10 }), 4);
});

test('a pickle content type (as Python would send) is refused before decoding, the task fails', async (t) => {
  const q = uniqueName('enc');
  await startWorker(t, { queues: [q] });
  const msg = newTaskMessage({ task: 'e2e.add', args: [1, 2] });
  const envelope = toCeleryEnvelope(unpack(encodeTask(msg, { serializer: 'json' })) as unknown[]);
  envelope['content-type'] = 'application/x-python-serialize';
  const transport = await app.transport();
  await transport.broker.publish(q, pack(fromCeleryEnvelope(envelope)));
  const err = await app.asyncResult(msg.id).get({ timeout: 10, propagate: false });
  assert.ok(err instanceof ContentDisallowed, `got ${String(err)}`);
  assert.equal(await (await add.applyAsync([3, 3], { queue: q })).get({ timeout: 10 }), 6);
});

async function waitForDeadLetters(queue: string, n: number) {
  const transport = await app.transport();
  const until = Date.now() + 10_000;
  for (;;) {
    const dl = await transport.broker.deadLetters(queue);
    if (dl.length >= n) return dl;
    if (Date.now() > until) assert.fail(`expected ${n} dead letter(s) on ${queue}, got ${dl.length}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
