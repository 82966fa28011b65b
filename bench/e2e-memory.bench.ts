/**
 * No-op tasks end to end through memory:// — publish N calls (pipelined), wait for every
 * result — with the threads pool and with the inline pool, beside raw Piscina running the same
 * function one task per run() in the same process run. Reports tasks/s (median of ROUNDS) and
 * the ratios. Run: npm run bench -- e2e-memory   (or node --conditions=celeriac-source --import tsx bench/e2e-memory.bench.ts)
 */
import { app, noop } from './fixtures/bench-app.ts';
import { rawPiscinaRate } from './lib/raw-piscina.ts';
import { report, summarize, fmt } from './lib/stats.ts';

const N = Number(process.env.N ?? 20_000);
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const THREADS = 2;

async function celeriacRate(pool: 'threads' | 'inline', prefetchMultiplier: number): Promise<{ rates: number[]; avgBatch: number }> {
  const worker = app.worker({ concurrency: THREADS, prefetchMultiplier, pool, hostname: `bench-${pool}@local` });
  await worker.start();
  try {
    const warm = await Promise.all(Array.from({ length: 1000 }, () => noop.delay()));
    await Promise.all(warm.map((r) => r.get({ timeout: 60 })));
    const rates: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const t0 = performance.now();
      const results = await Promise.all(Array.from({ length: N }, () => noop.delay()));
      await Promise.all(results.map((x) => x.get({ timeout: 120 })));
      rates.push(N / ((performance.now() - t0) / 1000));
    }
    return { rates, avgBatch: worker.supervisor!.pool.stats().avgBatch };
  } finally {
    await worker.stop();
  }
}

app.conf.update({ broker: 'memory://bench-e2e', resultExpires: 600 });
const raw = summarize(await rawPiscinaRate(N, THREADS, ROUNDS));
const threads = await celeriacRate('threads', 64);
const threads4 = await celeriacRate('threads', 4);
const inline = await celeriacRate('inline', 64);
await app.close();

const t = summarize(threads.rates);
const t4 = summarize(threads4.rates);
const i = summarize(inline.rates);
console.log(`raw piscina (1 task/run, ${THREADS} threads): ${fmt(raw.median)} tasks/s`);
console.log(`celeriac memory:// threads, prefetch ×64:    ${fmt(t.median)} tasks/s (avg batch ${fmt(threads.avgBatch, 1)})  ratio ${fmt(t.median / raw.median, 2)}`);
console.log(`celeriac memory:// threads, prefetch ×4:     ${fmt(t4.median)} tasks/s (avg batch ${fmt(threads4.avgBatch, 1)})  ratio ${fmt(t4.median / raw.median, 2)}`);
console.log(`celeriac memory:// inline,  prefetch ×64:    ${fmt(i.median)} tasks/s  ratio ${fmt(i.median / raw.median, 2)}`);
report({
  scenario: 'e2e-memory',
  figures: {
    'raw piscina 1/run tasks/s': raw,
    'memory threads x64 tasks/s': t,
    'memory threads x4 tasks/s': t4,
    'memory inline x64 tasks/s': i,
  },
  ratios: {
    'threads x64 / raw piscina': t.median / raw.median,
    'threads x4 / raw piscina': t4.median / raw.median,
    'inline x64 / raw piscina': i.median / raw.median,
  },
  notes: [`N=${N}, ${ROUNDS} rounds, ${THREADS} threads, results stored in memory://`],
});
