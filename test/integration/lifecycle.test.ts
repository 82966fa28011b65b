/** Worker lifecycle: warm and cold stops, acks late, the inline pool, supervision, host exit. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ConfigError } from 'celeriac';
import { add, sleep, lateSleep, stamp } from '../fixtures/e2e-app.ts';
import { startWorker, useApp } from '../helpers/e2e.ts';
import { uniqueName } from '../helpers/ns.ts';

const app = useApp();

test('warm stop lets the running task finish and store its result', async () => {
  const w = await startWorker(null);
  const r = await sleep.delay(300);
  await waitState(r.id, (s) => s === 'PENDING' && w.supervisor!.executor.active.size > 0);
  await w.stop();
  assert.equal(w.state, 'stopped');
  assert.equal(await r.state(), 'SUCCESS');
  assert.equal(await r.get({ timeout: 1 }), 300);
});

test('cold stop with acksLate hands the running task back; the next worker completes it', async () => {
  const q = uniqueName('late');
  const w1 = await startWorker(null, { queues: [q] });
  const r = await lateSleep.applyAsync([400], { queue: q });
  await waitFor(() => w1.supervisor!.executor.active.size > 0, 'task running on w1');
  await w1.stop({ force: true });
  assert.equal(await r.state(), 'PENDING', 'no state was written for the aborted run');
  const transport = await app.transport();
  assert.equal(await transport.broker.size(q), 1, 'the message is back in the queue');
  const w2 = await startWorker(null, { queues: [q] });
  assert.equal(await r.get({ timeout: 10 }), 'slept 400');
  await w2.stop();
});

test('a held countdown task goes back to the broker on stop, and runs on the next worker', async () => {
  const q = uniqueName('held');
  const w1 = await startWorker(null, { queues: [q] });
  const r = await stamp.applyAsync(['held'], { queue: q, countdown: 0.5 });
  await waitFor(() => w1.supervisor!.timer.size === 1, 'task held in the timer');
  await w1.stop();
  const w2 = await startWorker(null, { queues: [q] });
  const v = await r.get({ timeout: 10 });
  assert.equal(v.tag, 'held');
  await w2.stop();
});

test('the inline pool runs async tasks on the host loop', async (t) => {
  const w = await startWorker(t, { pool: 'inline', concurrency: 4 });
  assert.equal(w.options.pool, 'inline');
  const rs = await Promise.all([sleep.delay(100), sleep.delay(100), add.delay(1, 2)]);
  assert.deepEqual(await Promise.all(rs.map((r) => r.get({ timeout: 10 }))), [100, 100, 3]);
  const stats = (await app.control.inspect({ destination: w.hostname }).stats())[w.hostname]!;
  assert.equal(stats.pool.implementation, 'inline');
});

test('worker options are validated once, naming the key', () => {
  assert.throws(() => app.worker({ concurrency: 0 }), (e: Error) => e instanceof ConfigError && (e as ConfigError & { key: string }).key === 'concurrency');
  assert.throws(() => app.worker({ pool: 'processes' as never }), ConfigError);
  assert.throws(() => app.worker({ autoscale: [1, 4] }), ConfigError);
  assert.throws(() => app.worker({ prefetchMultiplier: -1 }), ConfigError);
});

test('supervision: when its transport closes under it, the worker goes offline with a reason', async () => {
  const { Celeriac } = await import('celeriac');
  const other = new Celeriac('e2e', { broker: `memory://${uniqueName('sup')}`, module: new URL('../fixtures/e2e-app.ts', import.meta.url).href });
  const w = other.worker({ concurrency: 1, maxRestarts: 2, restartPeriod: 10 });
  const offline = new Promise<string>((resolve) => w.onOffline(resolve));
  await w.start();
  const transport = await other.transport();
  await transport.close();
  const reason = await offline;
  assert.match(reason, /consumer:celery failed more than 2 times/);
  assert.equal(w.state, 'offline');
  await w.stop();
  await other.close();
});

test('an embedding host exits on its own after worker.stop() and app.close()', async () => {
  const host = fileURLToPath(new URL('../fixtures/embedded-host.ts', import.meta.url));
  const child = spawn(process.execPath, ['--conditions=celeriac-source', '--import', 'tsx', host], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve(-1);
    }, 30_000);
    child.on('exit', (c) => {
      clearTimeout(timer);
      resolve(c);
    });
  });
  assert.equal(code, 0, `host did not exit cleanly (code ${code}): ${err}`);
  assert.match(out, /result 7/);
});

async function waitFor(pred: () => boolean, name: string, timeout = 10_000): Promise<void> {
  const until = Date.now() + timeout;
  while (!pred()) {
    if (Date.now() > until) assert.fail(`timed out waiting for: ${name}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function waitState(id: string, pred: (state: string) => boolean): Promise<void> {
  const r = app.asyncResult(id);
  const until = Date.now() + 10_000;
  while (!pred(await r.state())) {
    if (Date.now() > until) assert.fail(`timed out waiting on ${id}`);
    await new Promise((res) => setTimeout(res, 5));
  }
}
