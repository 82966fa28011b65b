/** `celeriac bench`'s option checking: lists, the grid, the plan, the in-flight window. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError } from '../../src/cli/args.ts';
import { MAX_CELLS, buildGrid, defaultConcurrency, intList, poolList } from '../../src/cli/bench/grid.ts';
import { DEFAULT_COUNT, MIN_INFLIGHT, inflightFor, planBench } from '../../src/cli/bench/plan.ts';

const usage = (fn: () => unknown, names: RegExp): void => {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof UsageError, String(err));
    assert.match(err.message, names);
    return true;
  });
};

const plan = (values: Record<string, string | boolean>, positionals: string[] = []) => planBench({ values, positionals });

describe('bench grid lists', () => {
  test('integer lists are sorted and deduplicated', () => {
    assert.deepEqual(intList('--prefetch', '16, 1,4,1', 0), [1, 4, 16]);
    assert.deepEqual(intList('-c', '2', 1), [2]);
  });

  test('a bad integer list names the option and the value', () => {
    for (const bad of ['', ',', '1,,2', 'a', '1.5', '-1', '0']) usage(() => intList('-c/--concurrency', bad, 1), /-c\/--concurrency .*got/);
    usage(() => intList('--prefetch', '99999', 0), /--prefetch must be .* from 0 to 10000/);
  });

  test('pools keep their order, once each; anything else is refused', () => {
    assert.deepEqual(poolList('-P', 'inline,threads,inline'), ['inline', 'threads']);
    usage(() => poolList('-P/--pool', 'threads,fork'), /-P\/--pool .*"threads,fork"/);
    usage(() => poolList('-P/--pool', ''), /-P\/--pool/);
  });

  test('the grid is pool-major, then concurrency, then prefetch', () => {
    const g = buildGrid({ pools: ['threads', 'inline'], concurrency: [1, 2], prefetch: [1, 4] });
    assert.equal(g.length, 8);
    assert.deepEqual(g.slice(0, 3), [
      { pool: 'threads', concurrency: 1, prefetch: 1 },
      { pool: 'threads', concurrency: 1, prefetch: 4 },
      { pool: 'threads', concurrency: 2, prefetch: 1 },
    ]);
    assert.equal(g[4]!.pool, 'inline');
    assert.ok(Object.isFrozen(g[0]));
  });

  test('an empty grid, or one too large, is refused', () => {
    usage(() => buildGrid({ pools: [], concurrency: [1], prefetch: [1] }), /empty/);
    const many = Array.from({ length: 20 }, (_, i) => i + 1);
    usage(() => buildGrid({ pools: ['threads'], concurrency: many, prefetch: many }), new RegExp(`400 cells.*${MAX_CELLS}`));
  });

  test('default concurrency: one, the cores, twice the cores', () => {
    assert.deepEqual(defaultConcurrency(4), [1, 4, 8]);
    assert.deepEqual(defaultConcurrency(1), [1, 2]);
  });
});

describe('bench plan', () => {
  test('defaults', () => {
    const p = plan({ task: 'proj.add' });
    assert.equal(p.task, 'proj.add');
    assert.deepEqual(p.args, []);
    assert.equal(p.kwargs, undefined);
    assert.equal(p.count, DEFAULT_COUNT);
    assert.deepEqual([...new Set(p.grid.map((g) => g.prefetch))], [1, 4, 16, 64]);
    assert.deepEqual([...new Set(p.grid.map((g) => g.pool))], ['threads', 'inline']);
    assert.equal(p.quiet, false);
    assert.ok(Object.isFrozen(p));
  });

  test('every option parsed', () => {
    const p = plan({
      task: 'proj.add', args: '[2, 2]', kwargs: '{"x": 1}', count: '200', warmup: '0', prefetch: '4,1', concurrency: '2',
      pool: 'inline', inflight: '50', timeout: '2.5', json: '-', chart: 'out.svg', quiet: true,
    });
    assert.deepEqual(p.args, [2, 2]);
    assert.deepEqual(p.kwargs, { x: 1 });
    assert.equal(p.count, 200);
    assert.equal(p.warmup, 0);
    assert.equal(p.inflight, 50);
    assert.equal(p.timeout, 2.5);
    assert.deepEqual(p.grid, [
      { pool: 'inline', concurrency: 2, prefetch: 1 },
      { pool: 'inline', concurrency: 2, prefetch: 4 },
    ]);
    assert.equal(p.json, '-');
    assert.equal(p.chart, 'out.svg');
    assert.equal(p.quiet, true);
  });

  test('bad usage names the option', () => {
    usage(() => plan({}), /--task/);
    usage(() => plan({ task: ' ' }), /--task/);
    usage(() => plan({ task: 'a' }, ['b']), /unexpected argument 'b'/);
    usage(() => plan({ task: 'a', args: '{' }), /--args must be valid JSON/);
    usage(() => plan({ task: 'a', args: '{"x":1}' }), /--args must be a JSON array/);
    usage(() => plan({ task: 'a', kwargs: '[1]' }), /--kwargs must be a JSON object/);
    usage(() => plan({ task: 'a', count: '0' }), /-n\/--count must be an integer >= 1/);
    usage(() => plan({ task: 'a', warmup: '-1' }), /--warmup/);
    usage(() => plan({ task: 'a', timeout: '0' }), /-t\/--timeout/);
    usage(() => plan({ task: 'a', inflight: '0' }), /--inflight/);
    usage(() => plan({ task: 'a', chart: '-' }), /--chart/);
    usage(() => plan({ task: 'a', json: '' }), /--json/);
  });

  test('the in-flight window is the same for every cell, and at least twice the widest prefetch window', () => {
    assert.equal(inflightFor(plan({ task: 'a', prefetch: '1,4', concurrency: '1,2' })), MIN_INFLIGHT);
    assert.equal(inflightFor(plan({ task: 'a', prefetch: '64', concurrency: '16' })), 2 * 64 * 16);
    assert.equal(inflightFor(plan({ task: 'a', prefetch: '0', concurrency: '1' })), MIN_INFLIGHT);
    assert.equal(inflightFor(plan({ task: 'a', inflight: '7' })), 7);
  });
});
