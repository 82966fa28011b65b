/**
 * Groups: the seeds' examples (results in call order, partial groups, row 10), one batch per
 * group, group and index ids in the result metas, and GroupResult's methods.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GroupResult, group } from 'celeriac';
import { add, boom, mul, multiply, sleep } from '../fixtures/canvas-app.ts';
import { range, useCanvasApp } from './support.ts';

const { app } = useCanvasApp('group');

test('group(add.s(i, i) for i in range(10)) -> [0, 2, ..., 18]', async () => {
  const res = await group(range(10).map((i) => add.s(i, i))).delay();
  assert.ok(res instanceof GroupResult);
  assert.deepEqual(await res.get({ timeout: 10 }), [0, 2, 4, 6, 8, 10, 12, 14, 16, 18]);
});

test('partial group: g = group(add.s(i) for i in range(10)); g(10) -> [10, ..., 19]', async () => {
  const g = group(range(10).map((i) => add.s(i)));
  assert.deepEqual(await (await g.delay(10)).get({ timeout: 10 }), [10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
});

test('row 10: group(add.s(2), add.s(4))(10) -> [12, 14] (members as arguments)', async () => {
  assert.deepEqual(await (await group(add.s(2), add.s(4)).delay(10)).get({ timeout: 10 }), [12, 14]);
});

test('seed 002: group(add.s(i, j) for i, j in numbers).apply_async() -> [4, 8, 16, 32]', async () => {
  const numbers: [number, number][] = [[2, 2], [4, 4], [8, 8], [16, 16]];
  const res = await group(numbers.map(([i, j]) => add.s(i, j))).applyAsync();
  assert.deepEqual(await res.get({ timeout: 10 }), [4, 8, 16, 32]);
});

test('seed 004: group(multiply.s(i, i + 5) for i in range(10)) -> [0, 6, 14, ..., 126]', async () => {
  const sig = group(range(10).map((i) => multiply.s(i, i + 5)));
  assert.deepEqual(await (await sig.delay()).get({ timeout: 10 }), [0, 6, 14, 24, 36, 50, 66, 84, 104, 126]);
});

test('a group is published as ONE batch; every member carries the group id and its index', async (t) => {
  const calls: number[] = [];
  const sendMany = app.sendMany.bind(app);
  app.sendMany = (items) => {
    calls.push(items.length);
    return sendMany(items);
  };
  t.after(() => {
    app.sendMany = sendMany;
  });
  const res = await group(range(5).map((i) => mul.s(i, 3))).delay();
  assert.deepEqual(calls, [5]);
  assert.deepEqual(await res.get({ timeout: 10 }), [0, 3, 6, 9, 12]);
  const backend = (await app.backend())!;
  const metas = await Promise.all(res.results.map((r) => backend.get(r.id)));
  assert.deepEqual(metas.map((m) => m?.groupId), Array(5).fill(res.id));
  assert.deepEqual(metas.map((m) => m?.rootId), res.results.map((r) => r.id), 'each member is its own root');
});

test('GroupResult: completedCount counts successes; ready / successful / failed', async () => {
  const res = await group(add.s(1, 1), boom.s('member fails'), add.s(2, 2)).delay();
  await res.get({ timeout: 10, propagate: false });
  assert.equal(await res.ready(), true);
  assert.equal(await res.completedCount(), 2);
  assert.equal(await res.successful(), false);
  assert.equal(await res.failed(), true);
  await assert.rejects(res.get({ timeout: 10 }), (e: Error) => e.name === 'ValidationError');
  const values = await res.get({ timeout: 10, propagate: false });
  assert.equal(values[0], 2);
  assert.ok(values[1] instanceof Error);
  assert.equal(values[2], 4);
});

test('GroupResult: save() then app.groupResult(id) restores it; applyAsync taskId names the group', async () => {
  const res = await group(range(3).map((i) => add.s(i, 1))).applyAsync([], { taskId: `group-${Date.now()}` });
  assert.match(res.id, /^group-/);
  await res.save();
  const back = await app.groupResult(res.id);
  assert.ok(back !== undefined);
  assert.deepEqual(back.results.map((r) => r.id), res.results.map((r) => r.id));
  assert.deepEqual(await back.get({ timeout: 10 }), [1, 2, 3]);
  assert.equal(await app.groupResult('no-such-group'), undefined);
});

test('GroupResult.revoke(): members not yet run end REVOKED', async () => {
  const res = await group(sleep.s(20), sleep.s(30)).applyAsync([], { countdown: 0.5 });
  await res.revoke();
  const values = await res.get({ timeout: 10, propagate: false });
  assert.ok(values.every((v) => v instanceof Error && v.name === 'TaskRevokedError'), String(values));
});

test('an empty group resolves to []', async () => {
  const res = await group([]).delay();
  assert.deepEqual(await res.get({ timeout: 1 }), []);
});
