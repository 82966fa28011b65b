/**
 * The worker conformance cases: the core behaviours end to end, with a real threads worker,
 * through whatever broker `makeBrokerUrl` names (memory://<hub> or a harness nats-server).
 * The same cases must pass on both transports.
 *
 * `makeBrokerUrl` runs once, before anything is published; it may also set other keys of the
 * fixture app (a NATS file sets its own `transportPrefix`). The suite closes the app after it.
 * One shared worker (concurrency 2) serves the default queue; cases that need other worker
 * settings (priorities, routing, events) start their own on queues of their own.
 */
import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import {
  MaxRetriesExceededError,
  NotRegistered,
  TaskRevokedError,
  TimeLimitExceeded,
  type CeleriacEvent,
  type Worker,
  type WorkerOptions,
} from 'celeriac';
import { add, alwaysRetry, app, block, boom, flaky, hang, MODULE, mul, onError, request, stamp } from '../fixtures/conformance-app.ts';
import { waitFor } from '../helpers/latch.ts';
import { uniqueName } from '../helpers/ns.ts';

/** Generous deadlines: the suite must pass on a loaded 2-core machine. */
const T = { timeout: 20 };

export function workerConformance(label: string, makeBrokerUrl: () => string | Promise<string>): void {
  describe(label, () => {
    let shared: Worker;
    const host = (): string => shared.hostname;

    async function ownWorker(t: TestContext, options: WorkerOptions): Promise<Worker> {
      const w = app.worker({ concurrency: 1, module: MODULE, hostname: `${uniqueName('own')}@conformance`, ...options });
      await w.start();
      t.after(() => w.stop({ force: true }));
      return w;
    }

    before(async () => {
      app.conf.update({ broker: await makeBrokerUrl() });
      shared = app.worker({ concurrency: 2, module: MODULE, hostname: `${uniqueName('shared')}@conformance` });
      await shared.start();
    });
    after(() => app.close());

    test('calling: delay then get returns the value, many calls in flight all complete, a failure comes back', async () => {
      const r = await add.delay(2, 2);
      assert.match(r.id, /^[0-9a-f-]{36}$/);
      assert.equal(await r.get(T), 4);
      assert.equal(await r.state(), 'SUCCESS');
      const many = await Promise.all(Array.from({ length: 100 }, (_, i) => mul.delay(i, 2)));
      assert.deepEqual(await Promise.all(many.map((x) => x.get(T))), Array.from({ length: 100 }, (_, i) => i * 2));
      const failed = await boom.delay('bad value');
      const err = (await failed.get({ ...T, propagate: false })) as Error & { traceback: string };
      assert.equal(err.name, 'ValidationError');
      assert.equal(err.message, 'bad value');
      assert.match(err.traceback, /conformance-app\.ts/);
      assert.equal(await failed.state(), 'FAILURE');
    });

    test('countdown and eta: PENDING while waiting, run not before their time', async () => {
      const sent = Date.now();
      const r1 = await stamp.applyAsync(['countdown'], { countdown: 0.6 });
      const r2 = await stamp.applyAsync(['eta'], { eta: new Date(sent + 400) });
      assert.equal(await r1.state(), 'PENDING');
      const a = await r1.get(T);
      const b = await r2.get(T);
      assert.ok(a.at >= sent + 600, `countdown task ran ${a.at - sent} ms after sending`);
      assert.ok(b.at >= sent + 400, `eta task ran ${b.at - sent} ms after sending`);
    });

    test('expires: an expired task is not run and ends REVOKED', async () => {
      const r = await stamp.applyAsync(['late'], { countdown: 0.3, expires: 0.1 });
      assert.ok((await r.get({ ...T, propagate: false })) instanceof TaskRevokedError);
      assert.equal(await r.state(), 'REVOKED');
      const past = await stamp.applyAsync(['past'], { expires: new Date(Date.now() - 1000) });
      await assert.rejects(past.get(T), TaskRevokedError);
    });

    test('routing: an explicit queue wins, then taskRoutes (exact, glob), then the default queue', async (t) => {
      const [hipri, lopri, idle] = [uniqueName('hipri'), uniqueName('lopri'), uniqueName('idle')];
      app.conf.update({ taskRoutes: { 'conf.request': { queue: hipri }, 'conf.st*': { queue: idle } } });
      t.after(() => app.conf.update({ taskRoutes: null }));
      await ownWorker(t, { queues: [hipri, lopri] });
      const queueOf = async (p: Promise<{ get: (o: typeof T) => Promise<unknown> }>) => ((await (await p).get(T)) as { queue: string }).queue;
      assert.equal(await queueOf(request.applyAsync([])), hipri, 'exact route');
      assert.equal(await queueOf(request.applyAsync([], { queue: lopri })), lopri, 'explicit queue');
      assert.equal(await queueOf(request.applyAsync([], { queue: 'celery' })), 'celery', 'the shared worker serves the default queue');
      // A glob route to a queue nobody consumes: the message waits there.
      await stamp.delay('parked');
      const broker = (await app.transport()).broker;
      await waitFor(async () => (await broker.size(idle)) === 1, { name: `one message parked on ${idle}`, timeout: 10_000 });
      await broker.purge(idle);
    });

    test('priorities: queued before the worker starts, one slot, prefetch 1: highest first', async (t) => {
      const q = uniqueName('prio');
      const low = await stamp.applyAsync(['low'], { queue: q, priority: 1 });
      const mid = await stamp.applyAsync(['mid'], { queue: q, priority: 5 });
      const high = await stamp.applyAsync(['high'], { queue: q, priority: 9 });
      const none = await stamp.applyAsync(['none'], { queue: q });
      await ownWorker(t, { queues: [q], concurrency: 1, prefetchMultiplier: 1 });
      const at = async (r: typeof low) => (await r.get(T)).at;
      const [h, m, l, n] = [await at(high), await at(mid), await at(low), await at(none)];
      assert.ok(h <= m && m <= l && l <= n, `start times: high ${h}, mid ${m}, low ${l}, none ${n}`);
    });

    test('retries: RETRY then SUCCESS; past maxRetries MaxRetriesExceededError', async () => {
      const states: string[] = [];
      const r = await flaky.delay(2);
      assert.equal(await r.get({ ...T, onMessage: (m) => states.push(m.state) }), 'ok after 2 retries');
      assert.deepEqual(states, ['RETRY', 'RETRY', 'SUCCESS']);
      const exhausted: string[] = [];
      const err = await (await alwaysRetry.delay()).get({ ...T, propagate: false, onMessage: (m) => exhausted.push(m.state) });
      assert.ok(err instanceof MaxRetriesExceededError, `got ${String(err)}`);
      assert.deepEqual(exhausted, ['RETRY', 'RETRY', 'FAILURE']);
    });

    test('hard time limit: TimeLimitExceeded, and the next task succeeds', async () => {
      const r = await hang.delay();
      const err = await r.get({ ...T, propagate: false });
      assert.ok(err instanceof TimeLimitExceeded, `got ${String(err)}`);
      assert.equal(await r.state(), 'FAILURE');
      assert.equal(await (await add.delay(20, 22)).get(T), 42);
    });

    test('an unknown task ends FAILURE NotRegistered; the worker keeps serving', async () => {
      const err = await (await app.sendTask('conf.not_there', [1])).get({ ...T, propagate: false });
      assert.ok(err instanceof NotRegistered, `got ${String(err)}`);
      assert.equal(await (await add.delay(1, 2)).get(T), 3);
    });

    test('links: get() returns the parent value (16, not 64); errbacks get the failed id', async () => {
      const r = await mul.applyAsync([4, 4], { link: mul.s(4) });
      assert.equal(await r.get(T), 16);
      const [child] = await r.children();
      assert.equal(await child!.get(T), 64);
      const errbackId = uniqueName('errback');
      const failed = await boom.applyAsync(['linked'], { linkError: onError.s().set({ taskId: errbackId }), link: add.s(1) });
      await assert.rejects(failed.get(T), (e: Error) => e.name === 'ValidationError');
      assert.equal(await app.asyncResult(errbackId).get(T), `handled ${failed.id}`);
      assert.deepEqual(await failed.children(), [], 'no success callback ran');
    });

    test('revoke: a waiting task is skipped (REVOKED, listed); terminate stops a running one', async () => {
      const waiting = await stamp.applyAsync(['revoked'], { countdown: 0.8 });
      await waiting.revoke();
      await assert.rejects(waiting.get(T), TaskRevokedError);
      assert.equal(await waiting.state(), 'REVOKED');
      const revoked = await app.control.inspect({ destination: [host()], timeout: 10 }).revoked();
      assert.ok(revoked[host()]!.includes(waiting.id));
      const running = await block.delay();
      await waitFor(async () => (await running.state()) === 'STARTED', { name: 'block STARTED', timeout: 15_000 });
      await running.revoke({ terminate: true });
      await assert.rejects(running.get(T), TaskRevokedError);
      assert.equal(await running.state(), 'REVOKED');
      assert.equal(await (await add.delay(1, 1)).get(T), 2);
    });

    test('control: ping, inspect registered and stats (tasks run are counted)', async () => {
      assert.deepEqual(await app.control.ping({ destination: [host()], timeout: 10 }), { [host()]: 'pong' });
      const inspect = app.control.inspect({ destination: [host()], timeout: 10 });
      assert.deepEqual(await inspect.ping(), { [host()]: 'pong' });
      const registered = (await inspect.registered())[host()]!;
      for (const name of ['conf.add', 'conf.mul', 'conf.flaky']) assert.ok(registered.includes(name), `${name} in ${registered.join(', ')}`);
      const before = (await inspect.stats())[host()]!;
      assert.equal(before.pool.implementation, 'threads');
      assert.equal(before.pool.size, 2);
      assert.equal(typeof before.uptime, 'number');
      await (await add.delay(3, 4)).get(T);
      await waitFor(async () => ((await inspect.stats())[host()]!.total['conf.add'] ?? 0) === (before.total['conf.add'] ?? 0) + 1, {
        name: 'stats.total counts the add',
        timeout: 10_000,
      });
    });

    test('events: worker heartbeats always; task events after enable_events', async (t) => {
      const q = uniqueName('ev');
      const seen: CeleriacEvent[] = [];
      const off = (await app.transport()).events.subscribe('*', (e) => seen.push(e));
      t.after(off);
      const w = await ownWorker(t, { queues: [q], heartbeatInterval: 0.1 });
      // A heartbeat seen means the subscription is live (on NATS it is set up asynchronously).
      await waitFor(() => seen.some((e) => e.type === 'worker-heartbeat' && e.hostname === w.hostname), { name: 'a heartbeat', timeout: 10_000 });
      const quiet = await add.applyAsync([1, 1], { queue: q });
      await quiet.get(T);
      assert.ok(!seen.some((e) => e.type.startsWith('task-') && e.hostname === w.hostname), 'no task events before enable');
      assert.deepEqual(await app.control.enableEvents({ destination: [w.hostname], timeout: 10 }), { [w.hostname]: 'task events enabled' });
      const r = await add.applyAsync([2, 2], { queue: q });
      await r.get(T);
      const mine = () => seen.filter((e) => 'uuid' in e && e.uuid === r.id);
      await waitFor(() => mine().some((e) => e.type === 'task-succeeded'), { name: 'task-succeeded', timeout: 10_000 });
      assert.deepEqual(mine().map((e) => e.type), ['task-received', 'task-started', 'task-succeeded']);
      const ok = mine().find((e) => e.type === 'task-succeeded') as { result: unknown; runtime: unknown; hostname: string };
      assert.equal(ok.result, '4');
      assert.equal(typeof ok.runtime, 'number');
      assert.equal(ok.hostname, w.hostname);
    });
  });
}
