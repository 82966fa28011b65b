/**
 * Row 15: `chunks` runs as a group of `celery.starmap` tasks (one list per chunk); `map` and
 * `starmap` run as ONE task each and resolve to one list.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AsyncResult, GroupResult, NotRegistered, Signature, chain, chord, group } from 'celeriac';
import { add, boom, echo, xsum } from '../fixtures/canvas-app.ts';
import { pairs, range, runs, useCanvasApp } from './support.ts';

const fixture = useCanvasApp('map');

test('add.chunks(zip(range(10), range(10)), 3) -> [[0, 2, 4], [6, 8, 10], [12, 14, 16], [18]] as 4 starmap tasks', async () => {
  const sig = add.chunks(pairs(10), 3);
  assert.equal(sig.task, 'celery.chunks');
  assert.equal(sig.subtaskType, 'chunks');
  const before = await runs(fixture, 'celery.starmap');
  const res = await sig.delay();
  assert.ok(res instanceof GroupResult);
  assert.equal(res.results.length, 4);
  assert.deepEqual(await res.get({ timeout: 10 }), [[0, 2, 4], [6, 8, 10], [12, 14, 16], [18]]);
  assert.equal((await runs(fixture, 'celery.starmap')) - before, 4);
});

test('xsum.map([range(10), range(100)]) -> [45, 4950], ONE celery.map task', async () => {
  const sig = xsum.map([range(10), range(100)]);
  assert.equal(sig.task, 'celery.map');
  assert.equal(sig.subtaskType, 'xmap');
  const before = await runs(fixture, 'celery.map');
  const r = await sig.delay();
  assert.ok(r instanceof AsyncResult);
  assert.deepEqual(await r.get({ timeout: 10 }), [45, 4950]);
  assert.equal((await runs(fixture, 'celery.map')) - before, 1);
  const meta = await (await fixture.app.backend())!.get(r.id);
  assert.equal(meta?.name, 'celery.map');
});

test('add.starmap(zip(range(5), range(5))) -> [0, 2, 4, 6, 8], ONE celery.starmap task', async () => {
  const sig = add.starmap(pairs(5));
  assert.equal(sig.task, 'celery.starmap');
  assert.equal(sig.subtaskType, 'xstarmap');
  const before = await runs(fixture, 'celery.starmap');
  assert.deepEqual(await (await sig.delay()).get({ timeout: 10 }), [0, 2, 4, 6, 8]);
  assert.equal((await runs(fixture, 'celery.starmap')) - before, 1);
});

test('an error inside map fails the map task with it; an unknown task fails it with NotRegistered', async () => {
  await assert.rejects((await boom.map(['x']).delay()).get({ timeout: 10 }), (e: Error) => e.name === 'ValidationError');
  const unknown = Signature.fromJSON<[], unknown[]>({ ...xsum.map([[1]]).toJSON(), kwargs: { task: { task: 'canvas.nope', args: [], kwargs: {}, options: {}, immutable: false }, it: [[1]] } });
  await assert.rejects((await unknown.delay()).get({ timeout: 10 }), NotRegistered);
});

test('map, starmap and chunks nest in other primitives', async () => {
  const g = await group(xsum.map([[1, 2], [3]]), add.starmap([[1, 1]])).delay();
  assert.deepEqual(await g.get({ timeout: 10 }), [[3, 3], [2]]);
  const c = await chord([add.starmap(pairs(3)), xsum.map([[5, 5]])], echo.s()).delay();
  assert.deepEqual(await c.get({ timeout: 10 }), [[[0, 2, 4], [10]]]);
  // chunks followed by a step is a chord over the chunks, as a group would be.
  const ch = await chain(add.chunks(pairs(4), 2), echo.s()).delay();
  assert.deepEqual(await ch.get({ timeout: 10 }), [[[0, 2], [4, 6]]]);
});
