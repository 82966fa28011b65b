/** Calling a worker end to end over memory:// with real threads: delay, options, routing. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, ClosedError, TaskRevokedError } from 'celeriac';
import { add, echo, stamp, mul, request } from '../fixtures/e2e-app.ts';
import { startWorker, useApp } from '../helpers/e2e.ts';
import { uniqueName } from '../helpers/ns.ts';

const app = useApp();

test('delay then get returns the value; the id is a uuid', async (t) => {
  await startWorker(t);
  const r = await add.delay(2, 2);
  assert.match(r.id, /^[0-9a-f-]{36}$/);
  assert.equal(await r.get({ timeout: 10 }), 4);
  assert.equal(await r.state(), 'SUCCESS');
  assert.equal(await r.successful(), true);
  assert.equal(await r.ready(), true);
});

test('applyAsync honours taskId, and many calls in flight all complete', async (t) => {
  await startWorker(t);
  const r = await add.applyAsync([20, 22], { taskId: 'fixed-id-1' });
  assert.equal(r.id, 'fixed-id-1');
  assert.equal(await r.get({ timeout: 10 }), 42);
  const results = await Promise.all(Array.from({ length: 200 }, (_, i) => mul.delay(i, 2)));
  const values = await Promise.all(results.map((x) => x.get({ timeout: 20 })));
  assert.deepEqual(values, Array.from({ length: 200 }, (_, i) => i * 2));
});

test('countdown and eta: PENDING while waiting, run not before their time', async (t) => {
  await startWorker(t);
  const sent = Date.now();
  const r1 = await stamp.applyAsync(['countdown'], { countdown: 0.6 });
  const r2 = await stamp.applyAsync(['eta'], { eta: new Date(sent + 400) });
  assert.equal(await r1.state(), 'PENDING');
  const a = await r1.get({ timeout: 10 });
  const b = await r2.get({ timeout: 10 });
  assert.ok(a.at >= sent + 600, `countdown task ran ${a.at - sent} ms after sending`);
  assert.ok(b.at >= sent + 400, `eta task ran ${b.at - sent} ms after sending`);
});

test('an expired task is not run and ends REVOKED (expired)', async (t) => {
  await startWorker(t);
  const r = await stamp.applyAsync(['late'], { countdown: 0.3, expires: 0.1 });
  const err = await r.get({ timeout: 10, propagate: false });
  assert.ok(err instanceof TaskRevokedError);
  assert.equal(await r.state(), 'REVOKED');
  await assert.rejects(r.get({ timeout: 1 }), (e: Error) => e instanceof TaskRevokedError && e.message === 'expired');
  // An expires Date in the past works the same way.
  const r2 = await stamp.applyAsync(['past'], { expires: new Date(Date.now() - 1000) });
  await assert.rejects(r2.get({ timeout: 10 }), TaskRevokedError);
});

test('routing: an explicit queue wins, then taskRoutes (exact, glob, function), then the default', async (t) => {
  const hipri = uniqueName('hipri');
  const lopri = uniqueName('lopri');
  const fn = uniqueName('fn');
  app.conf.update({
    taskRoutes: [
      { 'e2e.add': { queue: hipri }, 'e2e.m*': lopri },
      (name: string) => (name === 'e2e.echo' ? { queue: fn } : undefined),
    ],
  });
  t.after(() => app.conf.update({ taskRoutes: null }));
  const w = await startWorker(t, { queues: [hipri, lopri, fn, 'celery'] });
  const viaRoute = await (await request.applyAsync([])).get({ timeout: 10 });
  assert.equal((viaRoute as { queue: string }).queue, 'celery');
  const explicit = await (await request.applyAsync([], { queue: hipri })).get({ timeout: 10 });
  assert.equal((explicit as { queue: string }).queue, hipri);
  // Routed tasks land on their queues: check through the broker's view of each queue.
  const transport = await app.transport();
  await w.stop();
  await add.delay(1, 1);
  await mul.delay(1, 1);
  await echo.delay(1);
  assert.equal(await transport.broker.size(hipri), 1);
  assert.equal(await transport.broker.size(lopri), 1);
  assert.equal(await transport.broker.size(fn), 1);
  await add.applyAsync([1, 1], { queue: lopri });
  assert.equal(await transport.broker.size(lopri), 2);
  for (const q of [hipri, lopri, fn]) await transport.broker.purge(q);
});

test('priorities: with one slot busy, the highest priority waiting runs first', async (t) => {
  const q = uniqueName('prio');
  // Queue everything before a worker exists, so the broker orders it.
  const low = await stamp.applyAsync(['low'], { queue: q, priority: 1 });
  const mid = await stamp.applyAsync(['mid'], { queue: q, priority: 5 });
  const high = await stamp.applyAsync(['high'], { queue: q, priority: 9 });
  await startWorker(t, { queues: [q], concurrency: 1, prefetchMultiplier: 1 });
  const at = async (r: typeof low) => (await r.get({ timeout: 10 })).at;
  const [l, m, h] = [await at(low), await at(mid), await at(high)];
  assert.ok(h <= m && m <= l, `order by start time: high ${h}, mid ${m}, low ${l}`);
});

test('bad call options reject with ConfigError naming the key; nothing is sent', async () => {
  await assert.rejects(add.applyAsync([1, 2], { countdown: 'soon' as never }), (e: ConfigError) => e instanceof ConfigError && (e as ConfigError & { key: string }).key === 'countdown');
  await assert.rejects(add.applyAsync([1, 2], { priority: 42 }), ConfigError);
  // An async call never throws synchronously.
  const p = add.applyAsync([1, 2], { eta: new Date('nope') });
  assert.ok(p instanceof Promise);
  await assert.rejects(p, ConfigError);
});

test('a closed app refuses to publish with ClosedError', async () => {
  const { Celeriac } = await import('celeriac');
  const other = new Celeriac(uniqueName('closed'), { broker: `memory://${uniqueName('hub')}` });
  const t1 = other.task('t1', () => 1);
  await other.close();
  await assert.rejects(t1.delay(), ClosedError);
});
