/** Result backend conformance: first write wins, watch, forget, groups, chords, counters, keys. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import type { ResultMeta } from '../../src/protocol/result-meta.ts';
import type { ResultBackend } from '../../src/transport/types.ts';
import { Latch } from '../helpers/latch.ts';
import { uniqueName } from '../helpers/ns.ts';
import { type MakeTransport, openFor, quiet } from './support.ts';

const meta = (taskId: string, state: string, result: unknown = null): ResultMeta => ({
  taskId,
  state,
  result,
  traceback: null,
  dateDone: state === 'SUCCESS' || state === 'FAILURE' || state === 'REVOKED' ? new Date().toISOString() : null,
});

async function backendOf(t: TestContext, make: MakeTransport): Promise<ResultBackend> {
  const { backend } = await openFor(t, make);
  assert.ok(backend, 'the transport has no result backend');
  return backend;
}

export function backendCases(make: MakeTransport): void {
  describe('result backend', () => {
    test('stores and returns a task meta; an unknown id is undefined', async (t) => {
      const backend = await backendOf(t, make);
      const id = uniqueName('task');
      assert.equal(await backend.get(id), undefined);
      const full: ResultMeta = {
        ...meta(id, 'SUCCESS', { sum: 3, list: [1, 'two', null] }),
        name: 'proj.add',
        args: [1, 2],
        parentId: null,
        rootId: id,
        groupId: null,
        children: ['c1'],
        hostname: 'w1@host',
      };
      assert.equal(await backend.set(full), true);
      assert.deepEqual(await backend.get(id), full);
    });

    test('the first ready state wins; later writes are ignored', async (t) => {
      const backend = await backendOf(t, make);
      const id = uniqueName('task');
      assert.equal(await backend.set(meta(id, 'STARTED')), true);
      assert.equal(await backend.set(meta(id, 'PROGRESS', { done: 50 })), true);
      assert.equal(await backend.set(meta(id, 'SUCCESS', 42)), true);
      assert.equal(await backend.set(meta(id, 'FAILURE', { name: 'Error', message: 'late' })), false);
      assert.equal(await backend.set(meta(id, 'SUCCESS', 43)), false);
      const got = await backend.get(id);
      assert.equal(got?.state, 'SUCCESS');
      assert.equal(got?.result, 42);
    });

    test('watch sees every accepted write in order, and stops after unsubscribe', async (t) => {
      const backend = await backendOf(t, make);
      const id = uniqueName('task');
      const seen: string[] = [];
      const latch = new Latch(3, 'three watched writes');
      const stop = backend.watch(id, (m) => {
        seen.push(m.state);
        latch.countDown();
      });
      t.after(stop);
      await backend.set(meta(id, 'STARTED'));
      await backend.set(meta(id, 'PROGRESS'));
      await backend.set(meta(id, 'SUCCESS', 1));
      await backend.set(meta(id, 'FAILURE')); // ignored: not seen
      await latch.wait(2_000);
      await quiet(100);
      assert.deepEqual(seen, ['STARTED', 'PROGRESS', 'SUCCESS']);

      const other = uniqueName('task');
      const seenOther: string[] = [];
      const stopOther = backend.watch(other, (m) => seenOther.push(m.state));
      stopOther();
      await backend.set(meta(other, 'SUCCESS'));
      await quiet(100);
      assert.deepEqual(seenOther, []);
    });

    test('forget deletes a result', async (t) => {
      const backend = await backendOf(t, make);
      const id = uniqueName('task');
      await backend.set(meta(id, 'SUCCESS', 1));
      await backend.forget(id);
      assert.equal(await backend.get(id), undefined);
      await backend.forget(id); // forgetting twice is fine
      assert.equal(await backend.set(meta(id, 'SUCCESS', 2)), true, 'a forgotten id is writable again');
    });

    test('saves, restores and forgets a group', async (t) => {
      const backend = await backendOf(t, make);
      const gid = uniqueName('group');
      assert.equal(await backend.restoreGroup(gid), undefined);
      const ids = ['a', 'b', 'c'].map(uniqueName);
      await backend.saveGroup(gid, ids);
      assert.deepEqual(await backend.restoreGroup(gid), ids);
      await backend.forgetGroup(gid);
      assert.equal(await backend.restoreGroup(gid), undefined);
    });

    test('chordJoin completes exactly once under concurrent calls, with results in header order', async (t) => {
      const backend = await backendOf(t, make);
      const chord = uniqueName('chord');
      const size = 6;
      const calls = [5, 0, 3, 3, 1, 4, 2, 0].map((i) => backend.chordJoin(chord, i, size, { i }));
      const outcomes = await Promise.all(calls);
      const complete = outcomes.filter((o) => o.complete);
      assert.equal(complete.length, 1);
      assert.deepEqual(complete[0]!.results, [0, 1, 2, 3, 4, 5].map((i) => ({ i })));
      const late = await backend.chordJoin(chord, 2, size, { i: 2 });
      assert.equal(late.complete, false);
    });

    test('chordJoin counts a repeated index once', async (t) => {
      const backend = await backendOf(t, make);
      const chord = uniqueName('chord');
      assert.equal((await backend.chordJoin(chord, 0, 3, 'a')).complete, false);
      assert.equal((await backend.chordJoin(chord, 0, 3, 'a')).complete, false);
      assert.equal((await backend.chordJoin(chord, 1, 3, 'b')).complete, false);
      const last = await backend.chordJoin(chord, 2, 3, 'c');
      assert.equal(last.complete, true);
      assert.deepEqual(last.results, ['a', 'b', 'c']);
    });

    test('incr adds atomically', async (t) => {
      const backend = await backendOf(t, make);
      const key = uniqueName('counter');
      assert.equal(await backend.incr(key), 1);
      assert.equal(await backend.incr(key, 5), 6);
      const values = await Promise.all(Array.from({ length: 20 }, () => backend.incr(key)));
      assert.deepEqual([...values].sort((a, b) => a - b), Array.from({ length: 20 }, (_, i) => 7 + i));
    });

    test('setKey with ifAbsent and a ttl', async (t) => {
      const backend = await backendOf(t, make);
      const key = uniqueName('lock');
      assert.equal(await backend.getKey(key), undefined);
      assert.equal(await backend.setKey(key, { owner: 'a' }, { ifAbsent: true, ttl: 300 }), true);
      assert.equal(await backend.setKey(key, { owner: 'b' }, { ifAbsent: true, ttl: 300 }), false);
      assert.deepEqual(await backend.getKey(key), { owner: 'a' });
      await quiet(450);
      assert.equal(await backend.getKey(key), undefined, 'the key outlived its ttl');
      assert.equal(await backend.setKey(key, { owner: 'b' }, { ifAbsent: true }), true);
      assert.deepEqual(await backend.getKey(key), { owner: 'b' });
      assert.equal(await backend.setKey(key, 7), true, 'a plain set overwrites');
      assert.equal(await backend.getKey(key), 7);
    });

    test('two transports on the same URL share results', async (t) => {
      const one = await backendOf(t, make);
      const two = await backendOf(t, make);
      const id = uniqueName('task');
      await one.set(meta(id, 'SUCCESS', 'shared'));
      assert.equal((await two.get(id))?.result, 'shared');
    });
  });
}
