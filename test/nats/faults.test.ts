/**
 * Faults over NATS, each against real servers of its own: a worker process killed mid-task, the
 * server restarted mid-load, a cluster member killed mid-load, publishing to a dead server, bad
 * messages on a task subject, and authentication. Loads are small: this file runs in CI.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from '@nats-io/transport-node';
import { jetstream } from '@nats-io/jetstream';
import { pack, unpack } from 'msgpackr';
import { ContentDisallowed, OperationalError, type AsyncResult, type Celeriac, type Worker } from 'celeriac';
import { encodeTask } from '../../src/protocol/wire.ts';
import { fromCeleryEnvelope, toCeleryEnvelope } from '../../src/protocol/frame.ts';
import { newTaskMessage } from '../../src/protocol/task-message-defaults.ts';
import { NatsNames } from '../../src/transport/nats/names.ts';
import { startCluster, startNatsServer, type NatsServer } from '../helpers/nats-server.ts';
import { waitFor } from '../helpers/latch.ts';
import { uniqueName } from '../helpers/ns.ts';
import { consumerInfo, jsz, leaderOf } from './monitor.ts';
import { ScriptProcess } from './script-process.ts';
import { clientApp, defer, newPrefix, ownConnectionWorker, startWorkers, totalRuns } from './worker-procs.ts';

const T = { timeout: 30 };

/** Publishes that meet a dead or electing server retry for a while instead of failing. */
const PATIENT = { taskPublishRetryPolicy: { maxRetries: 100, intervalStart: 0.1, intervalStep: 0.1, intervalMax: 0.3 } };

async function server(t: Parameters<typeof defer>[0], opts?: Parameters<typeof startNatsServer>[0]): Promise<NatsServer> {
  const s = await startNatsServer(opts);
  defer(t, () => s[Symbol.asyncDispose]());
  return s;
}

/**
 * `get()`, asked again when it fails with OperationalError: a client whose first result read
 * meets an electing stream (the KV bucket's leader was on the killed server) is told so at once,
 * as a caller would be, and asks again, as a caller would.
 */
async function getThroughFailover<R>(r: AsyncResult<R>, ms: number): Promise<R> {
  const until = Date.now() + ms;
  for (;;) {
    try {
      return await r.get({ timeout: Math.max(0.1, (until - Date.now()) / 1000) });
    } catch (err) {
      if (!(err instanceof OperationalError) || Date.now() > until) throw err;
      await new Promise((res) => setTimeout(res, 250));
    }
  }
}

/**
 * Every task of `results` ran (the workers' `stats().total` reached the count) and every result
 * arrives. When tasks ran but results stay missing, fails at once naming how many and why (the
 * workers' logged problems), instead of waiting out each `get()`.
 */
async function everyResult(
  app: Celeriac,
  results: AsyncResult<string>[],
  workers: { worker: Worker; problems: string[] }[],
  ranBefore: number,
): Promise<string[]> {
  const hosts = workers.map((w) => w.worker.hostname);
  // A control round trip may fail while a client reconnects: count that as "not yet".
  await waitFor(async () => (await totalRuns(app, hosts, 'conf.where').catch(() => 0)) - ranBefore >= results.length, {
    name: `${results.length} tasks ran`,
    timeout: 60_000,
    interval: 250,
  });
  const settled = await Promise.allSettled(results.map((r) => getThroughFailover(r, 10_000)));
  const failed = settled.filter((x): x is PromiseRejectedResult => x.status === 'rejected');
  const why = workers.flatMap((w) => w.problems).filter((l) => l.includes('"level":50')).slice(0, 3).join('\n');
  const first = failed[0]?.reason as Error | undefined;
  assert.equal(
    failed.length,
    0,
    `${failed.length} of ${results.length} results never arrived though every task ran (first: ${first?.name}: ${first?.message}); worker errors:\n${why}`,
  );
  return settled.map((x) => (x as PromiseFulfilledResult<string>).value);
}

test('a worker process killed (SIGKILL) mid-task under acksLate: redelivered, completes on the other', async (t) => {
  const s = await server(t);
  const prefix = newPrefix('kill');
  const tag = uniqueName('k');
  // A short visibility timeout: the dead worker's delivery comes back after 2 s.
  const workers = await startWorkers(t, [1, 2].map((i) => ({ broker: s.url, prefix, hostname: `${tag}-${i}@faults`, concurrency: 1, prefetch: 1, visibility: 2 })));
  const app = clientApp(t, s.url, prefix);
  const backend = (await app.backend())!;
  const r = await app.sendTask<string>('conf.lateWhere', [1500]);
  const first = await waitFor(
    async () => {
      const meta = await backend.get(r.id);
      return meta?.state === 'STARTED' ? meta.hostname : undefined;
    },
    { name: 'lateWhere STARTED', timeout: 20_000 },
  );
  const victim = workers.find((w) => w.hostname === first)!;
  const survivor = workers.find((w) => w !== victim)!;
  await victim.kill();
  assert.equal(await r.get(T), survivor.hostname, 'the other worker ran it to the end');
  assert.equal(await r.state(), 'SUCCESS');
});

test('an acksLate task running 3x the visibility timeout is kept alive with working(): it runs once and is never redelivered', async (t) => {
  const s = await server(t);
  const prefix = newPrefix('long');
  const tag = uniqueName('l');
  const conf = { brokerVisibilityTimeout: 1.5 };
  // Two idle-able workers: a delivery handed out again would start at once on the other one.
  const workers = await Promise.all([1, 2].map((i) => ownConnectionWorker(t, s.url, prefix, { hostname: `${tag}-${i}@faults`, concurrency: 1 }, conf)));
  const hosts = workers.map((w) => w.worker.hostname);
  const app = clientApp(t, s.url, prefix);
  const r = await app.sendTask<string>('conf.lateWhere', [4500]);
  assert.ok(hosts.includes(await r.get(T)));
  // The consumer's own count of deliveries (redeliveries included): one message, handed out once.
  assert.equal((await consumerInfo(s, prefix, 'celery')).delivered.consumer_seq, 1, 'delivered once, never again');
  assert.equal(await totalRuns(app, hosts, 'conf.lateWhere'), 1, 'ran once');
  await waitFor(async () => (await consumerInfo(s, prefix, 'celery')).num_ack_pending === 0, { name: 'acked after its result', timeout: 10_000 });
});

test('the nats-server restarted mid-load: every task completes, workers reconnect without a restart', async (t) => {
  const s = await server(t);
  const prefix = newPrefix('restart');
  const tag = uniqueName('r');
  // A delivery lost in the restart comes back after the visibility timeout: keep it short.
  const conf = { brokerVisibilityTimeout: 3 };
  // Each also consumes a queue of its own, to show after the restart that both serve again.
  const own = (i: number): string => `${tag}-own-${i}`;
  const workers = await Promise.all(
    [1, 2].map((i) => ownConnectionWorker(t, s.url, prefix, { hostname: `${tag}-${i}@faults`, queues: ['celery', own(i)] }, conf)),
  );
  const app = clientApp(t, s.url, prefix, PATIENT);
  const hosts = workers.map((w) => w.worker.hostname);
  const first = await Promise.all(Array.from({ length: 150 }, () => app.sendTask<string>('conf.where', [10])));
  await waitFor(async () => (await totalRuns(app, hosts, 'conf.where')) >= 30, { name: '30 tasks ran before the restart', timeout: 20_000 });
  await s.restart();
  const second = await Promise.all(Array.from({ length: 50 }, () => app.sendTask<string>('conf.where', [0])));
  const ranOn = await everyResult(app, [...first, ...second], workers, 0);
  assert.equal(ranOn.length, 200);
  for (const { worker, statuses } of workers) {
    assert.equal(worker.state, 'running', `${worker.hostname} is still running`);
    assert.ok(statuses.includes('reconnected'), `${worker.hostname} reconnected: ${statuses.join(', ')}`);
  }
  assert.deepEqual(await app.control.ping({ destination: hosts, timeout: 10 }), Object.fromEntries(hosts.map((h) => [h, 'pong'])));
  const after = await Promise.all([1, 2].map((i) => app.sendTask<string>('conf.where', [0], { queue: own(i) })));
  assert.deepEqual(await Promise.all(after.map((r) => r.get(T))), hosts, 'each serves its own queue after the restart');
});

test('a three-server cluster (R3) with one server killed mid-load: every task completes', async (t) => {
  const cluster = await startCluster(3);
  defer(t, () => cluster[Symbol.asyncDispose]());
  const prefix = newPrefix('cluster');
  const urls = cluster.urls.join(',');
  // Replicas from the app's configuration: every app on the cluster makes its streams R3.
  const conf = {
    brokerVisibilityTimeout: 3,
    brokerTransportOptions: { replicas: 3 },
    brokerConnectionOptions: { reconnectTimeWait: 200, apiTimeout: 10_000 },
  };
  const tag = uniqueName('c');
  const workers = await Promise.all([1, 2].map((i) => ownConnectionWorker(t, urls, prefix, { hostname: `${tag}-${i}@faults` }, conf)));
  const app = clientApp(t, urls, prefix, { ...PATIENT, ...conf });
  const hosts = workers.map((w) => w.worker.hostname);
  const sent = await Promise.all(Array.from({ length: 200 }, () => app.sendTask<string>('conf.where', [10])));
  await waitFor(async () => (await totalRuns(app, hosts, 'conf.where')) >= 40, { name: '40 tasks ran before the kill', timeout: 20_000 });
  const names = new NatsNames(prefix);
  const streams = await jsz(cluster.servers[0]!);
  for (const name of [names.tasksStream, names.delayedStream, `KV_${names.resultsBucket}`]) {
    assert.equal(streams.get(name)?.replicas, 3, `${name} has 3 replicas`);
  }
  // Kill the task stream's leader: the hardest server to lose.
  await cluster.kill(Math.max(0, await leaderOf(cluster, names.tasksStream)));
  assert.equal((await everyResult(app, sent, workers, 0)).length, 200);
  const more = await Promise.all(Array.from({ length: 20 }, () => app.sendTask<string>('conf.where', [0])));
  assert.equal((await everyResult(app, more, workers, 200)).length, 20, 'the cluster serves after losing a server');
});

test('publishing to a dead server: OperationalError after the retry policy', async (t) => {
  const s = await server(t);
  const policy = { maxRetries: 2, intervalStart: 0.1, intervalStep: 0.1, intervalMax: 0.1 };
  // Never reachable: every connect attempt is refused.
  await s.stop();
  const never = clientApp(t, s.url, newPrefix('dead'), { taskPublishRetryPolicy: policy, brokerConnectionOptions: { timeout: 500 } });
  let t0 = Date.now();
  await assert.rejects(never.sendTask('conf.add', [1, 1]), (e: unknown) => e instanceof OperationalError && e.code === 'CELERIAC_OPERATIONAL');
  assert.ok(Date.now() - t0 >= 200, 'two retries waited 0.1 s each');
  // Reachable, then gone: the publish waits for an ack that never comes, retries, then fails.
  await s.start();
  const lost = clientApp(t, s.url, newPrefix('dead'), {
    taskPublishRetryPolicy: policy,
    brokerConnectionOptions: { timeout: 500, publishTimeout: 300, reconnectTimeWait: 100 },
  });
  await lost.sendTask('conf.add', [1, 1]);
  await s.kill();
  t0 = Date.now();
  await assert.rejects(lost.sendTask('conf.add', [2, 2]), OperationalError);
  assert.ok(Date.now() - t0 >= 200, 'retried by the policy first');
});

test('a script whose only work is a delay() to a dead broker lives through the retries and sees OperationalError', async (t) => {
  const s = await server(t);
  await s.stop();
  const script = new ScriptProcess(t, 'dead-broker-delay.ts', [s.url]);
  const { code } = await script.exit('the script');
  assert.match(script.stdout, /^error OperationalError CELERIAC_OPERATIONAL$/m, script.dump());
  assert.equal(code, 1, 'ended on its own, with the code the script chose');
});

test('an undecodable or disallowed message on a task subject is dead-lettered; the worker keeps serving', async (t) => {
  const s = await server(t);
  const prefix = newPrefix('dlq');
  const q = uniqueName('bad');
  const { app } = await ownConnectionWorker(t, s.url, prefix, { hostname: `${uniqueName('d')}@faults`, queues: [q] }, { acceptContent: ['msgpack'] });
  // The worker makes the task stream as it starts consuming; a raw publish needs it there now.
  const broker = (await app.transport()).broker;
  await broker.size(q);
  const nc = await connect({ servers: s.url });
  defer(t, () => nc.close());
  const js = jetstream(nc);
  const subject = new NatsNames(prefix).queue(q).taskSubject[0]!;
  // Garbage, then a JSON task where only msgpack is accepted, both straight onto the subject.
  await js.publish(subject, new Uint8Array([0xc1, 0xff, 0x00, 0x13]));
  const msg = newTaskMessage({ task: 'conf.add', args: [1, 2] });
  await js.publish(subject, encodeTask(msg, { serializer: 'json' }));
  const pickled = newTaskMessage({ task: 'conf.add', args: [3, 4] });
  const envelope = toCeleryEnvelope(unpack(encodeTask(pickled, { serializer: 'json' })) as unknown[]);
  envelope['content-type'] = 'application/x-python-serialize';
  await js.publish(subject, pack(fromCeleryEnvelope(envelope)));
  assert.ok((await app.asyncResult(msg.id).get({ ...T, propagate: false })) instanceof ContentDisallowed);
  assert.ok((await app.asyncResult(pickled.id).get({ ...T, propagate: false })) instanceof ContentDisallowed);
  const dead = await waitFor(async () => {
    const dl = await broker.deadLetters(q);
    return dl.length >= 3 ? dl : undefined;
  }, { name: 'three dead letters', timeout: 20_000 });
  const reasons = dead.map((d) => d.reason).join(' | ');
  assert.match(reasons, /MessageDecodeError/);
  assert.match(reasons, /ContentDisallowed/);
  assert.equal(await (await app.sendTask('conf.add', [20, 22], { queue: q })).get(T), 42, 'the worker still serves');
});

test('auth: the right user/password works end to end, wrong ones fail with OperationalError', async (t) => {
  const s = await server(t, { user: 'celery', pass: 's3cret' });
  const prefix = newPrefix('auth');
  const creds = { brokerConnectionOptions: { user: 'celery', pass: 's3cret', reconnectTimeWait: 200 } };
  await ownConnectionWorker(t, s.url, prefix, { hostname: `${uniqueName('a')}@faults` }, creds);
  const inUrl = clientApp(t, `nats://celery:s3cret@127.0.0.1:${s.port}`, prefix);
  assert.equal(await (await inUrl.sendTask('conf.add', [2, 2])).get(T), 4);
  const policy = { maxRetries: 1, intervalStart: 0, intervalStep: 0.05, intervalMax: 0.05 };
  const wrong = clientApp(t, s.url, prefix, { taskPublishRetryPolicy: policy, brokerConnectionOptions: { user: 'celery', pass: 'wrong' } });
  await assert.rejects(wrong.sendTask('conf.add', [1, 1]), (e: unknown) => {
    assert.ok(e instanceof OperationalError, `got ${String(e)}`);
    assert.ok(causes(e).includes('AuthorizationError'), `the causes name the auth failure: ${causes(e).join(' <- ')}`);
    return true;
  });
  const anonymous = clientApp(t, s.url, prefix, { taskPublishRetryPolicy: policy });
  await assert.rejects(anonymous.sendTask('conf.add', [1, 1]), OperationalError);
});

/** The names along an error's `cause` chain. */
function causes(e: unknown): string[] {
  const out: string[] = [];
  for (let c = e; c instanceof Error && out.length < 10; c = c.cause) out.push(c.name);
  return out;
}
