/**
 * 20,000 no-op tasks, all submitted at once, through the threads pool (2 threads) vs raw
 * Piscina (2 threads) running the same function with one task per `run()`, in one process.
 * Payloads are built before the clock starts, for both. Reports tasks/s, the ratio and the
 * pool's average batch. Run: node --import tsx bench/pool.bench.ts
 */
import { Piscina } from 'piscina';
import { createPool } from '../src/worker/pool/create.ts';
import type { ExecRequest } from '../src/protocol/execution.ts';

const N = Number(process.env['N'] ?? 20_000);
const ROUNDS = 7;
const THREADS = 2;

function exec(i: number): ExecRequest {
  const id = `bench-${i}`;
  return {
    request: {
      id,
      task: 'noop',
      args: [i],
      kwargs: {},
      retries: 0,
      hostname: 'bench@local',
      queue: 'celery',
      eta: null,
      expires: null,
      parentId: null,
      rootId: id,
      groupId: null,
      redelivered: false,
    },
    softTimeLimit: null,
    timeLimit: null,
    trackStarted: false,
  };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function rawPiscina(): Promise<number[]> {
  const piscina = new Piscina<number, number>({
    filename: new URL('./fixtures/noop-worker.ts', import.meta.url).href,
    minThreads: THREADS,
    maxThreads: THREADS,
  });
  await Promise.all(Array.from({ length: THREADS * 4 }, (_, i) => piscina.run(i)));
  const rates: number[] = [];
  for (let r = 0; r <= ROUNDS; r++) {
    const t0 = performance.now();
    await Promise.all(Array.from({ length: N }, (_, i) => piscina.run(i)));
    if (r > 0) rates.push(N / ((performance.now() - t0) / 1000));
  }
  await piscina.close();
  return rates;
}

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

const raw = await rawPiscina();
const ours = await threadPool();
const rawRate = median(raw);
const ourRate = median(ours.rates);
const row = (name: string, rate: number, rates: number[]) => ({
  scenario: name,
  'tasks/s (median)': Math.round(rate),
  'min..max': `${Math.round(Math.min(...rates))}..${Math.round(Math.max(...rates))}`,
});
console.table([row('raw Piscina, 1 task per run()', rawRate, raw), row('celeriac threads pool', ourRate, ours.rates)]);
console.log(
  JSON.stringify({ n: N, threads: THREADS, rawPiscina: rawRate, threadPool: ourRate, ratio: ourRate / rawRate, avgBatch: ours.avgBatch }),
);
