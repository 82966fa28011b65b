/** The bench's load loop over fake round trips, and its percentiles. No timing is asserted. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { runLoad, type RoundTrip } from '../../src/cli/bench/load.ts';
import { percentile, percentiles, roundMs } from '../../src/cli/bench/percentiles.ts';
import { ResourceSampler } from '../../src/cli/bench/sampler.ts';

/** Round trips that finish when the test says, counting how many are open at once. */
function controlled() {
  const open: ((v: string | undefined) => void)[] = [];
  let started = 0;
  let maxOpen = 0;
  const rt: RoundTrip = () =>
    new Promise((resolve) => {
      started++;
      open.push(resolve);
      maxOpen = Math.max(maxOpen, open.length);
    });
  return {
    rt,
    get started() {
      return started;
    },
    get maxOpen() {
      return maxOpen;
    },
    /** Finishes the oldest open round trip. */
    finishOne(v?: string) {
      open.shift()!(v);
    },
    get open() {
      return open.length;
    },
  };
}

const tick = () => new Promise<void>((r) => setImmediate(r));

describe('bench load', () => {
  test('runs count round trips with at most `inflight` open at once', async () => {
    const c = controlled();
    const done = runLoad(c.rt, { count: 50, inflight: 8, timeoutMs: 60_000 });
    while (c.started < 50 || c.open > 0) {
      if (c.open > 0) c.finishOne();
      await tick();
    }
    const r = await done;
    assert.equal(r.done, 50);
    assert.equal(r.errors, 0);
    assert.equal(r.latencies.length, 50);
    assert.equal(c.maxOpen, 8);
    assert.equal(r.aborted, false);
    assert.ok(r.latencies.every((l) => l >= 0));
  });

  test('failed tasks and rejected publishes are counted, with the first error kept', async () => {
    let i = 0;
    const rt: RoundTrip = async () => {
      i++;
      if (i % 5 === 0) throw new Error('publish refused');
      return i % 3 === 0 ? `FlakyError: call ${i}` : undefined;
    };
    const r = await runLoad(rt, { count: 30, inflight: 4, timeoutMs: 60_000 });
    assert.equal(r.done, 30);
    // Multiples of 5 reject; multiples of 3 but not 5 fail: 6 + 8.
    assert.equal(r.errors, 6 + 8);
    assert.equal(r.latencies.length, 30 - 14);
    assert.equal(r.firstError, 'FlakyError: call 3');
  });

  test('a synchronous throw counts as an error too', async () => {
    const r = await runLoad(() => {
      throw new TypeError('bad');
    }, { count: 3, inflight: 2, timeoutMs: 60_000 });
    assert.equal(r.errors, 3);
    assert.equal(r.firstError, 'TypeError: bad');
  });

  test('a round trip that never finishes times out instead of hanging the cell', async () => {
    let i = 0;
    const rt: RoundTrip = () => (++i === 2 ? new Promise(() => undefined) : Promise.resolve(undefined));
    const r = await runLoad(rt, { count: 5, inflight: 2, timeoutMs: 40 });
    assert.equal(r.done, 5);
    assert.equal(r.errors, 1);
    assert.match(r.firstError!, /^TimeoutError: no result within 0\.04 s$/);
  });

  test('an abort stops publishing and resolves with what finished', async () => {
    const c = controlled();
    const ac = new AbortController();
    const done = runLoad(c.rt, { count: 100, inflight: 4, timeoutMs: 60_000, signal: ac.signal, onDone: (n) => n === 3 && ac.abort() });
    while (c.open > 0) {
      c.finishOne();
      await tick();
    }
    const r = await done;
    assert.equal(r.aborted, true);
    assert.equal(r.done, 3);
    const startedAtAbort = c.started;
    while (c.open > 0) c.finishOne();
    await tick();
    assert.equal(c.started, startedAtAbort, 'nothing is published after the abort');
  });

  test('already aborted, or nothing to do', async () => {
    const ac = new AbortController();
    ac.abort();
    assert.equal((await runLoad(() => Promise.resolve(undefined), { count: 5, inflight: 1, timeoutMs: 1000, signal: ac.signal })).aborted, true);
    assert.equal((await runLoad(() => Promise.resolve(undefined), { count: 0, inflight: 1, timeoutMs: 1000 })).done, 0);
  });
});

describe('bench percentiles', () => {
  test('nearest rank', () => {
    const xs = Array.from({ length: 100 }, (_, i) => 100 - i); // 100..1, unsorted
    assert.equal(percentile(xs, 50), 50);
    assert.equal(percentile(xs, 99), 99);
    assert.equal(percentile(xs, 100), 100);
    assert.equal(percentile(xs, 0), 1);
    assert.deepEqual(percentiles([5], [50, 99]), [5, 5]);
    assert.ok(Number.isNaN(percentile([], 50)));
  });

  test('rounding for the report', () => {
    assert.equal(roundMs(0.123456), 0.123);
    assert.equal(roundMs(9.876), 9.88);
    assert.equal(roundMs(153.27), 153.3);
    assert.ok(Number.isNaN(roundMs(Number.NaN)));
  });

  test('the sampler returns the same figures once stopped', () => {
    const s = new ResourceSampler(5);
    const a = s.stop();
    assert.ok(a.peakRssMb > 0);
    assert.ok(a.cpuPct >= 0);
    assert.deepEqual(s.stop(), a);
  });
});
