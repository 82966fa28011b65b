/**
 * Two worker processes (test/fixtures/worker-process.ts) share one queue on one nats-server:
 * every task of a batch runs exactly once, the load spreads over both, and a chord whose header
 * ran on both workers joins once. This process is the producer (the fixture app, pointed at the
 * server with a prefix of this file's own).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chord } from 'celeriac';
import { app, gather, where } from '../fixtures/conformance-app.ts';
import { startNatsServer, type NatsServer } from '../helpers/nats-server.ts';
import { waitFor } from '../helpers/latch.ts';
import { uniqueName } from '../helpers/ns.ts';
import { newPrefix, startWorkers, totalRuns, type WorkerProcess } from './worker-procs.ts';

const T = { timeout: 30 };
let server: NatsServer;
const prefix = newPrefix();

before(async () => {
  server = await startNatsServer();
  app.conf.update({ broker: server.url, transportPrefix: prefix, brokerConnectionOptions: { reconnectTimeWait: 200 } });
});
after(async () => {
  await app.close();
  await server?.[Symbol.asyncDispose]();
});

test('two worker processes on one queue: each task once, the load spreads, a chord over both joins once', async (t) => {
  const tag = uniqueName('w');
  // Two slots and prefetch 1 each: neither can hold a whole batch, so both must take part.
  const workers: WorkerProcess[] = await startWorkers(t, [
    { broker: server.url, prefix, hostname: `${tag}-1@mp`, concurrency: 2, prefetch: 1 },
    { broker: server.url, prefix, hostname: `${tag}-2@mp`, concurrency: 2, prefetch: 1 },
  ]);
  const hosts = workers.map((w) => w.hostname).sort();

  await t.test('every task of a batch runs once, and the load spreads', async () => {
    const N = 200;
    const before = await totalRuns(app, hosts, 'conf.where');
    const sent = await Promise.all(Array.from({ length: N }, () => where.delay(5)));
    assert.equal(new Set(sent.map((r) => r.id)).size, N);
    const ranOn = await Promise.all(sent.map((r) => r.get(T)));
    const count = new Map<string, number>();
    for (const h of ranOn) count.set(h, (count.get(h) ?? 0) + 1);
    assert.deepEqual([...count.keys()].sort(), hosts, `results by worker: ${JSON.stringify([...count])}`);
    // Each worker counts what it ran: the counts add up to the batch, so nothing ran twice.
    await waitFor(async () => (await totalRuns(app, hosts, 'conf.where')) - before >= N, { name: 'stats count the batch', timeout: 15_000 });
    assert.equal((await totalRuns(app, hosts, 'conf.where')) - before, N);
  });

  await t.test('a chord whose header ran on both workers joins once', async () => {
    const before = await totalRuns(app, hosts, 'conf.gather');
    const r = await chord(
      Array.from({ length: 24 }, () => where.s(20)),
      gather.s(),
    ).delay();
    const ranOn = await r.get(T);
    assert.equal(ranOn.length, 24, 'the body got every header result');
    assert.deepEqual([...new Set(ranOn)].sort(), hosts, `header ran on: ${JSON.stringify(ranOn)}`);
    await waitFor(async () => (await totalRuns(app, hosts, 'conf.gather')) - before >= 1, { name: 'the body counted', timeout: 15_000 });
    // A second join would publish the body again right away; give it the time to show up.
    await new Promise((res) => setTimeout(res, 500));
    assert.equal((await totalRuns(app, hosts, 'conf.gather')) - before, 1, 'the body ran once');
    const again = await (await app.backend())!.chordJoin(r.id, 0, 24, 'x');
    assert.equal(again.complete, false, 'a repeated header index does not complete the join again');
  });

  await t.test('SIGTERM stops both warm: exit code 0', async () => {
    const exits = await Promise.all(workers.map((w) => w.terminate()));
    for (const [i, e] of exits.entries()) assert.deepEqual(e, { code: 0, signal: null }, workers[i]!.dump());
    for (const w of workers) assert.match(w.stdout, new RegExp(`^stopped ${w.hostname.replace('.', '\\.')}$`, 'm'));
  });
});
