/**
 * CPU-bound tasks: recursive fib(27) × COUNT through memory:// with the threads pool at
 * concurrency 1 and 2. Reports wall time, the speed-up, and the wall against the ideal
 * (one task's time on one thread × COUNT / concurrency, measured in the same run).
 */
import { app, fibTask, fib } from './fixtures/bench-app.ts';
import { report, summarize, fmt } from './lib/stats.ts';

const COUNT = Number(process.env.COUNT ?? 400);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const N = 27;

function singleTaskMs(): number {
  fib(N);
  const xs: number[] = [];
  for (let i = 0; i < 20; i++) {
    const t0 = performance.now();
    fib(N);
    xs.push(performance.now() - t0);
  }
  return summarize(xs).median;
}

async function wall(concurrency: number): Promise<number[]> {
  const worker = app.worker({ concurrency, prefetchMultiplier: 4, hostname: `fib-${concurrency}@local` });
  await worker.start();
  try {
    await (await fibTask.delay(20)).get({ timeout: 60 });
    const walls: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const t0 = performance.now();
      const rs = await Promise.all(Array.from({ length: COUNT }, () => fibTask.delay(N)));
      await Promise.all(rs.map((x) => x.get({ timeout: 600 })));
      walls.push(performance.now() - t0);
    }
    return walls;
  } finally {
    await worker.stop();
  }
}

app.conf.update({ broker: 'memory://bench-cpu' });
const one = singleTaskMs();
const c1 = summarize(await wall(1));
const c2 = summarize(await wall(2));
await app.close();
const ideal1 = one * COUNT;
const ideal2 = ideal1 / 2;
console.log(`fib(${N}) on the main thread: ${fmt(one, 2)} ms; ideal wall for ${COUNT}: c1 ${fmt(ideal1)} ms, c2 ${fmt(ideal2)} ms`);
console.log(`concurrency 1: ${fmt(c1.median)} ms (${fmt(c1.median / ideal1, 2)}× ideal)`);
console.log(`concurrency 2: ${fmt(c2.median)} ms (${fmt(c2.median / ideal2, 2)}× ideal), speed-up ${fmt(c1.median / c2.median, 2)}×`);
report({
  scenario: 'cpu-bound',
  figures: { 'fib27 single ms': summarize([one]), 'c1 wall ms': c1, 'c2 wall ms': c2 },
  ratios: { 'c1 / ideal': c1.median / ideal1, 'c2 / ideal': c2.median / ideal2, 'speed-up c1/c2': c1.median / c2.median },
  notes: [`${COUNT} × fib(${N}), ${ROUNDS} rounds, memory://, threads pool`],
});
