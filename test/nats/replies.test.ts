/**
 * The result reply route (src/transport/nats/replies.ts) against a real server: a publisher
 * hears its own tasks' results without a subscription or a read per task, a lost reply is
 * caught up from the bucket, and a worker never replies outside the app's reply subjects.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import type { ResultMeta } from '../../src/protocol/result-meta.ts';
import { Celeriac } from '../../src/index.ts';
import { waitFor } from '../helpers/latch.ts';
import { startNatsServer } from '../helpers/nats-server.ts';
import { newPrefix, openNats, quiet } from './support.ts';
import { meta } from '../helpers/meta.ts';

const server = await startNatsServer();
after(() => server[Symbol.asyncDispose]());


/** A publishing host and a worker host in one namespace. */
async function hosts(t: Parameters<typeof openNats>[0], replyTiming?: { sweepMs: number; firstCheckMs: number; maxCheckMs: number }) {
  const prefix = newPrefix();
  const client = await openNats(t, server.url, { prefix, ...(replyTiming ? { replyTiming } : {}) });
  const worker = await openNats(t, server.url, { prefix });
  // The reply route needs the connection open, as it is once anything was published.
  await client.broker.purge('warm-up');
  return { prefix, client: client.backend!, worker: worker.backend! };
}

describe('NATS result replies', () => {
  test('a registered task hears its writes on its reply subject, in order, and get() agrees', async (t) => {
    const { prefix, client, worker } = await hosts(t);
    const route = client.expectReply!('task-r1');
    assert.ok(route?.startsWith(`${prefix}.reply.`), `route ${route}`);
    assert.equal(client.heard!('task-r1'), null, 'nothing heard yet, and every write will be');
    const seen: string[] = [];
    const stop = client.watch('task-r1', (m) => seen.push(m.state));
    t.after(stop);
    await worker.set(meta('task-r1', 'STARTED'), route);
    await worker.set(meta('task-r1', 'SUCCESS', 42), route);
    await waitFor(() => seen.length >= 2, { name: 'two replies' });
    assert.deepEqual(seen, ['STARTED', 'SUCCESS']);
    assert.equal(client.heard!('task-r1')?.result, 42);
    // Two reads of what was heard are two copies: a caller may change its own.
    const first = client.heard!('task-r1')!;
    (first as { result: unknown }).result = 'changed';
    assert.equal(client.heard!('task-r1')?.result, 42);
    assert.equal((await client.get('task-r1'))?.result, 42, 'the bucket holds the same result');
  });

  test('a write refused by first-write-wins sends no reply', async (t) => {
    const { client, worker } = await hosts(t);
    const route = client.expectReply!('task-r2')!;
    await worker.set(meta('task-r2', 'SUCCESS', 'first'), route);
    assert.equal(await worker.set(meta('task-r2', 'FAILURE', 'second'), route), false);
    await waitFor(() => client.heard!('task-r2') !== null, { name: 'the first reply' });
    await quiet(100);
    assert.equal(client.heard!('task-r2')?.result, 'first');
  });

  test('a lost reply is read from the bucket: the waiting watcher still gets the result', async (t) => {
    const { client, worker } = await hosts(t, { sweepMs: 50, firstCheckMs: 100, maxCheckMs: 200 });
    client.expectReply!('task-r3');
    const got = new Promise<ResultMeta>((resolve) => {
      const stop = client.watch('task-r3', (m) => {
        stop();
        resolve(m);
      });
    });
    // Stored, but the reply never sent (as when a worker dies between the two).
    await worker.set(meta('task-r3', 'SUCCESS', 'from the bucket'));
    assert.equal((await got).result, 'from the bucket');
  });

  test('a worker replies only to the app’s reply subjects, never to any subject a message names', async (t) => {
    const { prefix, worker } = await hosts(t);
    const nc = await connect({ servers: server.url });
    t.after(() => nc.close());
    const heard: string[] = [];
    const sub = nc.subscribe(`${prefix}.>`, { callback: (_e, m) => void heard.push(m.subject) });
    const other = nc.subscribe('elsewhere.>', { callback: (_e, m) => void heard.push(m.subject) });
    t.after(() => {
      sub.unsubscribe();
      other.unsubscribe();
    });
    await nc.flush();
    await worker.set(meta('task-r4', 'SUCCESS'), 'elsewhere.inbox');
    await worker.set(meta('task-r5', 'SUCCESS'), `${prefix}.control`);
    await worker.set(meta('task-r6', 'SUCCESS'), `${prefix}.reply.*`);
    await quiet(150);
    assert.deepEqual(heard.filter((s) => !s.startsWith(`${prefix}.res.`)), []);
  });

  test('resultSerializer json: stored as JSON, heard as JSON, read by a host that writes msgpack', async (t) => {
    const prefix = newPrefix();
    const client = (await openNats(t, server.url, { prefix })).backend!;
    const worker = (await openNats(t, server.url, { prefix, resultSerializer: 'json' })).backend!;
    await client.get('warm-up');
    const route = client.expectReply!('task-j1')!;
    await worker.set(meta('task-j1', 'SUCCESS', { n: [1, 2] }), route);
    await waitFor(() => client.heard!('task-j1') !== null, { name: 'the JSON reply' });
    assert.deepEqual(client.heard!('task-j1')?.result, { n: [1, 2] });
    assert.deepEqual((await client.get('task-j1'))?.result, { n: [1, 2] });
    const nc = await connect({ servers: server.url });
    t.after(() => nc.close());
    const stored = await (await jetstreamManager(nc)).streams.getMessage(`KV_${prefix}-results`, { last_by_subj: `$KV.${prefix}-results.task-j1.=r` });
    assert.equal(JSON.parse(new TextDecoder().decode(stored!.data)).result.n[1], 2, 'stored as JSON');
  });

  test('an id this process did not publish is not answered from here', async (t) => {
    const { client } = await hosts(t);
    assert.equal(client.heard!('not-ours'), undefined);
  });

  test('end to end: calls made before the connection opens are heard on the reply route too', async (t) => {
    const prefix = newPrefix();
    const workerApp = new Celeriac('replies', { broker: server.url, config: { transportPrefix: prefix } });
    t.after(() => workerApp.close());
    const client = new Celeriac('replies', { broker: server.url, config: { transportPrefix: prefix } });
    t.after(() => client.close());
    workerApp.task('replies.add', (a: number, b: number) => a + b);
    const add = client.task('replies.add', (a: number, b: number) => a + b);
    const worker = workerApp.worker({ concurrency: 2, pool: 'inline' });
    await worker.start();
    t.after(() => worker.stop());
    // The client's very first calls: nothing is open yet when they are made.
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => add.delay(i, 1)));
    const backend = (await client.transport()).backend!;
    assert.ok(results.every((r) => backend.heard!(r.id) !== undefined), 'every call registered for a reply');
    assert.deepEqual(await Promise.all(results.map((r) => r.get({ timeout: 30 }))), Array.from({ length: 50 }, (_, i) => i + 1));
    assert.ok(results.every((r) => backend.heard!(r.id)?.state === 'SUCCESS'), 'heard, not only read');
  });
});
