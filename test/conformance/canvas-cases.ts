/**
 * The canvas conformance cases: every canvas example of the seeds and the core nesting and
 * failure rules, run end to end through whatever transport `makeApp` points the canvas fixture
 * app at (memory:// here; nats:// by the NATS transport's suite). One real worker (threads,
 * concurrency 2) runs them; the app is closed after the suite.
 *
 * `makeApp` must configure the fixture app (`app.conf.update({ broker, backend })`) before
 * anything is published, and return it. Worker threads import the fixture module too, but never
 * connect, so its own default broker does not matter there.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ChordError, GroupResult, NotRegistered, chain, chord, group, signature, type Worker } from 'celeriac';
import { app as fixtureApp, add, boom, concat, echo, hello, log, mul, multiply, onError, xsum } from '../fixtures/canvas-app.ts';

type CanvasApp = typeof fixtureApp;

const MODULE = new URL('../fixtures/canvas-app.ts', import.meta.url).href;
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
const pairs = (n: number): [number, number][] => range(n).map((i) => [i, i]);
const T = { timeout: 20 };

export function canvasConformance(label: string, makeApp: () => CanvasApp | Promise<CanvasApp>): void {
  describe(label, () => {
    let app: CanvasApp;
    let worker: Worker;
    before(async () => {
      app = await makeApp();
      worker = app.worker({ concurrency: 2, module: MODULE, hostname: `canvas-conformance-${process.pid}@test` });
      await worker.start();
    });
    after(() => app?.close());

    test('signatures: add.s(2, 2) -> 4, partial add.s(2).delay(8) -> 10, by name', async () => {
      assert.equal(await (await add.s(2, 2).delay()).get(T), 4);
      assert.equal(await (await add.s(2).delay(8)).get(T), 10);
      assert.equal(await (await signature<[], number>('canvas.multiply', [4, 4]).delay()).get(T), 16);
    });

    test('link: get() returns the parent value (16, not 64)', async () => {
      const r = await multiply.applyAsync([4, 4], { link: multiply.s(4) });
      assert.equal(await r.get(T), 16);
      const [child] = await r.children();
      assert.equal(await child!.get(T), 64);
    });

    test('groups: [0, 2, ..., 18], partial [10, ..., 19], seed 004 [0, 6, ..., 126]', async () => {
      assert.deepEqual(await (await group(range(10).map((i) => add.s(i, i))).delay()).get(T), range(10).map((i) => 2 * i));
      assert.deepEqual(await (await group(range(10).map((i) => add.s(i))).delay(10)).get(T), range(10).map((i) => 10 + i));
      assert.deepEqual(
        await (await group(range(10).map((i) => multiply.s(i, i + 5))).delay()).get(T),
        [0, 6, 14, 24, 36, 50, 66, 84, 104, 126],
      );
    });

    test('chains: 64, partial 64, row 11 160, nested 640, seed 004 8000 / 320 / 6400, seed 003 strings', async () => {
      assert.equal(await (await chain(add.s(4, 4), mul.s(8)).delay()).get(T), 64);
      assert.equal(await (await add.s(4).pipe(mul.s(8)).delay(4)).get(T), 64);
      assert.equal(await (await add.s(4).pipe(mul.s(8)).delay(16)).get(T), 160);
      assert.equal(await (await chain(add.s(4, 4), chain(mul.s(8), mul.s(10))).delay()).get(T), 640);
      assert.equal(await (await chain(multiply.s(10, 10), multiply.s(4), multiply.s(20)).delay()).get(T), 8000);
      assert.equal(await (await multiply.s(10).pipe(multiply.s(2)).delay(16)).get(T), 320);
      const nested = multiply.s(10).pipe(multiply.s(2)).pipe(multiply.s(4).pipe(multiply.s(5)));
      assert.equal(await (await nested.delay(16)).get(T), 6400);
      assert.equal(await (await concat.s('kuan').pipe(hello.s()).delay('chris')).get(T), 'hello chriskuan');
    });

    test('chords: 90 both ways, the body gets one list in header order, seed 004 log body', async () => {
      assert.equal(await (await chord(range(10).map((i) => add.s(i, i)), xsum.s()).delay()).get(T), 90);
      assert.equal(await (await group(range(10).map((i) => add.s(i, i))).pipe(xsum.s()).delay()).get(T), 90);
      assert.deepEqual(await (await chord(range(5).map((i) => add.s(i, i)), echo.s()).delay()).get(T), [[0, 2, 4, 6, 8]]);
      const logged = await (await group(range(10).map((i) => multiply.s(i, i + 5))).pipe(log.s()).delay()).get(T);
      assert.deepEqual(logged, [0, 6, 14, 24, 36, 50, 66, 84, 104, 126]);
    });

    test('chord: an empty header calls the body with []; a 100-task header joins once', async () => {
      assert.deepEqual(await (await chord([], echo.s()).delay()).get(T), [[]]);
      const r = await chord(range(100).map((i) => add.s(i, 1)), log.s()).delay();
      assert.deepEqual(await r.get(T), range(100).map((i) => i + 1));
      const again = await (await app.backend())!.chordJoin(r.id, 0, 100, 1);
      assert.equal(again.complete, false, 'a repeated header index does not complete the join again');
    });

    test('chord: a failing header task fails it with ChordError naming it, and the errback fires', async () => {
      const failId = `conf-fail-${Date.now()}`;
      const ebId = `conf-eb-${Date.now()}`;
      const c = chord([add.s(1, 1), boom.s('in header').set({ taskId: failId })], xsum.s()).linkError(onError.s().set({ taskId: ebId }));
      const r = await c.delay();
      const err = await r.get({ ...T, propagate: false });
      assert.ok(err instanceof ChordError, String(err));
      assert.equal((err as ChordError & { dependencyId: string }).dependencyId, failId);
      assert.equal(await app.asyncResult(ebId).get(T), `handled ${r.id}`);
    });

    test('chunks, map and starmap (row 15)', async () => {
      const chunks = await add.chunks(pairs(10), 3).delay();
      assert.ok(chunks instanceof GroupResult);
      assert.deepEqual(await chunks.get(T), [[0, 2, 4], [6, 8, 10], [12, 14, 16], [18]]);
      assert.deepEqual(await (await xsum.map([range(10), range(100)]).delay()).get(T), [45, 4950]);
      assert.deepEqual(await (await add.starmap(pairs(5)).delay()).get(T), [0, 2, 4, 6, 8]);
    });

    test('nesting: group of chains, chord mid-chain, chord with a chain body, chain ending in a group', async () => {
      assert.deepEqual(await (await group(chain(add.s(1, 1), mul.s(2)), chain(add.s(2, 2), mul.s(3))).delay()).get(T), [4, 12]);
      assert.equal(await (await chain(add.s(1, 1), group(add.s(1), add.s(2)), xsum.s(), mul.s(10)).delay()).get(T), 70);
      assert.equal(await (await chord([add.s(1, 1), add.s(2, 2)], chain(xsum.s(), mul.s(3))).delay()).get(T), 18);
      assert.deepEqual(await (await chain(add.s(1, 1), group(mul.s(2), mul.s(3))).delay()).get(T), [4, 6]);
      assert.deepEqual(await (await chord([chord([add.s(1, 1)], xsum.s()), group(add.s(1, 1), add.s(2, 2))], echo.s()).delay()).get(T), [[2, [2, 4]]]);
    });

    test('an unregistered task fails a chain with NotRegistered and a chord header with ChordError', async () => {
      await assert.rejects((await chain(add.s(1, 1), signature<[number], number>('canvas.notThere'), mul.s(2)).delay()).get(T), NotRegistered);
      await assert.rejects((await chord([add.s(1, 1), signature<[], number>('canvas.notThere')], xsum.s()).delay()).get(T), ChordError);
    });
  });
}
