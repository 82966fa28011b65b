/**
 * 20,000 no-op tasks, all submitted at once, through the threads pool (2 threads) vs raw
 * Piscina (2 threads) running the same function with one task per `run()` and 64 per `run()`,
 * in one process. Reports tasks/s, the ratios and the pool's average batch.
 * Run: npm run bench -- pool
 */
import { createPool } from '../src/worker/pool/create.ts';
import type { ExecRequest } from '../src/protocol/execution.ts';
import { rawPiscinaRate } from './lib/raw-piscina.ts';
import { fmt, printAndReport, summarize } from './lib/stats.ts';
import { execRequest } from '../test/helpers/exec-request.ts';

const N = Number(process.env.N ?? 20_000);
const ROUNDS = Number(process.env.ROUNDS ?? 7);
const THREADS = 2;
const BATCH = 64;

const exec = (i: number): ExecRequest => execRequest('noop', [i], { request: { id: `bench-${i}`, hostname: 'bench@local' } });

async function threadPool(): Promise<{ rates: number[]; avgBatch: number }> {
  const pool = createPool({
    kind: 'threads',
    concurrency: THREADS,
    appModule: new URL('./fixtures/noop-app.ts', import.meta.url).href,
    appName: 'bench-noop',
  });
  await pool.start();
  const rates: number[] = [];
  const batchesBefore = { batches: 0, tasks: 0 };
  for (let r = 0; r <= ROUNDS; r++) {
    const execs = Array.from({ length: N }, (_, i) => exec(i));
    const before = pool.stats();
    const t0 = performance.now();
    const outcomes = await Promise.all(execs.map((e) => pool.run(e)));
    const dt = performance.now() - t0;
    if (outcomes.some((o) => o.status !== 'success')) throw new Error('a no-op task did not succeed');
    const after = pool.stats();
    if (r > 0) {
      rates.push(N / (dt / 1000));
      batchesBefore.batches += after.batches - before.batches;
      batchesBefore.tasks += N;
    }
  }
  await pool.close();
  return { rates, avgBatch: batchesBefore.tasks / batchesBefore.batches };
}

const raw = summarize(await rawPiscinaRate(N, THREADS, ROUNDS));
const rawBatched = summarize(await rawPiscinaRate(N, THREADS, ROUNDS, BATCH));
const ours = await threadPool();
const pool = summarize(ours.rates);
printAndReport({
  scenario: 'pool',
  figures: {
    'raw piscina 1/run tasks/s': raw,
    [`raw piscina ${BATCH}/run tasks/s`]: rawBatched,
    'celeriac threads pool tasks/s': pool,
  },
  ratios: {
    'pool / raw piscina 1/run': pool.median / raw.median,
    [`pool / raw piscina ${BATCH}/run`]: pool.median / rawBatched.median,
  },
  notes: [`N=${N} no-op tasks submitted at once, ${THREADS} threads, ${ROUNDS} rounds after a warm-up; the pool alone (no broker)`],
  whereTimeGoes: [
    `The pool handed its threads ${fmt(ours.avgBatch, 1)} tasks per run() on average: ${fmt(1e6 / pool.median, 1)} µs per task ` +
      `against raw Piscina's ${fmt(1e6 / raw.median, 1)} µs one per run() and ${fmt(1e6 / rawBatched.median, 1)} µs ${BATCH} per run().`,
  ],
});
