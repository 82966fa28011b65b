/** The recommendation policy: pure, over hand-made cells. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fewer, recommend } from '../../src/cli/bench/recommend.ts';
import type { CellResult, PoolKind } from '../../src/cli/bench/types.ts';

const cell = (pool: PoolKind, concurrency: number, prefetch: number, throughput: number, p99Ms = 2, errors = 0): CellResult => ({
  pool, concurrency, prefetch, throughput, p50Ms: p99Ms / 2, p99Ms, cpuPct: 100, peakRssMb: 100, errors, wallS: 1,
});

const pickOf = (r: ReturnType<typeof recommend>) => (r === null ? null : { pool: r.pool, concurrency: r.concurrency, prefetch: r.prefetch });

describe('bench recommendation', () => {
  test('the highest throughput wins when nothing cheaper comes close', () => {
    const r = recommend([cell('threads', 1, 1, 1000), cell('threads', 2, 4, 5000), cell('threads', 4, 16, 3000)], { cores: 2 });
    assert.deepEqual(pickOf(r), { pool: 'threads', concurrency: 2, prefetch: 4 });
    assert.match(r!.reason, /^prefetch 4 × concurrency 2 \(threads\): 5,000 tasks\/s, the highest throughput of 3 cells; p99 2 ms$/);
    assert.deepEqual(r!.notes, []);
  });

  test('a cheaper setting within 5% of the best is preferred, and the reason says by how much and what it saves', () => {
    const r = recommend([cell('threads', 2, 16, 18_400, 2.1), cell('threads', 4, 64, 18_950), cell('threads', 1, 1, 4000)], { cores: 2 });
    assert.deepEqual(pickOf(r), { pool: 'threads', concurrency: 2, prefetch: 16 });
    assert.equal(
      r!.reason,
      'prefetch 16 × concurrency 2 (threads): 18,400 tasks/s, within 3% of the best (prefetch 64 × concurrency 4 (threads): 18,950 tasks/s) at half the concurrency and a quarter of the prefetch; p99 2.1 ms',
    );
  });

  test('lower concurrency is cheaper than lower prefetch', () => {
    const r = recommend([cell('threads', 4, 1, 10_000), cell('threads', 2, 64, 9_900)], { cores: 4 });
    assert.deepEqual(pickOf(r), { pool: 'threads', concurrency: 2, prefetch: 64 });
  });

  test('just past the tolerance is not as good', () => {
    const r = recommend([cell('inline', 1, 1, 9_400), cell('inline', 2, 4, 10_000)], { cores: 2 });
    assert.deepEqual(pickOf(r), { pool: 'inline', concurrency: 2, prefetch: 4 });
    assert.deepEqual(pickOf(recommend([cell('inline', 1, 1, 9_400), cell('inline', 2, 4, 10_000)], { cores: 2, tolerance: 0.1 })), {
      pool: 'inline', concurrency: 1, prefetch: 1,
    });
  });

  test('cells with failures are left out, and a note says so', () => {
    const r = recommend([cell('threads', 4, 4, 50_000, 1, 3), cell('threads', 1, 4, 2000)], { cores: 2 });
    assert.deepEqual(pickOf(r), { pool: 'threads', concurrency: 1, prefetch: 4 });
    assert.ok(r!.notes.some((n) => /1 cell was left out/.test(n)), r!.notes.join('\n'));
  });

  test('no clean cell: no recommendation', () => {
    assert.equal(recommend([cell('threads', 1, 1, 100, 1, 100)], { cores: 2 }), null);
    assert.equal(recommend([], { cores: 2 }), null);
  });

  test('a p99 much worse than the lowest is flagged', () => {
    const r = recommend([cell('threads', 2, 64, 10_000, 40), cell('threads', 2, 1, 6_000, 3)], { cores: 2 });
    assert.deepEqual(pickOf(r), { pool: 'threads', concurrency: 2, prefetch: 64 });
    assert.equal(r!.notes.length, 1);
    assert.match(r!.notes[0]!, /p99 \(40 ms\) is 13\.3× the lowest \(3 ms, prefetch 1 × concurrency 2 \(threads\)/);
  });

  test('small p99 differences are not flagged', () => {
    const r = recommend([cell('threads', 2, 64, 10_000, 0.9), cell('threads', 2, 1, 6_000, 0.3)], { cores: 2 });
    assert.deepEqual(r!.notes, []);
  });

  test('concurrency beyond twice the cores is flagged', () => {
    const r = recommend([cell('inline', 8, 4, 10_000), cell('inline', 2, 4, 5_000)], { cores: 2 });
    assert.ok(r!.notes.some((n) => /more than twice the 2 cores/.test(n)), r!.notes.join('\n'));
  });

  test('fractions in words', () => {
    assert.equal(fewer('prefetch', 16, 64), 'a quarter of the prefetch');
    assert.equal(fewer('concurrency', 1, 2), 'half the concurrency');
    assert.equal(fewer('prefetch', 1, 3), 'a third of the prefetch');
    assert.equal(fewer('prefetch', 1, 64), '1/64 of the prefetch');
    assert.equal(fewer('concurrency', 3, 4), 'concurrency 3 instead of 4');
    assert.equal(fewer('prefetch', 0, 4), 'prefetch 0 instead of 4');
  });
});
