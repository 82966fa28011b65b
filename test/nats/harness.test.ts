/**
 * The nats-server harness itself, exercised through the transport: start, restart with the
 * same store, a three-server cluster, and authentication.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect as tcpConnect } from 'node:net';
import { existsSync } from 'node:fs';
import { OperationalError } from '../../src/errors.ts';
import { NatsServerError, startCluster, startNatsServer } from '../helpers/nats-server.ts';
import { Collector, frame, newPrefix, openNats, publishRetrying } from './support.ts';

const accepts = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = tcpConnect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });

describe('nats-server harness', () => {
  test('starts on a free loopback port (never 4222) and stops', async () => {
    const server = await startNatsServer();
    assert.notEqual(server.port, 4222);
    assert.match(server.url, /^nats:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(await accepts(server.port), true);
    const dir = server.storeDir;
    await server[Symbol.asyncDispose]();
    assert.equal(server.running, false);
    assert.equal(await accepts(server.port), false);
    assert.equal(existsSync(dir), false, 'the temp store dir was left behind');
  });

  test('an early exit rejects with the server stderr', async () => {
    await assert.rejects(startNatsServer({ args: ['--no-such-flag'] }), (err: unknown) => {
      assert.ok(err instanceof NatsServerError);
      assert.match(err.stderr, /no-such-flag/);
      return true;
    });
  });

  test('restart keeps the port and the JetStream store', async (t) => {
    await using server = await startNatsServer();
    const prefix = newPrefix();
    const producer = await openNats(t, server.url, { prefix });
    await producer.broker.publish('q', frame('survives'));
    await producer.backend!.set({ taskId: 'kept', state: 'SUCCESS', result: 1, traceback: null, dateDone: null });
    const port = server.port;
    await server.restart();
    assert.equal(server.port, port);
    const after = await openNats(t, server.url, { prefix });
    assert.equal(await after.broker.size('q'), 1);
    assert.equal((await after.backend!.get('kept'))?.result, 1);
  });

  test('user/password: the right credentials work, wrong ones fail with OperationalError', async (t) => {
    await using server = await startNatsServer({ user: 'celery', pass: 's3cret' });
    const ok = await openNats(t, server.url, { connectionOptions: { user: 'celery', pass: 's3cret' } });
    await ok.broker.publish('q', frame('x'));
    assert.equal(await ok.broker.size('q'), 1);
    const inUrl = await openNats(t, `nats://celery:s3cret@127.0.0.1:${server.port}`);
    await inUrl.broker.publish('q', frame('y'));

    const statuses: string[] = [];
    const bad = await openNats(t, server.url, { connectionOptions: { user: 'celery', pass: 'wrong' } });
    bad.onStatus((s) => statuses.push(s.type));
    await assert.rejects(bad.broker.publish('q', frame('z')), (err: unknown) => {
      assert.ok(err instanceof OperationalError);
      assert.equal((err.cause as Error).name, 'AuthorizationError');
      return true;
    });
    const anonymous = await openNats(t, server.url);
    await assert.rejects(anonymous.broker.size('q'), OperationalError);
    assert.deepEqual(statuses, ['error']);
  });

  test('a three-server cluster forms, serves R3 streams and survives losing a server', async (t) => {
    await using cluster = await startCluster(3);
    assert.equal(cluster.urls.length, 3);
    const prefix = newPrefix();
    // A publish caught by the stream leader's death gets no ack: fail it fast, retry it above.
    const connectionOptions = { publishTimeout: 1000 };
    const producer = await openNats(t, cluster.urls, { prefix, replicas: 3, connectionOptions });
    const worker = await openNats(t, cluster.urls, { prefix, replicas: 3, connectionOptions });
    const got = new Collector();
    const sub = worker.broker.subscribe('q', (d) => {
      got.push(d);
      void d.ack().then(() => sub.request(1));
    });
    sub.request(4);
    for (let i = 0; i < 10; i++) await publishRetrying(producer.broker, 'q', frame(`a${i}`), { msgId: `a${i}` }, 20_000);
    await got.until(10, 'before the failure', 10_000);
    await cluster.kill(0);
    for (let i = 0; i < 10; i++) await publishRetrying(producer.broker, 'q', frame(`b${i}`), { msgId: `b${i}` }, 20_000);
    await got.until(20, 'after the failure', 15_000);
    assert.equal(new Set(got.labels).size, 20);
  });
});
