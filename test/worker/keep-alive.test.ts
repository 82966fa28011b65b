/**
 * Unacked deliveries a worker holds stay with it while they run or wait in the pool: under
 * `acksLate` a task that outlives the visibility timeout is extended with `working()` and never
 * handed out again. Over `memory://` with a simulated clock, so the test moves time instead of
 * waiting for it; the NATS case (real time, real AckWait) is in test/nats/faults.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Celeriac, SimulatedClock, type TaskContext } from 'celeriac';
import { deferred } from '../../src/util/deferred.ts';
import { waitFor } from '../helpers/latch.ts';
import { uniqueName } from '../helpers/ns.ts';

const VISIBILITY_S = 1.5;

/** Lets the loop run: promises, immediates and the memory broker's dispatch passes. */
const settle = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
};

test('acksLate over memory://: a running task and one queued in the pool outlive 3x the visibility timeout and run once', async (t) => {
  const clock = new SimulatedClock(Date.now());
  const name = uniqueName('ka');
  const app = new Celeriac(name, { broker: `memory://${name}`, clock, config: { brokerVisibilityTimeout: VISIBILITY_S } });
  t.after(() => app.close());
  const gate = deferred<void>();
  // The side channel: every run of a task id, with whether the broker said it was redelivered.
  const runs = new Map<string, boolean[]>();
  const long = app.task(
    `${name}.long`,
    async (self: TaskContext) => {
      const seen = runs.get(self.request.id) ?? [];
      seen.push(self.request.redelivered === true);
      runs.set(self.request.id, seen);
      await gate.promise;
      return 'done';
    },
    { bind: true, acksLate: true },
  );
  // One slot: the first task runs, the second waits in the pool; both deliveries stay unacked.
  const worker = app.worker({ pool: 'inline', concurrency: 1, prefetchMultiplier: 2, hostname: `${name}@keep-alive` });
  await worker.start();
  t.after(() => worker.stop({ force: true }));
  const running = await long.delay();
  const queued = await long.delay();
  await waitFor(() => runs.has(running.id) && worker.supervisor!.executor.active.size === 2, { name: 'one running, one queued', timeout: 10_000 });
  // Three visibility timeouts, in steps the keep-alive tick divides.
  for (let ms = 0; ms < 3 * VISIBILITY_S * 1000; ms += 250) {
    clock.advance(250);
    await settle();
  }
  assert.equal(runs.size, 1, 'the queued task has not started, and nothing was redelivered to start it');
  gate.resolve();
  assert.equal(await running.get({ timeout: 10 }), 'done');
  assert.equal(await queued.get({ timeout: 10 }), 'done');
  assert.deepEqual(Object.fromEntries(runs), { [running.id]: [false], [queued.id]: [false] }, 'each ran once, neither was redelivered');
});

test('a task the Timer holds for its rate-limit token longer than the visibility timeout is not redelivered', async (t) => {
  const clock = new SimulatedClock(Date.now());
  const name = uniqueName('kr');
  const app = new Celeriac(name, { broker: `memory://${name}`, clock, config: { brokerVisibilityTimeout: VISIBILITY_S } });
  t.after(() => app.close());
  const runs = new Map<string, boolean[]>();
  // One token every 5 s: the second call waits in the Timer for more than 3 visibility timeouts.
  const limited = app.task(
    `${name}.limited`,
    (self: TaskContext) => {
      runs.set(self.request.id, [...(runs.get(self.request.id) ?? []), self.request.redelivered === true]);
      return 'ok';
    },
    { bind: true, rateLimit: '12/m' },
  );
  const worker = app.worker({ pool: 'inline', concurrency: 2, hostname: `${name}@keep-alive` });
  await worker.start();
  t.after(() => worker.stop({ force: true }));
  const first = await limited.delay();
  const second = await limited.delay();
  await waitFor(() => runs.has(first.id) && worker.supervisor!.timer.size === 1, { name: 'first ran, second held', timeout: 10_000 });
  for (let ms = 0; ms < 5_500; ms += 250) {
    clock.advance(250);
    await settle();
  }
  assert.equal(await second.get({ timeout: 10 }), 'ok');
  // A redelivered copy would wait for a later token: give it several.
  for (let ms = 0; ms < 15_000; ms += 1_000) {
    clock.advance(1_000);
    await settle();
  }
  assert.equal(worker.supervisor!.timer.size, 0, 'no copy left waiting');
  assert.deepEqual(Object.fromEntries(runs), { [first.id]: [false], [second.id]: [false] }, 'each ran once, neither was redelivered');
});
