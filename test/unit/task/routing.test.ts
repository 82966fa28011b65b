/** Routing resolved once at publish: explicit queue, then taskRoutes, then the task's queue, then the default. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileRoutes, resolveRoute } from '../../../src/task/routing.ts';

const base = { explicitQueue: undefined, taskQueue: undefined, defaultQueue: 'celery', args: [], options: {} };

test('exact names win over globs; a string route is a queue name', () => {
  const router = compileRoutes({ 'proj.add': { queue: 'hipri' }, 'proj.*': 'lopri' });
  assert.equal(resolveRoute({ ...base, router, name: 'proj.add' }).queue, 'hipri');
  assert.equal(resolveRoute({ ...base, router, name: 'proj.mul' }).queue, 'lopri');
  assert.equal(resolveRoute({ ...base, router, name: 'other.x' }).queue, 'celery');
});

test('globs: * spans dots, ? is one character, other characters are literal', () => {
  const router = compileRoutes({ 'a.*.z': 'q1', 'b.?': 'q2', 'c+d': 'q3' });
  assert.equal(router('a.b.c.z', [], {})?.queue, 'q1');
  assert.equal(router('b.x', [], {})?.queue, 'q2');
  assert.equal(router('b.xy', [], {}), undefined);
  assert.equal(router('c+d', [], {})?.queue, 'q3', 'no glob chars: an exact name');
  assert.equal(router('ccd', [], {}), undefined, '+ is literal, not a regex repeat');
});

test('router functions and lists are tried in order; the first answer wins', () => {
  const seen: string[] = [];
  const router = compileRoutes([
    (name) => {
      seen.push(name);
      return name.endsWith('.urgent') ? { queue: 'now', priority: 9 } : null;
    },
    { 'proj.*': { queue: 'proj' } },
  ]);
  assert.deepEqual(resolveRoute({ ...base, router, name: 'x.urgent' }), { queue: 'now', priority: 9 });
  assert.equal(resolveRoute({ ...base, router, name: 'proj.a' }).queue, 'proj');
  assert.deepEqual(seen, ['x.urgent', 'proj.a']);
});

test('an explicit queue wins over routes; the task queue comes before the default', () => {
  const router = compileRoutes({ 'proj.add': 'hipri' });
  assert.equal(resolveRoute({ ...base, router, name: 'proj.add', explicitQueue: 'mine' }).queue, 'mine');
  assert.equal(resolveRoute({ ...base, router: compileRoutes(null), name: 'proj.add', taskQueue: 'tq' }).queue, 'tq');
  assert.equal(resolveRoute({ ...base, router, name: 'proj.add', taskQueue: 'tq' }).queue, 'hipri');
});
