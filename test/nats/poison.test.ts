/**
 * A poison message over NATS: a task that kills its worker process each time it starts, under
 * acksLate, comes back after every visibility timeout; past `maxDeliver` deliveries the worker
 * that receives it dead-letters it without running it, and its task ends FAILURE
 * PoisonMessageError, so whoever waits on it learns why.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PoisonMessageError } from 'celeriac';
import { peekTaskHeaders } from '../../src/protocol/wire.ts';
import { startNatsServer } from '../helpers/nats-server.ts';
import { waitFor } from '../helpers/latch.ts';
import { uniqueName } from '../helpers/ns.ts';
import { ScriptProcess } from './script-process.ts';
import { clientApp, defer, newPrefix, ownConnectionWorker, totalRuns } from './worker-procs.ts';

test('a task that kills its worker process each time ends FAILURE PoisonMessageError after maxDeliver, and sits in the dead letters', async (t) => {
  const s = await startNatsServer();
  defer(t, () => s[Symbol.asyncDispose]());
  const prefix = newPrefix('poison');
  const tag = uniqueName('p');
  const visibility = '1';
  // Two victims at once: the first delivery kills one, the redelivery after AckWait the other.
  const victims = [1, 2].map((i) => new ScriptProcess(t, 'suicide-worker.ts', ['--broker', s.url, '--prefix', prefix, '--hostname', `${tag}-${i}@poison`, '--visibility', visibility]));
  await Promise.all(victims.map((v, i) => v.waitFor(/^ready /m, `victim ${i + 1} ready`, 60_000)));
  const app = clientApp(t, s.url, prefix);
  const r = await app.sendTask('conf.suicide', []);
  for (const [i, v] of victims.entries()) assert.equal((await v.exit(`victim ${i + 1} killed by its task`)).signal, 'SIGKILL');

  // Delivery 3 with maxDeliver 2: this worker must not run it (the task is not even registered
  // here; running it would fail NotRegistered instead).
  const host = `${tag}-judge@poison`;
  const { worker } = await ownConnectionWorker(t, s.url, prefix, { hostname: host, concurrency: 1 }, {
    brokerVisibilityTimeout: Number(visibility),
    brokerConnectionOptions: { maxDeliver: 2, reconnectTimeWait: 200 },
  });
  const err = await r.get({ timeout: 30, propagate: false });
  assert.ok(err instanceof PoisonMessageError, `got ${String(err)}`);
  assert.equal(err.code, 'CELERIAC_POISON_MESSAGE');
  assert.equal(await r.state(), 'FAILURE');
  assert.equal(await totalRuns(app, [worker.hostname], 'conf.suicide'), 0, 'not run again');
  const broker = (await app.transport()).broker;
  const dead = await waitFor(async () => {
    const dl = await broker.deadLetters('celery');
    return dl.length > 0 ? dl : undefined;
  }, { name: 'the dead letter', timeout: 20_000 });
  assert.equal(dead.length, 1);
  assert.equal(peekTaskHeaders(dead[0]!.frame)?.id, r.id, 'the dead letter is the task message');
  assert.match(dead[0]!.reason, /maxDeliver 2/);
  assert.equal(await broker.size('celery'), 0, 'gone from the queue');
});
