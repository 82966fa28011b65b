/**
 * The app's configuration reaching the NATS transport: `brokerTransportOptions.replicas` on a
 * three-server cluster (and a first result read that meets the election its leader's death
 * starts), and `brokerConnectionTimeout` against a server that accepts and never answers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { OperationalError } from 'celeriac';
import { NatsNames } from '../../src/transport/nats/names.ts';
import { startCluster } from '../helpers/nats-server.ts';
import { uniqueName } from '../helpers/ns.ts';
import { jsz, leaderOf } from './monitor.ts';
import { clientApp, defer, newPrefix, ownConnectionWorker } from './worker-procs.ts';

test('brokerTransportOptions.replicas makes every stream and bucket R3; a first result read during the results leader election waits for the new leader', async (t) => {
  const cluster = await startCluster(3);
  defer(t, () => cluster[Symbol.asyncDispose]());
  const prefix = newPrefix('replicas');
  const conf = { brokerTransportOptions: { replicas: 3 }, brokerConnectionOptions: { reconnectTimeWait: 200, apiTimeout: 10_000 } };
  const urls = cluster.urls.join(',');
  await ownConnectionWorker(t, urls, prefix, { hostname: `${uniqueName('r')}@config`, concurrency: 1 }, conf);
  const app = clientApp(t, urls, prefix, conf);
  const r = await app.sendTask<number>('conf.add', [2, 3]);
  assert.equal(await r.get({ timeout: 30 }), 5);
  // The rest are made on first use: the dead letters and the keys bucket.
  await (await app.transport()).broker.deadLetters('celery');
  await (await app.backend())!.getKey('none');
  const names = new NatsNames(prefix);
  const streams = await jsz(cluster.servers[0]!);
  for (const name of [names.tasksStream, names.delayedStream, names.dlqStream, `KV_${names.resultsBucket}`, `KV_${names.keysBucket}`]) {
    assert.equal(streams.get(name)?.replicas, 3, `${name} has 3 replicas`);
  }

  const victim = await leaderOf(cluster, `KV_${names.resultsBucket}`);
  assert.ok(victim >= 0, 'the results stream has a leader');
  await cluster.kill(victim);
  // A client that never read a result before, on the survivors, asks at once.
  const survivors = cluster.servers.filter((s) => s.running).map((s) => s.url).join(',');
  const fresh = clientApp(t, survivors, prefix, conf);
  assert.equal(await fresh.asyncResult<number>(r.id).get({ timeout: 30 }), 5);
});

test('brokerConnectionTimeout bounds the handshake with a server that accepts and never answers: OperationalError saying so', async (t) => {
  const silent = await silentServer();
  defer(t, () => silent.close());
  const url = `nats://127.0.0.1:${silent.port}`;
  const once = { taskPublishRetry: false };
  // Started first, with a deadline far away: still waiting when the quick one has given up.
  const patient = clientApp(t, url, newPrefix('ct'), { ...once, brokerConnectionTimeout: 120 });
  let patientSettled = false;
  const slow = patient.sendTask('conf.add', [1, 1]).then(
    () => undefined,
    (e: unknown) => e,
  );
  void slow.then(() => (patientSettled = true));
  const quick = clientApp(t, url, newPrefix('ct'), { ...once, brokerConnectionTimeout: 0.3 });
  await assert.rejects(quick.sendTask('conf.add', [1, 1]), (e: unknown) => {
    assert.ok(e instanceof OperationalError, `got ${String(e)}`);
    assert.ok(causes(e).includes('TimeoutError'), `the causes name the handshake timeout: ${causes(e).join(' <- ')}`);
    return true;
  });
  assert.equal(patientSettled, false, 'a client with a longer brokerConnectionTimeout still waits');
  // Hanging up ends the patient attempt at once.
  silent.hangUp();
  assert.ok((await slow) instanceof OperationalError);
});

/** A TCP server that accepts connections and never says a word (no NATS INFO). */
async function silentServer(): Promise<{ port: number; hangUp(): void; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const srv = createServer((sock) => {
    sockets.add(sock);
    sock.on('error', () => undefined);
    sock.on('close', () => sockets.delete(sock));
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const addr = srv.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
  const hangUp = (): void => {
    for (const s of sockets) s.destroy();
  };
  return {
    port,
    hangUp,
    close: () =>
      new Promise<void>((resolve) => {
        hangUp();
        srv.close(() => resolve());
      }),
  };
}

/** The names along an error's `cause` chain. */
function causes(e: unknown): string[] {
  const out: string[] = [];
  for (let c = e; c instanceof Error && out.length < 10; c = c.cause) out.push(c.name);
  return out;
}
