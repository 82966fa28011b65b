/**
 * No-op tasks end to end through memory:// — publish N calls (pipelined), wait for every
 * result — with the threads pool and with the inline pool, beside raw Piscina running the same
 * function one task per run() and 64 per run() in the same process run. Reports tasks/s
 * (median of ROUNDS) and the ratios. JSON bodies and nats:// are in e2e-variants.bench.ts. Run: npm run bench -- e2e-memory   (or node --conditions=celeriac-source --import tsx bench/e2e-memory.bench.ts)
 */
import { app, noop } from './fixtures/bench-app.ts';
import { rawPiscinaRate } from './lib/raw-piscina.ts';
import { printAndReport, summarize, fmt } from './lib/stats.ts';

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
const rawBatched = summarize(await rawPiscinaRate(N, THREADS, ROUNDS, 64));
const threads = await celeriacRate('threads', 64);
const threads4 = await celeriacRate('threads', 4);
const inline = await celeriacRate('inline', 64);
await app.close();

const t = summarize(threads.rates);
const t4 = summarize(threads4.rates);
const i = summarize(inline.rates);
printAndReport({
  scenario: 'e2e-memory',
  figures: {
    'raw piscina 1/run tasks/s': raw,
    'raw piscina 64/run tasks/s': rawBatched,
    'memory threads x64 tasks/s': t,
    'memory threads x4 tasks/s': t4,
    'memory inline x64 tasks/s': i,
  },
  ratios: {
    'threads x64 / raw piscina': t.median / raw.median,
    'threads x4 / raw piscina': t4.median / raw.median,
    'inline x64 / raw piscina': i.median / raw.median,
    'threads x64 / raw piscina 64/run': t.median / rawBatched.median,
  },
  notes: [`N=${N}, ${ROUNDS} rounds, ${THREADS} threads, results stored in memory://; producer and worker in one process (memory:// does not cross processes)`],
  whereTimeGoes: [
    `threads ×64: ${fmt(1e6 / t.median, 1)} µs per task end to end (average batch ${fmt(threads.avgBatch, 1)} tasks per run()), ` +
      `where raw Piscina spends ${fmt(1e6 / raw.median, 1)} µs per task one per run() and ${fmt(1e6 / rawBatched.median, 1)} µs 64 per run(): ` +
      'the rest is publishing, delivery, decoding, storing and telling the result (docs/architecture.md, the pool’s hot path).',
    `prefetch ×4 (average batch ${fmt(threads4.avgBatch, 1)}) shares each run() among fewer tasks: ${fmt(1e6 / t4.median, 1)} µs per task.`,
  ],
});
