/**
 * Chains: the seeds' examples (64, partial 64, 'hello chriskuan', 8000, 320, 6400), rows 11-12
 * (partial 160, nested 640 / 641), ids up front, failures and unregistered steps.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AsyncResult, GroupResult, NotRegistered, chain, group, signature } from 'celeriac';
import { add, boom, concat, echo, hello, ids, mul, multiply, onError, xsum } from '../fixtures/canvas-app.ts';
import { range, useCanvasApp } from './support.ts';

const { app } = useCanvasApp('chain');

test('chain(add.s(4, 4) | mul.s(8)) -> 64, and (add.s(4, 4) | mul.s(8))() -> 64', async () => {
  assert.equal(await (await chain(add.s(4, 4), mul.s(8)).delay()).get({ timeout: 10 }), 64);
  assert.equal(await (await chain(add.s(4, 4).pipe(mul.s(8))).delay()).get({ timeout: 10 }), 64);
  assert.equal(await (await add.s(4, 4).pipe(mul.s(8)).delay()).get({ timeout: 10 }), 64);
});

test('partial chain: g = chain(add.s(4) | mul.s(8)); g(4) -> 64; row 11: (add.s(4) | mul.s(8))(16) -> 160', async () => {
  const g = chain(add.s(4).pipe(mul.s(8)));
  assert.equal(await (await g.delay(4)).get({ timeout: 10 }), 64);
  assert.equal(await (await add.s(4).pipe(mul.s(8)).delay(16)).get({ timeout: 10 }), 160);
});

test('seed 003: chain(add.s("chris", "kuan") | hello.s()) -> "hello chriskuan", and partially', async () => {
  assert.equal(await (await chain(concat.s('chris', 'kuan'), hello.s()).delay()).get({ timeout: 10 }), 'hello chriskuan');
  assert.equal(await (await concat.s('chris', 'kuan').pipe(hello.s()).delay()).get({ timeout: 10 }), 'hello chriskuan');
  const g = chain(concat.s('kuan').pipe(hello.s()));
  assert.equal(await (await g.delay('chris')).get({ timeout: 10 }), 'hello chriskuan');
});

test('seed 003: a crawler chain of four steps, get_url.s() | fetch_page.s() | parse_page.s() | store_page.s()', async () => {
  const crawl = concat.s('https://', 'example.org').pipe(concat.s('/page')).pipe(hello.s()).pipe(concat.s('!'));
  assert.equal(await (await crawl.delay()).get({ timeout: 10 }), 'hello https://example.org/page!');
});

test('seed 000: upload_document.s(file) | group(apply_filter.s() for filter in filters)', async () => {
  const filters = ['blur', 'sharpen'];
  const res = await echo.s('file').pipe(group(filters.map((f) => echo.s(f)))).delay();
  assert.ok(res instanceof GroupResult);
  assert.deepEqual(await res.get({ timeout: 10 }), [[['file'], 'blur'], [['file'], 'sharpen']]);
});

test('seed 004: 8000, 320 and 6400', async () => {
  const a = chain(multiply.s(10, 10), multiply.s(4), multiply.s(20));
  const b = multiply.s(10, 10).pipe(multiply.s(4)).pipe(multiply.s(20));
  assert.equal(await (await a.delay()).get({ timeout: 10 }), 8000);
  assert.equal(await (await b.delay()).get({ timeout: 10 }), 8000);
  const func = multiply.s(10).pipe(multiply.s(2));
  assert.equal(await (await func.delay(16)).get({ timeout: 10 }), 320);
  const nested = chain(multiply.s(10).pipe(multiply.s(2)).pipe(multiply.s(4).pipe(multiply.s(5))));
  assert.equal(nested.tasks.length, 4, 'nested chains flatten');
  assert.equal(await (await nested.delay(16)).get({ timeout: 10 }), 6400);
});

test('row 12: chain(add.s(4, 4), chain(mul.s(8), mul.s(10))) -> 640; (a | b) | (c | d) -> 641', async () => {
  const c = chain(add.s(4, 4), chain(mul.s(8), mul.s(10)));
  assert.equal(c.tasks.length, 3);
  assert.equal(await (await c.delay()).get({ timeout: 10 }), 640);
  const d = chain(add.s(4, 4).pipe(mul.s(8)).pipe(mul.s(10).pipe(add.s(1))));
  assert.equal(d.tasks.length, 4);
  assert.equal(await (await d.delay()).get({ timeout: 10 }), 641);
});

test('ids are frozen up front: the result is the last step; root and parent ids follow the chain', async () => {
  const r = await chain(ids.s('a'), ids.si('b'), ids.si('c')).applyAsync([], { taskId: `chain-last-${Date.now()}` });
  assert.ok(r instanceof AsyncResult);
  assert.match(r.id, /^chain-last-/, 'taskId names the chain result, the last step');
  const last = (await r.get({ timeout: 10 })) as { id: string; parentId: string; rootId: string; tag: string };
  assert.equal(last.tag, 'c');
  assert.equal(last.id, r.id);
  const backend = (await app.backend())!;
  const middle = await backend.get(last.parentId);
  const first = await backend.get(middle!.parentId!);
  assert.equal(first?.parentId, null);
  assert.equal(first?.rootId, first?.taskId);
  assert.equal(middle?.rootId, first?.taskId);
  assert.equal(last.rootId, first?.taskId);
  assert.deepEqual(first?.children, [middle?.taskId], 'each step lists the next as its child');
});

test('a failing step: get() on the chain rejects with its error, later steps fail too, errbacks fire', async () => {
  const ebId = `chain-eb-${Date.now()}`;
  const r = await chain(add.s(1, 1), boom.si('step 2').linkError(onError.s().set({ taskId: ebId })), mul.s(2)).delay();
  await assert.rejects(r.get({ timeout: 10 }), (e: Error) => e.name === 'ValidationError');
  assert.equal(await r.state(), 'FAILURE');
  assert.match(String(await app.asyncResult(ebId).get({ timeout: 10 })), /^handled /);
});

test('chain.link is on its last step, chain.linkError on every step; set({ taskId }) names the result', async () => {
  const stamp = Date.now();
  const c = chain(add.s(1, 1), mul.s(3)).link(mul.s(10).set({ taskId: `chain-cb-${stamp}` })).set({ taskId: `chain-named-${stamp}` });
  const r = await c.delay();
  assert.equal(r.id, `chain-named-${stamp}`);
  assert.equal(await r.get({ timeout: 10 }), 6);
  assert.equal(await app.asyncResult(`chain-cb-${stamp}`).get({ timeout: 10 }), 60);
  const bad = await chain(add.s(1, 1), boom.si('middle'), mul.s(2)).linkError(onError.s().set({ taskId: `chain-eb-${stamp}` })).delay();
  await assert.rejects(bad.get({ timeout: 10 }), (e: Error) => e.name === 'ValidationError');
  assert.match(String(await app.asyncResult(`chain-eb-${stamp}`).get({ timeout: 10 })), /^handled /);
});

test('an unregistered task inside a chain fails it with NotRegistered', async () => {
  const r = await chain(add.s(1, 1), signature<[number], number>('canvas.notThere'), mul.s(2)).delay();
  await assert.rejects(r.get({ timeout: 10 }), (e: Error) => e instanceof NotRegistered && (e as NotRegistered).code === 'CELERIAC_NOT_REGISTERED');
});

test('a chain ending in a group resolves to a GroupResult of the group', async () => {
  const res = await chain(add.s(1, 1), group(mul.s(2), mul.s(3), xsum.si([1, 2]))).delay();
  assert.ok(res instanceof GroupResult);
  assert.deepEqual(await res.get({ timeout: 10 }), [4, 6, 3]);
});

test('a group followed by a step inside a chain becomes a chord (row 14 in a chain)', async () => {
  const c = chain(add.s(1, 1), group(add.s(1), add.s(2)), xsum.s(), mul.s(10));
  assert.equal(c.tasks[1]!.subtaskType, 'chord');
  assert.equal(await (await c.delay()).get({ timeout: 10 }), 70);
});

test('a chain given as a list (not typed step by step), 30 steps', async () => {
  const steps = [add.s(0, 0), ...range(29).map(() => add.s(1))];
  const r = await chain(steps).delay();
  assert.equal(await r.get({ timeout: 20 }), 29);
});
