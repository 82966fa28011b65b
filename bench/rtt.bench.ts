/**
 * Round trip latency: `delay()` then `get()`, one task at a time, p50 and p99 over SAMPLES per
 * round. memory:// runs the worker in the caller's process (it cannot cross processes);
 * nats:// runs it in a process of its own (bench/fixtures/worker-process.ts), as deployed.
 * Threads and inline pools, msgpack and JSON, each variant in a process of its own; BullMQ's
 * add → waitUntilFinished on the local Redis is the baseline.
 * Run: npm run bench -- rtt   (SAMPLES, ROUNDS, BROKERS=memory,nats in the environment)
 */
import { app, noop } from './fixtures/bench-app.ts';
import { withBullmq } from './lib/bullmq.ts';
import { answerParent } from './lib/child.ts';
import { benchAppChild, startVariantWorker } from './lib/variant-worker.ts';
import { fmt, percentile, printAndReport, repeat, summarize, type Summary } from './lib/stats.ts';
import { envBrokers, envNumber, label, matrix, runVariants, withNatsServer } from './lib/variants.ts';

interface Params {
  samples: number;
  rounds: number;
}
const CONCURRENCY = 2;
const PREFETCH = 4;

const child = benchAppChild<Params>();
if (child !== undefined) {
  const { samples, rounds } = child.params;
  const worker = await startVariantWorker(child.variant, child.conf, { concurrency: CONCURRENCY, prefetchMultiplier: PREFETCH });
  const once = async () => {
    const t0 = performance.now();
    await (await noop.delay()).get({ timeout: 30 });
    return performance.now() - t0;
  };
  await repeat(100, once);
  const out = { p50: [] as number[], p99: [] as number[] };
  for (const xs of await repeat(rounds, () => repeat(samples, once))) {
    out.p50.push(percentile(xs, 50));
    out.p99.push(percentile(xs, 99));
  }
  await worker.stop();
  await app.close();
  answerParent(out);
}

const SAMPLES = envNumber('SAMPLES', 500);
const ROUNDS = envNumber('ROUNDS', 3);
const variants = matrix(envBrokers(), ['threads', 'inline'], ['msgpack', 'json']);
const figures: Record<string, Summary> = {};
const ratios: Record<string, number> = {};
const notes = [
  `${SAMPLES} sequential round trips per round, ${ROUNDS} rounds after 100 warm-up ones; worker concurrency ${CONCURRENCY}, prefetch ×${PREFETCH}; ` +
    'memory:// worker in the caller’s process, nats:// worker in its own process',
];
await withNatsServer(
  variants.some((v) => v.broker === 'nats'),
  async (url) => {
    for (const { variant, outcome } of await runVariants<Params, { p50: number[]; p99: number[] }>(import.meta.url, variants, { samples: SAMPLES, rounds: ROUNDS }, url)) {
      if (!outcome.ok) {
        notes.push(`${label(variant)}: ${outcome.reason}`);
        continue;
      }
      figures[`${label(variant)} p50 ms`] = summarize(outcome.value.p50);
      figures[`${label(variant)} p99 ms`] = summarize(outcome.value.p99);
    }
  },
);
const bull = await withBullmq(async (b) => {
  await b.rtt(100);
  const rounds = await repeat(ROUNDS, () => b.rtt(SAMPLES));
  return { p50: rounds.map((x) => x.p50), p99: rounds.map((x) => x.p99) };
});
if ('skipped' in bull) notes.push(`BullMQ ${bull.skipped}`);
else {
  figures['bullmq p50 ms'] = summarize(bull.p50);
  figures['bullmq p99 ms'] = summarize(bull.p99);
  for (const v of variants) {
    for (const p of ['p50', 'p99']) {
      const ours = figures[`${label(v)} ${p} ms`];
      if (ours !== undefined) ratios[`${label(v)} ${p} / bullmq ${p}`] = ours.median / figures[`bullmq ${p} ms`]!.median;
    }
  }
}
const where: string[] = [];
const m = figures['memory threads msgpack p50 ms']?.median;
const mi = figures['memory inline msgpack p50 ms']?.median;
const n = figures['nats threads msgpack p50 ms']?.median;
if (m !== undefined && mi !== undefined) {
  where.push(`memory://: the thread hop (threads against inline) adds ${fmt((m - mi) * 1000, 0)} µs to a ${fmt(m * 1000, 0)} µs round trip.`);
}
if (m !== undefined && n !== undefined) {
  where.push(`nats:// adds ${fmt(n - m, 2)} ms to memory://'s ${fmt(m, 2)} ms: publish and JetStream ack, the pull by the worker process, storing the result and its way back to the caller.`);
}
printAndReport({ scenario: 'rtt', figures, ratios, notes, whereTimeGoes: where });
