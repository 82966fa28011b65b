import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { SimulatedClock } from '../../../src/actors/clock.ts';
import { ChordError, ClosedError, ConfigError } from '../../../src/errors.ts';
import type { Logger } from '../../../src/log/logger.ts';
import type { ResultMeta } from '../../../src/protocol/result-meta.ts';
import { MemoryResultBackend, type MemoryResultBackendOptions } from '../../../src/transport/memory/result-backend.ts';
import { meta } from '../../helpers/meta.ts';

const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

function setup(t: TestContext, opts: MemoryResultBackendOptions = {}) {
  const clock = new SimulatedClock(5_000);
  const backend = new MemoryResultBackend({ clock, ...opts });
  t.after(() => backend.close());
  return { clock, backend };
}

describe('MemoryResultBackend (simulated clock)', () => {
  test('results expire resultExpires after their last write, through one timer', async (t) => {
    const { clock, backend } = setup(t, { resultExpires: 1_000 });
    await backend.set(meta('a', 'STARTED'));
    await backend.set(meta('b', 'SUCCESS', 1));
    assert.equal(clock.pendingCount, 1);
    clock.advance(600);
    await backend.set(meta('a', 'SUCCESS', 2)); // refreshes a's time to live
    clock.advance(400);
    assert.equal(await backend.get('b'), undefined);
    assert.equal((await backend.get('a'))?.result, 2);
    clock.advance(599);
    assert.ok(await backend.get('a'));
    clock.advance(1);
    assert.equal(await backend.get('a'), undefined);
    assert.equal(await backend.set(meta('a', 'FAILURE')), true, 'an expired ready result no longer blocks writes');
  });

  test('groups, chords and counters expire too; null keeps everything with no timer', async (t) => {
    const { clock, backend } = setup(t, { resultExpires: 1_000 });
    await backend.saveGroup('g', ['x']);
    await backend.chordJoin('c', 0, 2, 'v0');
    await backend.incr('n', 3);
    clock.advance(1_000);
    assert.equal(await backend.restoreGroup('g'), undefined);
    assert.equal(await backend.incr('n'), 1);
    assert.equal((await backend.chordJoin('c', 1, 2, 'v1')).complete, false, 'the chord started over');

    const forever = new MemoryResultBackend({ clock, resultExpires: null });
    t.after(() => forever.close());
    const before = clock.pendingCount;
    await forever.set(meta('k', 'SUCCESS'));
    await forever.saveGroup('g', ['k']);
    assert.equal(clock.pendingCount, before);
    clock.advance(10 * 86_400_000);
    assert.ok(await forever.get('k'));
    assert.deepEqual(await forever.restoreGroup('g'), ['k']);
  });

  test('setKey: ttl to the millisecond, no ttl keeps the key, ifAbsent respects expiry', async (t) => {
    const { clock, backend } = setup(t, { resultExpires: 1_000 });
    assert.equal(await backend.setKey('lock', 'a', { ttl: 300, ifAbsent: true }), true);
    assert.equal(await backend.setKey('plain', { v: 1 }), true);
    clock.advance(299);
    assert.equal(await backend.setKey('lock', 'b', { ttl: 300, ifAbsent: true }), false);
    assert.equal(await backend.getKey('lock'), 'a');
    clock.advance(1);
    assert.equal(await backend.getKey('lock'), undefined);
    assert.equal(await backend.setKey('lock', 'b', { ifAbsent: true }), true);
    clock.advance(100 * 86_400_000);
    assert.deepEqual(await backend.getKey('plain'), { v: 1 }, 'a key without ttl does not follow resultExpires');
    assert.equal(await backend.getKey('lock'), 'b');
    await assert.rejects(backend.setKey('k', 1, { ttl: 0 }), ConfigError);
  });

  test('values are copies: neither the writer nor a reader can change what is stored', async (t) => {
    const { backend } = setup(t);
    const m = meta('t', 'SUCCESS', { list: [1, 2] });
    await backend.set(m);
    (m.result as { list: number[] }).list.push(3);
    const got = await backend.get('t');
    assert.deepEqual(got?.result, { list: [1, 2] });
    (got!.result as { list: number[] }).list.push(4);
    assert.deepEqual((await backend.get('t'))?.result, { list: [1, 2] });
    const value = { n: 1 };
    await backend.setKey('k', value);
    value.n = 2;
    assert.deepEqual(await backend.getKey('k'), { n: 1 });
    await assert.rejects(backend.set(meta('bad', 'SUCCESS', () => 1)), /DataCloneError|could not be cloned/);
  });

  test('watchers are told after set() returns, in write order, each with its own copy', async (t) => {
    const { backend } = setup(t);
    const seen: string[] = [];
    const copies: ResultMeta[] = [];
    backend.watch('t', (m) => {
      seen.push(`one:${m.state}`);
      copies.push(m);
    });
    backend.watch('t', (m) => {
      seen.push(`two:${m.state}`);
      copies.push(m);
    });
    backend.watch('u', (m) => seen.push(`u:${m.state}`));
    const p = backend.set(meta('t', 'STARTED'));
    assert.deepEqual(seen, [], 'a watcher ran inside set()');
    await p;
    await backend.set(meta('u', 'STARTED'));
    await backend.set(meta('t', 'SUCCESS'));
    await settle();
    assert.deepEqual(seen, ['one:STARTED', 'two:STARTED', 'u:STARTED', 'one:SUCCESS', 'two:SUCCESS']);
    assert.notEqual(copies[0], copies[1]);
  });

  test('a throwing watcher is logged and the others are still told', async (t) => {
    const errors: unknown[] = [];
    const logger = { error: (o: unknown) => errors.push(o) } as unknown as Logger;
    const { backend } = setup(t, { logger });
    const seen: string[] = [];
    backend.watch('t', () => {
      throw new Error('watcher bug');
    });
    backend.watch('t', (m) => seen.push(m.state));
    await backend.set(meta('t', 'STARTED'));
    await backend.set(meta('t', 'SUCCESS'));
    await settle();
    assert.deepEqual(seen, ['STARTED', 'SUCCESS']);
    assert.equal(errors.length, 2);
  });

  test('an unsubscribed watcher is not told of a write already queued', async (t) => {
    const { backend } = setup(t);
    const seen: string[] = [];
    const stop = backend.watch('t', (m) => seen.push(m.state));
    const written = backend.set(meta('t', 'STARTED'));
    stop();
    stop();
    await written;
    await settle();
    assert.deepEqual(seen, []);
  });

  test('chordJoin refuses a bad index or a size that changed', async (t) => {
    const { backend } = setup(t);
    await assert.rejects(backend.chordJoin('c', 3, 3, null), ChordError);
    await assert.rejects(backend.chordJoin('c', -1, 3, null), ChordError);
    await assert.rejects(backend.chordJoin('c', 0, 0, null), ChordError);
    await backend.chordJoin('c', 0, 3, null);
    await assert.rejects(backend.chordJoin('c', 1, 4, null), ChordError);
    await assert.rejects(backend.incr('n', Number.NaN), ConfigError);
  });

  test('rejects a bad resultExpires', () => {
    assert.throws(() => new MemoryResultBackend({ resultExpires: 0 }), ConfigError);
    assert.throws(() => new MemoryResultBackend({ resultExpires: -1 }), ConfigError);
  });

  test('close stops the timer and refuses further use', async (t) => {
    const { clock, backend } = setup(t, { resultExpires: 1_000 });
    await backend.set(meta('t', 'SUCCESS'));
    assert.equal(clock.pendingCount, 1);
    await backend.close();
    assert.equal(clock.pendingCount, 0);
    await assert.rejects(backend.get('t'), ClosedError);
    await assert.rejects(backend.set(meta('t', 'SUCCESS')), ClosedError);
    assert.throws(() => backend.watch('t', () => {}), ClosedError);
  });
});
