/**
 * Primitives nested to depth: groups of chains, chains of chords, chords with a chain or group
 * body, chords and groups inside chord headers; the root, parent and group ids recorded in the
 * result metas; and failures deep inside a canvas resolving it instead of leaving it waiting.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChordError, GroupResult, chain, chord, group } from 'celeriac';
import { add, boom, echo, ids, mul, xsum } from '../fixtures/canvas-app.ts';
import { useCanvasApp } from './support.ts';

const { app } = useCanvasApp('nesting');
const meta = async (id: string) => (await (await app.backend())!.get(id))!;

test('a group of chains: each member is its chain\'s last step, in call order', async () => {
  const res = await group(chain(add.s(1, 1), mul.s(2)), chain(add.s(2, 2), mul.s(3)), add.s(5, 0).pipe(mul.s(10))).delay();
  assert.deepEqual(await res.get({ timeout: 10 }), [4, 12, 50]);
});

test('a chain of chords, and a chord in the middle of a chain carrying the steps after it', async () => {
  const c = chain(chord([add.s(1, 1), add.s(2, 2)], xsum.s()), chord([add.s(1), add.s(2)], xsum.s()));
  assert.equal(await (await c.delay()).get({ timeout: 10 }), 15);
  // Two chords in one chain, each followed by a step: their join keys never collide.
  const d = chain(add.s(1, 1), group(add.s(1), add.s(2)), xsum.s(), mul.s(2), group(add.s(1), add.s(2)), xsum.s(), mul.s(10));
  assert.equal(await (await d.delay()).get({ timeout: 10 }), 310);
});

test('a chord whose body is a chain; a chord whose body is a group', async () => {
  assert.equal(await (await chord([add.s(1, 1), add.s(2, 2)], chain(xsum.s(), mul.s(3))).delay()).get({ timeout: 10 }), 18);
  const res = await chord([add.s(1, 1), add.s(2, 2)], group(xsum.s(), echo.s())).delay();
  assert.ok(res instanceof GroupResult);
  assert.deepEqual(await res.get({ timeout: 10 }), [6, [[2, 4]]]);
});

test('a chord and a group inside a chord header each report one value', async () => {
  const inner = chord([add.s(1, 1), add.s(2, 2)], xsum.s());
  assert.equal(await (await chord([inner, add.s(10, 10)], xsum.s()).delay()).get({ timeout: 10 }), 26);
  const r = await chord([group(add.s(1, 1), add.s(2, 2)), add.s(3, 3)], echo.s()).delay();
  assert.deepEqual(await r.get({ timeout: 10 }), [[[2, 4], 6]]);
});

test('a group of chords, and four levels deep', async () => {
  const g = group(chord([add.s(1, 1)], xsum.s()), chord([add.s(2, 2), add.s(3, 3)], xsum.s()));
  assert.deepEqual(await (await g.delay()).get({ timeout: 10 }), [2, 10]);
  const deep = group(
    chain(add.s(1, 1), chord([mul.s(2), mul.s(3)], xsum.s())),
    chord([chain(add.s(1, 1), mul.s(5))], echo.s()),
    chain(add.s(1, 1), group(mul.s(2), chain(mul.s(3), group(add.s(1), add.s(2))))),
  );
  assert.deepEqual(await (await deep.delay()).get({ timeout: 10 }), [10, [[10]], [4, [7, 8]]]);
});

test('ids: a chain in a group shares its root; its last step holds the group id; parents follow', async () => {
  const res = await group(chain(ids.s('a'), ids.si('b')), ids.s('c')).delay();
  const [b, c] = (await res.get({ timeout: 10 })) as { id: string; rootId: string; parentId: string | null; groupId: string | null }[];
  assert.equal(b!.groupId, res.id);
  assert.equal(c!.groupId, res.id);
  const a = await meta(b!.parentId!);
  assert.equal(a.rootId, a.taskId);
  assert.equal(b!.rootId, a.taskId);
  assert.equal(a.groupId, null, 'only the step whose result is the member carries the group id');
  assert.equal(c!.rootId, c!.id);
  assert.equal((await meta(b!.id)).groupId, res.id, 'the backend records it too');
});

test('ids: chord header tasks share a header group id; the body\'s parent is a header task', async () => {
  const r = await chain(ids.s('first'), chord([ids.si('h1'), ids.si('h2')], echo.s())).delay();
  const [[h1, h2]] = (await r.get({ timeout: 10 })) as [[{ id: string; rootId: string; parentId: string; groupId: string }, { id: string; rootId: string; parentId: string; groupId: string }]];
  assert.equal(h1.groupId, h2.groupId);
  assert.notEqual(h1.groupId, null);
  assert.equal(h1.parentId, h2.parentId, 'both header tasks were started by the first step');
  const first = await meta(h1.parentId);
  assert.equal(h1.rootId, first.taskId);
  const body = await meta(r.id);
  assert.ok([h1.id, h2.id].includes(body.parentId!));
  assert.equal(body.rootId, first.taskId);
});

test('failures deep inside resolve the canvas: a chain in a chord header, a chord mid-chain', async () => {
  const r = await chord([chain(boom.s('first step'), add.s(1)), add.s(1, 1)], xsum.s()).delay();
  await assert.rejects(r.get({ timeout: 10 }), ChordError);
  const r2 = await chain(add.s(1, 1), chord([add.s(1), boom.si('in header')], xsum.s()), mul.s(2), mul.s(3)).delay();
  await assert.rejects(r2.get({ timeout: 10 }), ChordError);
  const r3 = await group(chain(add.s(1, 1), boom.si('in group'), mul.s(2)), add.s(1, 1)).delay();
  const values = await r3.get({ timeout: 10, propagate: false });
  assert.equal((values[0] as Error).name, 'ValidationError');
  assert.equal(values[1], 2);
});
