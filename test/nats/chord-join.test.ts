/**
 * The NATS chord join (src/transport/nats/chord-join.ts) against real servers: the tree's
 * shape, exactly one completion when several hosts race on the same chord with repeated
 * indexes, the first value of a repeated index standing, a header that crashed after storing
 * its value, a join through a server restart, a chord of 1,000 headers through a real worker,
 * and the race on a three-server cluster with R3 buckets (where nats-server 2.9 lets two
 * compare-and-sets on one revision both win, but never two creates).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { jetstream } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { connect } from '@nats-io/transport-node';
import { chord, type Worker } from 'celeriac';
import { ChordError } from '../../src/errors.ts';
import { chordPath } from '../../src/transport/nats/chord-join.ts';
import { msgpackCodec } from '../../src/serialization/codecs.ts';
import type { ChordJoinResult, ResultBackend } from '../../src/transport/types.ts';
import { app, add, log } from '../fixtures/canvas-app.ts';
import { startCluster, startNatsServer } from '../helpers/nats-server.ts';
import { uniqueName } from '../helpers/ns.ts';
import { newPrefix, openNats, quiet } from './support.ts';

const server = await startNatsServer();
after(() => server[Symbol.asyncDispose]());

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/** `n` backends on `n` connections sharing one namespace, as `n` worker hosts. */
async function hosts(t: Parameters<typeof openNats>[0], urls: string[], n: number, replicas = 1): Promise<ResultBackend[]> {
  const prefix = newPrefix();
  const out: ResultBackend[] = [];
  for (let i = 0; i < n; i++) out.push((await openNats(t, urls[i % urls.length]!, { prefix, replicas })).backend!);
  return out;
}

/** Every index once and every third index twice more (redeliveries), all at once from `backends`, shuffled. */
async function race(backends: ResultBackend[], id: string, size: number): Promise<ChordJoinResult[]> {
  const calls: { i: number; v: string }[] = range(size).map((i) => ({ i, v: `v${i}` }));
  for (let i = 0; i < size; i += 3) calls.push({ i, v: `v${i}` }, { i, v: `v${i}` });
  for (let k = calls.length - 1; k > 0; k--) {
    const j = Math.floor(Math.random() * (k + 1));
    [calls[k], calls[j]] = [calls[j]!, calls[k]!];
  }
  return Promise.all(calls.map(({ i, v }, k) => backends[k % backends.length]!.chordJoin(id, i, size, v)));
}

function assertJoinedOnce(outcomes: ChordJoinResult[], size: number): void {
  const complete = outcomes.filter((o) => o.complete);
  assert.equal(complete.length, 1, `${complete.length} callers completed the chord`);
  assert.deepEqual(complete[0]!.results, range(size).map((i) => `v${i}`));
}

describe('chordPath', () => {
  test('every size up to 70: size - 1 nodes, each reached from both halves, the root last', () => {
    assert.deepEqual(chordPath(1, 0), []);
    for (let size = 2; size <= 70; size++) {
      const sides = new Map<string, Set<number>>();
      for (const i of range(size)) {
        const path = chordPath(size, i);
        assert.ok(path.at(-1)!.lo === 0 && path.at(-1)!.hi === size, `size ${size}: root last`);
        assert.ok(path.length <= Math.ceil(Math.log2(size)), `size ${size}: depth ${path.length}`);
        for (const [k, s] of path.entries()) {
          assert.ok(s.lo <= i && i < s.hi, 'the node covers the header');
          if (k > 0) assert.ok(path[k - 1]!.hi - path[k - 1]!.lo < s.hi - s.lo, 'nodes grow on the way up');
          const key = `${s.lo}-${s.hi}`;
          if (!sides.has(key)) sides.set(key, new Set());
          sides.get(key)!.add(s.side);
        }
      }
      assert.equal(sides.size, size - 1, `size ${size}`);
      for (const [key, s] of sides) assert.equal(s.size, 2, `size ${size}: node ${key} reached from one half only`);
    }
  });
});

describe('NATS chord join', () => {
  test('three hosts race on 300 headers, a third of them repeated: joins exactly once, results in order', async (t) => {
    const backends = await hosts(t, [server.url], 3);
    for (let round = 0; round < 3; round++) {
      const id = uniqueName('race');
      assertJoinedOnce(await race(backends, id, 300), 300);
      const late = await Promise.all(backends.map((b, k) => b.chordJoin(id, k * 7, 300, 'late')));
      assert.ok(late.every((o) => !o.complete), 'a header repeated after the join does not complete it again');
    }
  });

  test('a repeated index counts once and its first value stands; size 1 joins at once', async (t) => {
    const [a, b] = await hosts(t, [server.url], 2);
    const id = uniqueName('dup');
    assert.equal((await a!.chordJoin(id, 1, 3, 'first')).complete, false);
    assert.equal((await b!.chordJoin(id, 1, 3, 'second')).complete, false);
    assert.equal((await a!.chordJoin(id, 1, 3, 'third')).complete, false);
    assert.equal((await b!.chordJoin(id, 0, 3, { a: [1] })).complete, false);
    const last = await a!.chordJoin(id, 2, 3, null);
    assert.deepEqual(last, { complete: true, results: [{ a: [1] }, 'first', null] });
    assert.equal((await b!.chordJoin(id, 2, 3, null)).complete, false);

    const single = uniqueName('one');
    assert.deepEqual(await b!.chordJoin(single, 0, 1, 7), { complete: true, results: [7] });
    assert.equal((await a!.chordJoin(single, 0, 1, 7)).complete, false);
  });

  test('a header that stored its value and died before counting is counted when redelivered', async (t) => {
    const prefix = newPrefix();
    const { backend } = await openNats(t, server.url, { prefix });
    const id = uniqueName('crash');
    for (const i of [0, 1, 2]) assert.equal((await backend!.chordJoin(id, i, 4, `v${i}`)).complete, false);
    // What the crashed worker left: header 3's value, and nothing of the tree.
    const nc = await connect({ servers: server.url });
    t.after(() => nc.close());
    const kv = await new Kvm(jetstream(nc)).open(`${prefix}-results`);
    await kv.create(`chord.${id}.3`, msgpackCodec.encode('v3-before-the-crash'));
    const redelivered = await backend!.chordJoin(id, 3, 4, 'v3-redelivered');
    assert.deepEqual(redelivered, { complete: true, results: ['v0', 'v1', 'v2', 'v3-before-the-crash'] });
    const keys: string[] = [];
    for await (const k of await kv.keys(`chord.${id}.>`)) keys.push(k);
    assert.equal(keys.filter((k) => k.includes('.join.')).length, 3, 'size - 1 tree nodes');
    assert.equal(keys.length, 4 + 3 + 1, 'values, nodes, fired: nothing else');
  });

  test('a join that meets a server restart starts over and completes once', async (t) => {
    const own = await startNatsServer();
    t.after(() => own[Symbol.asyncDispose]());
    const connectionOptions = { publishTimeout: 400, apiTimeout: 400, reconnectTimeWait: 100 };
    const { backend } = await openNats(t, own.url, { connectionOptions });
    const id = uniqueName('outage');
    for (const i of [0, 1, 2]) assert.equal((await backend!.chordJoin(id, i, 4, `v${i}`)).complete, false);
    await own.stop();
    const joining = backend!.chordJoin(id, 3, 4, 'v3');
    await quiet(600);
    await own.start();
    assert.deepEqual(await joining, { complete: true, results: ['v0', 'v1', 'v2', 'v3'] });
    assert.equal((await backend!.chordJoin(id, 3, 4, 'v3')).complete, false);
  });

  test('a bad index or a size that differs is a ChordError', async (t) => {
    const [a] = await hosts(t, [server.url], 1);
    const id = uniqueName('bad');
    await assert.rejects(a!.chordJoin(id, 3, 3, null), ChordError);
    await assert.rejects(a!.chordJoin(id, -1, 3, null), ChordError);
    await assert.rejects(a!.chordJoin(id, 0, 0, null), ChordError);
    await a!.chordJoin(id, 0, 4, null);
    await assert.rejects(a!.chordJoin(id, 1, 4.5, null), ChordError);
    // Header 1 of a chord of 2 meets header 0's record (size 4) at node [0, 2).
    await assert.rejects(a!.chordJoin(id, 1, 2, null), ChordError);
  });
});

describe('a chord of 1,000 headers through a real worker over nats://', () => {
  let worker: Worker;
  before(async () => {
    app.conf.update({ broker: server.url, transportPrefix: newPrefix(), resultExpires: 600 });
    worker = app.worker({
      concurrency: 2,
      prefetchMultiplier: 64,
      module: new URL('../fixtures/canvas-app.ts', import.meta.url).href,
      hostname: `chord-join-${process.pid}@test`,
    });
    await worker.start();
  });
  after(() => app.close());

  test('the body runs once with all 1,000 results in order', async (t) => {
    const started = performance.now();
    const r = await chord(range(1000).map((i) => add.s(i, 1)), log.s()).delay();
    assert.deepEqual(await r.get({ timeout: 60 }), range(1000).map((i) => i + 1));
    t.diagnostic(`chord of 1,000 end to end: ${Math.round(performance.now() - started)} ms`);
    const again = await (await app.backend())!.chordJoin(r.id, 999, 1000, 1000);
    assert.equal(again.complete, false, 'a repeated header does not join again');
  });
});

describe('on a three-server cluster with R3 buckets', () => {
  test('three hosts, one per server, race on 300 headers with repeats: joins exactly once', async (t) => {
    const cluster = await startCluster(3);
    t.after(() => cluster[Symbol.asyncDispose]());
    const backends = await hosts(t, cluster.urls, 3, 3);
    for (let round = 0; round < 2; round++) assertJoinedOnce(await race(backends, uniqueName('r3'), 300), 300);
  });

  test('three hosts race ready writes of 100 tasks: one wins each, and every host reads the winner', async (t) => {
    // The ready state is a create, which a 2.9 cluster serializes (a compare-and-set above 0
    // it does not, before 2.9.21: nats-io/nats-server#4320).
    const cluster = await startCluster(3);
    t.after(() => cluster[Symbol.asyncDispose]());
    const backends = await hosts(t, cluster.urls, 3, 3);
    // The bucket is made once, by one host, before the race (an R3 create is slow under load).
    for (const b of backends) await b.get('warm-up');
    const ids = Array.from({ length: 100 }, () => uniqueName('task'));
    const meta = (taskId: string, result: number) => ({ taskId, state: 'SUCCESS', result, traceback: null, dateDone: null });
    await Promise.all(ids.map((id) => backends[0]!.set({ ...meta(id, -1), state: 'STARTED' })));
    const won = await Promise.all(ids.map((id) => Promise.all(backends.map((b, h) => b.set(meta(id, h))))));
    for (const [i, id] of ids.entries()) {
      const winners = won[i]!.flatMap((ok, h) => (ok ? [h] : []));
      assert.equal(winners.length, 1, `${id}: winners ${winners.join(',')}`);
      for (const b of backends) assert.equal((await b.get(id))?.result, winners[0], `${id} as every host reads it`);
    }
  });
});
