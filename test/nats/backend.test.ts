/**
 * The KV result backend against a real server, across two connections: first write wins,
 * watch, chord joins that complete exactly once, counters, expiry, and odd ids.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ResultBackend } from '../../src/transport/types.ts';
import { waitFor } from '../helpers/latch.ts';
import { startNatsServer } from '../helpers/nats-server.ts';
import { newPrefix, openNats, quiet } from './support.ts';
import { meta } from '../helpers/meta.ts';

const server = await startNatsServer();
after(() => server[Symbol.asyncDispose]());


/** Two backends on two connections sharing one namespace, as two worker hosts. */
async function twoHosts(t: Parameters<typeof openNats>[0], opts: Parameters<typeof openNats>[2] = {}): Promise<[ResultBackend, ResultBackend]> {
  const prefix = newPrefix();
  const a = await openNats(t, server.url, { ...opts, prefix });
  const b = await openNats(t, server.url, { ...opts, prefix });
  return [a.backend!, b.backend!];
}

describe('NATS result backend', () => {
  test('concurrent ready writes from two hosts: exactly one wins', async (t) => {
    const [a, b] = await twoHosts(t);
    const writes = Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? a : b).set(meta('task-1', 'SUCCESS', i)));
    const won = (await Promise.all(writes)).map((ok, i) => (ok ? i : -1)).filter((i) => i >= 0);
    assert.equal(won.length, 1);
    assert.equal((await b.get('task-1'))?.result, won[0]);
    assert.equal(await a.set(meta('task-1', 'STARTED')), false, 'a non-ready state after a ready one');
  });

  test('watch on one host sees the other host’s accepted writes, in order', async (t) => {
    const [a, b] = await twoHosts(t);
    const seen: unknown[] = [];
    const stop = a.watch('task-w', (m) => seen.push(m.state));
    t.after(stop);
    assert.equal(await a.get('task-w'), undefined);
    await b.set(meta('task-w', 'STARTED'));
    await b.set(meta('task-w', 'PROGRESS'));
    await b.set(meta('task-w', 'SUCCESS', 1));
    await a.set(meta('task-w', 'FAILURE'));
    await b.forget('task-w'); // a purge marker: not a state
    await waitFor(() => seen.length >= 3, { name: 'three states' });
    await quiet(100);
    assert.deepEqual(seen, ['STARTED', 'PROGRESS', 'SUCCESS']);
  });

  test('chordJoin from two hosts, every index twice and at once: completes exactly once', async (t) => {
    const [a, b] = await twoHosts(t);
    const size = 10;
    const calls: Promise<{ complete: boolean; results?: unknown[] }>[] = [];
    for (let i = 0; i < size; i++) {
      calls.push(a.chordJoin('chord-1', i, size, `v${i}`));
      calls.push(b.chordJoin('chord-1', i, size, `v${i}`));
    }
    const outcomes = await Promise.all(calls);
    const complete = outcomes.filter((o) => o.complete);
    assert.equal(complete.length, 1);
    assert.deepEqual(complete[0]!.results, Array.from({ length: size }, (_, i) => `v${i}`));
    assert.equal((await b.chordJoin('chord-1', 3, size, 'v3')).complete, false);
  });

  test('incr from two hosts never loses an increment', async (t) => {
    const [a, b] = await twoHosts(t);
    const values = await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? a : b).incr('n')));
    assert.deepEqual([...values].sort((x, y) => x - y), Array.from({ length: 30 }, (_, i) => i + 1));
  });

  test('results expire after resultExpires; keys live on', async (t) => {
    const { backend } = await openNats(t, server.url, { resultExpires: 800 });
    await backend!.set(meta('short', 'SUCCESS', 1));
    await backend!.setKey('beat-last-run', 123);
    assert.equal((await backend!.get('short'))?.result, 1);
    await waitFor(async () => (await backend!.get('short')) === undefined, { name: 'the result to expire', timeout: 4000 });
    assert.equal(await backend!.getKey('beat-last-run'), 123);
    assert.equal(await backend!.set(meta('short', 'SUCCESS', 2)), true, 'an expired result is writable again');
  });

  test('odd task ids and group ids stay distinct', async (t) => {
    const { backend } = await openNats(t, server.url);
    const ids = ['a.b', 'a b', 'a=2Eb', 'ünï', 'group.x', '', '*', '>'];
    for (const [i, id] of ids.entries()) await backend!.set(meta(id, 'SUCCESS', i));
    for (const [i, id] of ids.entries()) assert.equal((await backend!.get(id))?.result, i, JSON.stringify(id));
    await backend!.saveGroup('x', ['a.b']);
    assert.deepEqual(await backend!.restoreGroup('x'), ['a.b']);
    assert.equal((await backend!.get('group.x'))?.result, 4);
  });

  test('a transport with the backend disabled has none', async (t) => {
    const transport = await openNats(t, server.url, { backendUrl: 'disabled' });
    assert.equal(transport.backend, null);
  });
});
