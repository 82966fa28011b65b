/**
 * Signatures: task.s / si / signature, `signature(name)`, partials, options, direct call,
 * link / linkError (CELERY-BEHAVIOUR rows 7-9), and the JSON round trip of every primitive,
 * including a canvas that crosses the wire inside another task's message.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Chain, Chord, ConfigError, Group, Signature, chain, chord, group, signature } from 'celeriac';
import { add, boom, echo, hello, log, mul, multiply, onError, xsum } from '../fixtures/canvas-app.ts';
import { pairs, range, useCanvasApp } from './support.ts';

const { app } = useCanvasApp('signature');

test('s, si and signature hold plain data; options are kept (seeds: add.signature((2, 2), countdown=10))', () => {
  const s = add.signature([2, 2], { countdown: 10 });
  assert.deepEqual(s.toJSON(), { task: 'canvas.add', args: [2, 2], kwargs: {}, options: { countdown: 10 }, immutable: false });
  assert.equal(String(add.s(2, 2)), 'canvas.add(2, 2)');
  assert.equal(add.si(2, 2).immutable, true);
  const byName = signature('canvas.multiply', [4, 4], { countdown: 10 });
  assert.deepEqual(byName.toJSON(), { task: 'canvas.multiply', args: [4, 4], kwargs: {}, options: { countdown: 10 }, immutable: false });
  assert.throws(() => signature(''), ConfigError);
});

test('set() merges options into a copy; the original is unchanged', () => {
  const s = add.s(1).set({ countdown: 5 });
  const t = s.set({ queue: 'hipri', countdown: 1 });
  assert.deepEqual(s.options, { countdown: 5 });
  assert.deepEqual(t.options, { countdown: 1, queue: 'hipri' });
  assert.ok(group(add.s(1)).set({ queue: 'q' }) instanceof Group, 'set() keeps the class');
});

test('call() runs the function here (Celery sig()): multiply.s(4, 4)() -> 16, partial prepended', () => {
  assert.equal(multiply.s(4, 4).call(), 16);
  assert.equal(add.s(2).call(8), 10);
  assert.equal(add.si(1, 1).call(), 2);
  assert.throws(() => group(add.s(1, 1)).call(), ConfigError);
});

test('delay on a signature: add.s(2, 2) -> 4; partial add.s(2).delay(8) -> 10; by name', async () => {
  assert.equal(await (await add.s(2, 2).delay()).get({ timeout: 10 }), 4);
  assert.equal(await (await add.s(2).delay(8)).get({ timeout: 10 }), 10);
  assert.equal(await (await multiply.s(4).delay(4)).get({ timeout: 10 }), 16);
  assert.equal(await (await signature<[], number>('canvas.mul', [4, 4]).delay()).get({ timeout: 10 }), 16);
  // applyAsync on a signature takes every applyAsync option, taskId included.
  const r = await add.s(1).applyAsync([1], { taskId: 'sig-fixed-id' });
  assert.equal(r.id, 'sig-fixed-id');
  assert.equal(await r.get({ timeout: 10 }), 2);
});

test('seed 003: hello.signature(["haha"], { countdown: 5 }) and hello.s("haha").delay() -> "hello haha"', async () => {
  const sig = hello.signature(['haha'], { countdown: 5 });
  assert.equal(String(sig), 'canvas.hello("haha")');
  assert.deepEqual(sig.options, { countdown: 5 });
  assert.equal(await (await hello.s('haha').delay()).get({ timeout: 10 }), 'hello haha');
  assert.equal(await (await multiply.s(4, 4).delay()).get({ timeout: 10 }), 16);
});

test('seed 004: multiply.applyAsync([4, 4], { link: log.s() }): log receives 16; get() gives 16', async () => {
  const r = await multiply.applyAsync([4, 4], { link: log.s() });
  assert.equal(await r.get({ timeout: 10 }), 16);
  const [child] = await r.children();
  assert.equal(await child!.get({ timeout: 10 }), 16);
});

test('link: get() returns the parent value (Celery: 16, not 64; row 7: 4 then child 40)', async () => {
  const r = await multiply.applyAsync([4, 4], { link: multiply.s(4) });
  assert.equal(await r.get({ timeout: 10 }), 16);
  const [child] = await r.children();
  assert.equal(await child!.get({ timeout: 10 }), 64);
  const r2 = await add.applyAsync([2, 2], { link: mul.s(10) });
  assert.equal(await r2.get({ timeout: 10 }), 4);
  const children = await r2.children();
  assert.equal(children.length, 1);
  assert.equal(await children[0]!.get({ timeout: 10 }), 40);
});

test('row 9: a link s() gets the parent result prepended, si() does not', async () => {
  const r = await add.applyAsync([2, 2], { link: [echo.s('s-partial'), echo.si('si-immutable'), log.si('message')] });
  await r.get({ timeout: 10 });
  const values = await Promise.all((await r.children()).map((c) => c.get({ timeout: 10 })));
  assert.deepEqual(values, [[4, 's-partial'], ['si-immutable'], 'message']);
});

test('sig.link / sig.linkError add callbacks carried by the signature (row 8: the errback gets the id)', async () => {
  const cbId = `cb-${Date.now()}`;
  const ok = await add.s(3, 3).link(mul.s(2).set({ taskId: cbId })).delay();
  assert.equal(await ok.get({ timeout: 10 }), 6);
  assert.equal(await app.asyncResult(cbId).get({ timeout: 10 }), 12);
  const ebId = `eb-${Date.now()}`;
  const bad = await boom.s('linked failure').linkError(onError.s().set({ taskId: ebId })).delay();
  await assert.rejects(bad.get({ timeout: 10 }), (e: Error) => e.name === 'ValidationError');
  assert.equal(await app.asyncResult(ebId).get({ timeout: 10 }), `handled ${bad.id}`);
});

test('toJSON / fromJSON round-trip every primitive, as Celery serialises them', () => {
  const sigs = [
    add.s(2, 2).set({ countdown: 1 }),
    add.si(1, 1),
    group(range(3).map((i) => add.s(i, i))),
    chain(add.s(4, 4), mul.s(8)),
    chord(range(3).map((i) => add.s(i, i)), xsum.s()),
    group(range(2).map((i) => add.s(i, i))).pipe(xsum.s()),
    add.chunks(pairs(4), 3),
    xsum.map([[1], [2]]),
    add.starmap(pairs(2)),
    group(chain(add.s(1, 1), mul.s(2)), chord([add.s(1, 1)], chain(xsum.s(), mul.s(3)))),
  ];
  for (const s of sigs) {
    const wire = JSON.parse(JSON.stringify(s)) as ReturnType<typeof s.toJSON>;
    const back = Signature.fromJSON(wire);
    assert.deepEqual(back.toJSON(), s.toJSON(), String(s));
    assert.equal(back.constructor, s.constructor, `${String(s)} keeps its class`);
    assert.deepEqual(Signature.fromJSON(JSON.stringify(s)).toJSON(), s.toJSON());
  }
  const g = group(add.s(1, 1)).toJSON();
  assert.equal(g.task, 'celery.group');
  assert.equal(g.subtask_type, 'group');
  assert.ok(Array.isArray(g.kwargs.tasks));
  const c = chord([add.s(1, 1)], xsum.s()).toJSON();
  assert.equal(c.task, 'celery.chord');
  assert.equal((c.kwargs.header as { subtask_type: string }).subtask_type, 'group');
  assert.equal((c.kwargs.body as { task: string }).task, 'canvas.xsum');
  assert.equal(chain(add.s(1, 1), mul.s(2)).toJSON().task, 'celery.chain');
  assert.ok(Signature.fromJSON(c) instanceof Chord);
  assert.ok(Signature.fromJSON(chain(add.s(1, 1), mul.s(2)).toJSON()) instanceof Chain);
  assert.throws(() => Signature.fromJSON({ nope: 1 } as never), ConfigError);
});

test('a canvas revived from JSON runs, and a chain crosses the wire inside another message (as a link)', async () => {
  const wire = JSON.stringify(chord(range(10).map((i) => add.s(i, i)), xsum.s()));
  assert.equal(await (await Signature.fromJSON<[], number>(wire, app).delay()).get({ timeout: 10 }), 90);
  const lastId = `link-chain-${Date.now()}`;
  const r = await add.applyAsync([2, 2], { link: chain(mul.s(10), add.s(1).set({ taskId: lastId })) });
  assert.equal(await r.get({ timeout: 10 }), 4);
  assert.equal(await app.asyncResult(lastId).get({ timeout: 10 }), 41);
});

test('repr: a nested chain flattens (row 12)', () => {
  assert.equal(String(chain(add.s(4, 4), chain(mul.s(8), mul.s(10)))), 'canvas.add(4, 4) | canvas.mul(8) | canvas.mul(10)');
  assert.equal(chain(add.s(4, 4), chain(mul.s(8), mul.s(10))).tasks.length, 3);
});
