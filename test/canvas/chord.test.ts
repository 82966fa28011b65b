/**
 * Chords: the seeds' examples (90 both ways, seed 004's log body), rows 13-14, the body run
 * exactly once for a 200-task header, an empty header, and every way a header can fail
 * (FAILURE, unregistered, expired, revoked) resolving the chord with ChordError.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChordError, Chord, NotRegistered, chain, chord, group, signature } from 'celeriac';
import { add, boom, echo, log, multiply, onError, sleep, xsum } from '../fixtures/canvas-app.ts';
import { range, runs, useCanvasApp } from './support.ts';

const fixture = useCanvasApp('chord');
const { app } = fixture;

const isChordError = (dependency?: string) => (e: unknown) =>
  e instanceof ChordError && e.code === 'CELERIAC_CHORD' && (dependency === undefined || (e as ChordError & { dependencyId: string }).dependencyId === dependency);

test('chord((add.s(i, i) for i in range(10)), xsum.s())() -> 90; the result id is the body id', async () => {
  const c = chord(range(10).map((i) => add.s(i, i)), xsum.s());
  const r = await c.delay();
  assert.equal(await r.get({ timeout: 10 }), 90);
  const meta = await (await app.backend())!.get(r.id);
  assert.equal(meta?.name, 'canvas.xsum');
});

test('row 14: group(...) | xsum.s() is a chord and gives 90; chord(group(...), body) too', async () => {
  const c = group(range(10).map((i) => add.s(i, i))).pipe(xsum.s());
  assert.ok(c instanceof Chord);
  assert.equal(await (await c.delay()).get({ timeout: 10 }), 90);
  assert.equal(await (await chord(group(range(10).map((i) => add.s(i, i))), xsum.s()).delay()).get({ timeout: 10 }), 90);
});

test('chord.set({ taskId }) and applyAsync({ taskId }) name the chord result (the body)', async () => {
  const stamp = Date.now();
  const r = await chord([add.s(1, 1)], xsum.s()).set({ taskId: `chord-set-${stamp}` }).delay();
  assert.equal(r.id, `chord-set-${stamp}`);
  assert.equal(await r.get({ timeout: 10 }), 2);
  const r2 = await chord([add.s(2, 2)], xsum.s()).applyAsync([], { taskId: `chord-apply-${stamp}` });
  assert.equal(r2.id, `chord-apply-${stamp}`);
  assert.equal(await r2.get({ timeout: 10 }), 4);
});

test('row 13: the body is called with ONE argument, the list of header results in header order', async () => {
  const r = await chord(range(5).map((i) => add.s(i, i)), echo.s()).delay();
  assert.deepEqual(await r.get({ timeout: 10 }), [[0, 2, 4, 6, 8]]);
});

test('seed 004: chord(group(multiply.s(i, i + 5) ...), log.s()) and the | form -> [0, 6, ..., 126]', async () => {
  const expected = [0, 6, 14, 24, 36, 50, 66, 84, 104, 126];
  const sig = chord(group(range(10).map((i) => multiply.s(i, i + 5))), log.s());
  assert.deepEqual(await (await sig.delay()).get({ timeout: 10 }), expected);
  const piped = group(range(10).map((i) => multiply.s(i, i + 5))).pipe(log.s());
  assert.deepEqual(await (await piped.delay()).get({ timeout: 10 }), expected);
});

test('a partial chord: call-time args go to every header task', async () => {
  assert.equal(await (await chord(range(4).map((i) => add.s(i)), xsum.s()).delay(10)).get({ timeout: 10 }), 46);
});

test('a 200-task header joins exactly once: the body runs once', async () => {
  const before = await runs(fixture, 'canvas.log');
  const r = await chord(range(200).map((i) => add.s(i, 1)), log.s()).delay();
  const values = (await r.get({ timeout: 20 })) as number[];
  assert.deepEqual(values, range(200).map((i) => i + 1));
  // Every header task has reported and the body has run: a redelivered header task (same
  // index again) cannot complete the join a second time.
  const again = await (await app.backend())!.chordJoin(r.id, 0, 200, 1);
  assert.equal(again.complete, false);
  assert.equal((await runs(fixture, 'canvas.log')) - before, 1);
});

test('an empty header calls the body with [] at once', async () => {
  assert.deepEqual(await (await chord([], echo.s()).delay()).get({ timeout: 10 }), [[]]);
  assert.equal(await (await chord([], xsum.s()).delay()).get({ timeout: 10 }), 0);
});

test('a failing header task: ChordError naming it, the errback fires once, the body never runs', async () => {
  const before = await runs(fixture, 'canvas.echo');
  const stamp = Date.now();
  const headerIds = [0, 1, 2].map((i) => `header-${i}-${stamp}`);
  const ebId = `chord-eb-${stamp}`;
  // The successes end after the failure, so one of them completes the join.
  const header = [add.s(1, 1).set({ countdown: 0.3 }), boom.s('in header'), add.s(2, 2).set({ countdown: 0.3 })].map((s, i) =>
    s.set({ taskId: headerIds[i]! }),
  );
  const c = chord(header, echo.s()).linkError(onError.s().set({ taskId: ebId }));
  const r = await c.delay();
  const err = await r.get({ timeout: 10, propagate: false });
  assert.ok(isChordError(headerIds[1])(err), String(err));
  await assert.rejects(r.get({ timeout: 10 }), ChordError);
  assert.equal(await r.state(), 'FAILURE');
  assert.equal(await app.asyncResult(ebId).get({ timeout: 10 }), `handled ${r.id}`);
  // Once every header task has ended (and a later task has run after them), the body has not.
  await Promise.all(headerIds.map((id) => app.asyncResult(id).get({ timeout: 10, propagate: false })));
  await (await add.delay(0, 0)).get({ timeout: 10 });
  assert.equal((await runs(fixture, 'canvas.echo')) - before, 0);
});

test('a chord whose body is a chain: a header failure fails the chain result and fires the errback once', async () => {
  const ebId = `chain-body-eb-${Date.now()}`;
  const c = chord([add.s(1, 1), boom.s('in header')], chain(xsum.s(), echo.s())).linkError(onError.s().set({ taskId: ebId }));
  const r = await c.delay();
  await assert.rejects(r.get({ timeout: 10 }), isChordError());
  assert.equal(await app.asyncResult(ebId).get({ timeout: 10 }), `handled ${r.id}`);
});

test('an unregistered header task fails the chord with ChordError; an unregistered body with NotRegistered', async () => {
  const r = await chord([add.s(1, 1), signature<[], number>('canvas.notThere')], xsum.s()).delay();
  await assert.rejects(r.get({ timeout: 10 }), isChordError());
  const r2 = await chord([add.s(1, 1)], signature('canvas.noBody')).delay();
  await assert.rejects(r2.get({ timeout: 10 }), NotRegistered);
});

test('an expired header task (REVOKED before it runs) resolves the chord with ChordError', async () => {
  const r = await chord([add.s(1, 1), add.s(2, 2).set({ expires: new Date(Date.now() - 1000) })], xsum.s()).delay();
  await assert.rejects(r.get({ timeout: 10 }), isChordError());
});

test('a revoked header task resolves the chord with ChordError', async () => {
  const slowId = `revoked-header-${Date.now()}`;
  const r = await chord([add.s(1, 1), sleep.s(10).set({ taskId: slowId, countdown: 0.5 })], xsum.s()).delay();
  await app.control.revoke(slowId);
  await assert.rejects(r.get({ timeout: 10 }), isChordError(slowId));
});
