/**
 * The NATS broker against a real server, beyond the conformance suite: priority bands and
 * bells, credit across bands, the delayed stream, AckWait redelivery, maxDeliver, odd queue
 * names, failures of the server, and liveness across a restart.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ClosedError, OperationalError } from '../../src/errors.ts';
import type { TransportStatus } from '../../src/transport/types.ts';
import { waitFor } from '../helpers/latch.ts';
import { freePort, startNatsServer } from '../helpers/nats-server.ts';
import { Collector, frame, labelOf, newPrefix, openNats, publishRetrying, quiet } from './support.ts';

const server = await startNatsServer();
after(() => server[Symbol.asyncDispose]());

describe('NATS broker', () => {
  test('a msgId is stored once, also when published from two connections', async (t) => {
    const prefix = newPrefix();
    const a = await openNats(t, server.url, { prefix });
    const b = await openNats(t, server.url, { prefix });
    await Promise.all([a.broker.publish('q', frame('x'), { msgId: 'id-1' }), b.broker.publish('q', frame('x'), { msgId: 'id-1' })]);
    await a.broker.publish('q', frame('x'), { msgId: 'id-1' });
    await b.broker.publish('q', frame('y'), { msgId: 'id-1.r1' }); // a task retry: a new id
    assert.equal(await a.broker.size('q'), 2);
  });

  test('many workers starting at once on a fresh namespace all come up and share the queue', async (t) => {
    const prefix = newPrefix();
    const workers = await Promise.all(Array.from({ length: 8 }, () => openNats(t, server.url, { prefix })));
    const got = new Collector();
    for (const w of workers) {
      const sub = w.broker.subscribe('q', (d) => {
        got.push(d);
        void d.ack().then(() => sub.request(1));
      });
      sub.request(1);
    }
    await Promise.all(workers.map((w, i) => w.broker.publish('q', frame(`m${i}`), { priority: i % 2 === 0 ? 0 : 6 })));
    await got.until(8, 'one message per worker', 5000);
    await quiet(100);
    assert.equal(new Set(got.labels).size, 8);
    assert.equal(got.deliveries.length, 8);
  });

  test('all ten priorities come out highest first, FIFO within each', async (t) => {
    const { broker } = await openNats(t, server.url);
    const order = [3, 0, 9, 5, 1, 7, 2, 8, 6, 4, 9, 0];
    for (const [i, p] of order.entries()) await broker.publish('q', frame(`p${p}-${i}`), { priority: p });
    const got = new Collector();
    const sub = broker.subscribe('q', got.push);
    sub.request(order.length);
    await got.until(order.length, 'every priority');
    assert.deepEqual(
      got.deliveries.map((d) => d.priority),
      [9, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 0],
    );
    assert.deepEqual(got.labels.slice(0, 2), ['p9-2', 'p9-10']);
    await Promise.all(got.deliveries.map((d) => d.ack()));
  });

  test('credit spans the bands: exactly the slots asked for, highest first', async (t) => {
    const { broker } = await openNats(t, server.url);
    for (const p of [0, 0, 9, 0, 4]) await broker.publish('q', frame(`p${p}`), { priority: p });
    const got = new Collector();
    const sub = broker.subscribe('q', got.push);
    sub.request(3);
    await got.until(3, 'three');
    await quiet(200);
    assert.deepEqual(got.labels, ['p9', 'p4', 'p0']);
    assert.equal(sub.credit, 0);
    sub.request(5);
    await got.until(5, 'the rest');
    await quiet(100);
    assert.equal(got.deliveries.length, 5);
    assert.equal(sub.credit, 3);
    await Promise.all(got.deliveries.map((d) => d.ack()));
  });

  test('an idle subscriber gets a priority message at once (the bell wakes it)', async (t) => {
    const prefix = newPrefix();
    const worker = await openNats(t, server.url, { prefix });
    const producer = await openNats(t, server.url, { prefix });
    const got = new Collector();
    const sub = worker.broker.subscribe('q', got.push);
    sub.request(4);
    await quiet(300); // idle: long-polling band 0
    const sent = Date.now();
    await producer.broker.publish('q', frame('urgent'), { priority: 8 });
    await got.until(1, 'the priority message', 1000);
    assert.ok(got.times[0]! - sent < 500, `took ${got.times[0]! - sent} ms`);
    assert.equal(got.deliveries[0]!.priority, 8);
    await producer.broker.publish('q', frame('normal'));
    await got.until(2, 'a default-priority message');
    await Promise.all(got.deliveries.map((d) => d.ack()));
  });

  test('countdown/eta messages wait in the delayed stream and arrive when due', async (t) => {
    const { broker } = await openNats(t, server.url);
    const now = Date.now();
    const due = { d25: now + 2500, d15: now + 1500, d20: now + 2000 };
    for (const [l, at] of Object.entries(due)) await broker.publish('q', frame(l), { notBefore: at, msgId: l });
    await broker.publish('q', frame('hi'), { notBefore: now + 1500, priority: 9 });
    await broker.publish('q', frame('now'));
    assert.equal(await broker.size('q'), 5);
    const got = new Collector();
    const sub = broker.subscribe('q', (d) => {
      got.push(d);
      void d.ack();
    });
    sub.request(10);
    await got.until(5, 'all delayed messages', 5000);
    assert.equal(got.labels[0], 'now');
    assert.deepEqual(new Set(got.labels.slice(1, 3)), new Set(['d15', 'hi']));
    assert.deepEqual(got.labels.slice(3), ['d20', 'd25']);
    for (const [i, l] of got.labels.entries()) {
      const at = l === 'hi' ? due.d15 : (due as Record<string, number>)[l];
      if (at === undefined) continue;
      assert.ok(got.times[i]! >= at - 5, `${l} ${at - got.times[i]!} ms early`);
      assert.ok(got.times[i]! < at + 500, `${l} ${got.times[i]! - at} ms late`);
    }
    assert.equal(got.deliveries.find((d) => labelOf(d) === 'hi')!.priority, 9);
    // The mover acks a delayed original only after its move was stored: for a moment both count.
    await waitFor(async () => (await broker.size('q')) === 0, { name: 'an empty queue', timeout: 2000 });
  });

  test('a delivery neither acked nor extended comes back after the visibility timeout', async (t) => {
    const { broker } = await openNats(t, server.url, { visibilityTimeout: 1000 });
    await broker.publish('q', frame('x'));
    const got = new Collector();
    const sub = broker.subscribe('q', got.push);
    sub.request(2);
    await got.until(1, 'first delivery');
    await got.until(2, 'redelivery', 3000);
    assert.ok(got.times[1]! - got.times[0]! >= 950, `redelivered after ${got.times[1]! - got.times[0]!} ms`);
    assert.equal(got.deliveries[1]!.deliveryCount, 2);
    assert.equal(got.deliveries[1]!.redelivered, true);
    await got.deliveries[1]!.ack();
  });

  test('a message delivered more than maxDeliver times is dead-lettered, not handed over', async (t) => {
    const { broker } = await openNats(t, server.url, { connectionOptions: { maxDeliver: 2 } });
    await broker.publish('q', frame('poison'));
    const got = new Collector();
    const sub = broker.subscribe('q', (d) => {
      got.push(d);
      void d.nack();
    });
    sub.request(5);
    await got.until(2, 'two deliveries');
    let dead: Awaited<ReturnType<typeof broker.deadLetters>> = [];
    for (let i = 0; i < 50 && dead.length === 0; i++) {
      await quiet(20);
      dead = await broker.deadLetters('q');
    }
    assert.equal(dead.length, 1);
    assert.match(dead[0]!.reason, /delivered 3 times/);
    assert.equal(new TextDecoder().decode(dead[0]!.frame), 'poison');
    assert.equal(got.deliveries.length, 2);
    assert.equal(sub.credit, 3, 'the dead-lettered delivery took a slot');
    assert.equal(await broker.size('q'), 0);
  });

  test('dead letters are kept per queue', async (t) => {
    const { broker } = await openNats(t, server.url);
    for (const q of ['a', 'b']) {
      await broker.publish(q, frame(`bad-${q}`));
      const got = new Collector();
      broker.subscribe(q, got.push).request(1);
      const [d] = await got.until(1, q);
      await d!.reject(`reason ${q}\nwith a newline`);
    }
    const a = await broker.deadLetters('a');
    assert.deepEqual(a.map((x) => [x.queue, x.reason]), [['a', 'reason a with a newline']]);
    assert.deepEqual((await broker.deadLetters()).map((x) => x.queue), ['a', 'b']);
  });

  test('queue names with dots, spaces and non-ASCII are separate, working queues', async (t) => {
    const { broker } = await openNats(t, server.url);
    const names = ['proj.tasks', 'proj tasks', 'prøj/tasks', 'proj=2eTasks', 'proj_tasks'];
    for (const q of names) await broker.publish(q, frame(q));
    for (const q of names) {
      assert.equal(await broker.size(q), 1, q);
      const got = new Collector();
      const sub = broker.subscribe(q, got.push);
      sub.request(1);
      const [d] = await got.until(1, q);
      assert.equal(labelOf(d!), q);
      assert.equal(d!.queue, q);
      await d!.reject(`bad ${q}`);
      await sub.close();
    }
    for (const q of names) assert.deepEqual((await broker.deadLetters(q)).map((x) => [x.queue, x.reason]), [[q, `bad ${q}`]]);
  });

  test('publishing to a server that is not there fails fast with OperationalError', async (t) => {
    const port = await freePort();
    const { broker } = await openNats(t, `nats://127.0.0.1:${port}`);
    const started = Date.now();
    await assert.rejects(broker.publish('q', frame('x')), OperationalError);
    assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
  });

  test('closing the transport ends open subscriptions through onError; a closed one stays quiet', async (t) => {
    const transport = await openNats(t, server.url);
    const errors: unknown[] = [];
    const kept = transport.broker.subscribe('q', () => undefined, { onError: (e) => errors.push(e) });
    kept.request(1);
    const closed = transport.broker.subscribe('q', () => undefined, { onError: (e) => errors.push(e) });
    await closed.close();
    await quiet(50);
    await transport.close();
    assert.equal(errors.length, 1);
    assert.ok(errors[0] instanceof ClosedError);
    await assert.rejects(transport.broker.publish('q', frame('x')), ClosedError);
  });
});

describe('NATS broker when the server restarts', () => {
  test('publishes fail with OperationalError while it is down; consuming resumes by itself', async (t) => {
    await using own = await startNatsServer();
    const statuses: TransportStatus['type'][] = [];
    const prefix = newPrefix();
    const opts = { prefix, connectionOptions: { publishTimeout: 500 } };
    const producer = await openNats(t, own.url, opts);
    const worker = await openNats(t, own.url, opts);
    worker.onStatus((s) => statuses.push(s.type));
    const got = new Collector();
    const sub = worker.broker.subscribe('q', (d) => {
      got.push(d);
      void d.ack().then(() => sub.request(1));
    });
    sub.request(2);
    await producer.broker.publish('q', frame('before'));
    await got.until(1, 'before the restart');

    await own.stop();
    await assert.rejects(producer.broker.publish('q', frame('lost?'), { msgId: 'during' }), OperationalError);
    await own.start();
    // The producer's retry policy republishes: the same msgId is stored at most once.
    await publishRetrying(producer.broker, 'q', frame('lost?'), { msgId: 'during' });
    await publishRetrying(producer.broker, 'q', frame('after'), { msgId: 'after' });
    await got.until(3, 'after the restart', 8000);
    assert.deepEqual(new Set(got.labels), new Set(['before', 'lost?', 'after']));
    assert.ok(statuses.includes('disconnected') && statuses.includes('reconnected'), statuses.join());
    await quiet(100);
    assert.equal(got.deliveries.length, 3);
  });
});
