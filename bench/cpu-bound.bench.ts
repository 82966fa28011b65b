/**
 * CPU-bound tasks: recursive fib(27) × COUNT at concurrency 1 and 2, over memory:// and
 * nats://, threads and inline pools, each variant in a process of its own (the nats:// worker
 * in a process of its own too). Reports wall time against the ideal (one fib(27) on one
 * thread × COUNT / concurrency, measured in the same run), the speed-up, and the same work on
 * raw Piscina (one per run() and 20 per run()) and on BullMQ's worker threads.
 * Run: npm run bench -- cpu   (COUNT, ROUNDS, BROKERS=memory,nats in the environment)
 */
import { app, fibTask, fib } from './fixtures/bench-app.ts';
import { withBullmq } from './lib/bullmq.ts';
import { answerParent } from './lib/child.ts';
import { rawPiscinaWalls } from './lib/raw-piscina.ts';
import { fmt, printAndReport, repeat, summarize, type Summary } from './lib/stats.ts';
import { benchAppChild, startVariantWorker } from './lib/variant-worker.ts';
import { envBrokers, envNumber, label, matrix, runVariants, withNatsServer } from './lib/variants.ts';

interface Params {
  count: number;
  rounds: number;
}
const FIB_N = 27;
const CONCURRENCIES = [1, 2] as const;
const BATCH = 20;

const child = benchAppChild<Params>();
if (child !== undefined) {
  const { count, rounds } = child.params;
  const walls: Record<number, number[]> = {};
  for (const concurrency of CONCURRENCIES) {
    const worker = await startVariantWorker(child.variant, child.conf, { concurrency, prefetchMultiplier: 4 });
    const run = async (k: number) => {
      const t0 = performance.now();
      const sent = await Promise.all(Array.from({ length: k }, () => fibTask.delay(FIB_N)));
      await Promise.all(sent.map((x) => x.get({ timeout: 600 })));
      return performance.now() - t0;
    };
    await run(concurrency * 8);
    walls[concurrency] = await repeat(rounds, () => run(count));
    await worker.stop();
  }
  await app.close();
  answerParent(walls);
}

/** One fib(27) on this thread, ms (median of 20 after a warm-up). */
function singleTaskMs(): number {
  fib(FIB_N);
  const xs: number[] = [];
  for (let i = 0; i < 20; i++) {
    const t0 = performance.now();
    fib(FIB_N);
    xs.push(performance.now() - t0);
  }
  return summarize(xs).median;
}

const COUNT = envNumber('COUNT', 400);
const ROUNDS = envNumber('ROUNDS', 3);
const variants = matrix(envBrokers(), ['threads', 'inline'], ['msgpack']);
const one = singleTaskMs();
const ideal = (c: number) => (one * COUNT) / c;
const figures: Record<string, Summary> = { [`fib${FIB_N} single ms`]: summarize([one]) };
const ratios: Record<string, number> = {};
const notes = [
  `${COUNT} × fib(${FIB_N}) per round, ${ROUNDS} rounds after a warm-up; prefetch ×4; ideal = one fib(${FIB_N}) on the main thread ` +
    `(${fmt(one, 2)} ms) × ${COUNT} / concurrency: ${CONCURRENCIES.map((c) => `c${c} ${fmt(ideal(c))} ms`).join(', ')}. ` +
    'The inline pool runs tasks on the worker’s own event loop, so its c2 cannot beat its c1 on CPU-bound work. ' +
      'Over nats:// the nats-server and the producer process run on the same cores as the worker’s threads: at c2 on a 2-core machine ' +
      'the threads cannot have both cores to themselves, so the ideal (which assumes they do) is out of reach there; c1 leaves a core for the rest.',
];
const addWalls = (name: string, c: number, walls: number[]) => {
  const s = summarize(walls);
  figures[`${name} c${c} wall ms`] = s;
  ratios[`${name} c${c} / ideal`] = s.median / ideal(c);
};

for (const c of CONCURRENCIES) {
  const filename = new URL('./fixtures/fib-worker.ts', import.meta.url);
  addWalls('raw piscina 1/run', c, await rawPiscinaWalls({ filename, threads: c, rounds: ROUNDS, n: COUNT, arg: () => FIB_N }));
  addWalls(`raw piscina ${BATCH}/run`, c, await rawPiscinaWalls({ filename, threads: c, rounds: ROUNDS, n: COUNT, arg: () => FIB_N, batch: BATCH }));
}
await withNatsServer(
  variants.some((v) => v.broker === 'nats'),
  async (url) => {
    for (const { variant, outcome } of await runVariants<Params, Record<number, number[]>>(import.meta.url, variants, { count: COUNT, rounds: ROUNDS }, url)) {
      if (!outcome.ok) {
        notes.push(`${label(variant)}: ${outcome.reason}`);
        continue;
      }
      for (const c of CONCURRENCIES) addWalls(`${variant.broker} ${variant.pool}`, c, outcome.value[c]!);
    }
  },
);
const bull = await withBullmq(async (b) => {
  const walls: Record<number, number[]> = {};
  for (const c of CONCURRENCIES) walls[c] = await b.cpuBound(COUNT, FIB_N, c, ROUNDS);
  return walls;
});
if ('skipped' in bull) notes.push(`BullMQ ${bull.skipped}`);
else {
  for (const c of CONCURRENCIES) addWalls('bullmq threads', c, bull[c]!);
  notes.push('BullMQ: bench/fixtures/bullmq-fib.mjs in BullMQ’s own worker threads (useWorkerThreads), its Worker in a process of its own');
}
const where: string[] = [];
const raw1 = figures['raw piscina 1/run c1 wall ms']?.median;
const raw2 = figures['raw piscina 1/run c2 wall ms']?.median;
if (raw1 !== undefined && raw2 !== undefined) {
  ratios['raw piscina speed-up c1/c2'] = raw1 / raw2;
  if (raw1 / raw2 < 1.6) {
    where.push(
      `Raw Piscina itself sped up only ${fmt(raw1 / raw2, 2)}× from 1 to 2 threads in this run: the machine did not give this bench two free cores, ` +
        'so every c2 figure here is far from its ideal; compare c2 with raw Piscina c2 instead.',
    );
  }
}
for (const b of envBrokers()) {
  const c1 = figures[`${b} threads c1 wall ms`]?.median;
  const c2 = figures[`${b} threads c2 wall ms`]?.median;
  if (c1 === undefined || c2 === undefined) continue;
  ratios[`${b} threads speed-up c1/c2`] = c1 / c2;
  if (raw2 !== undefined) ratios[`${b} threads c2 / raw piscina 1/run c2`] = c2 / raw2;
  where.push(
    `${b}:// threads c2: ${fmt(c2)} ms against ${fmt(ideal(2))} ms ideal; ${fmt(((c2 - ideal(2)) / COUNT) * 2 * 1000, 0)} µs per task and thread above fib itself ` +
      `(publish, delivery, result), where raw Piscina one per run() needs ${raw2 === undefined ? '?' : fmt(raw2)} ms.`,
  );
}
printAndReport({ scenario: 'cpu-bound', figures, ratios, notes, whereTimeGoes: where });
