/**
 * No-op tasks end to end — publish N calls (pipelined), wait for every result — for each of
 * our own alternatives: memory:// and nats://, threads and inline pools, msgpack and JSON task
 * bodies, each variant in a process of its own. The nats:// worker runs in a process of its
 * own (producer and worker apart, results in KV); the memory:// one in the producer's process.
 * Baselines against other systems are in e2e-memory (raw Piscina) and e2e-nats (raw JetStream,
 * BullMQ); this file compares the variants with each other.
 * Run: npm run bench -- e2e-variants   (N, ROUNDS, BROKERS=memory,nats in the environment)
 */
import { app, noop } from './fixtures/bench-app.ts';
import { answerParent } from './lib/child.ts';
import { fmt, perSecond, printAndReport, repeat, summarize, type Summary } from './lib/stats.ts';
import { benchAppChild, startVariantWorker } from './lib/variant-worker.ts';
import { envBrokers, envNumber, label, matrix, runVariants, withNatsServer, type RoundsParams } from './lib/variants.ts';

const CONCURRENCY = 2;
const PREFETCH = 64;

const child = benchAppChild<RoundsParams>();
if (child !== undefined) {
  const { n, rounds } = child.params;
  const worker = await startVariantWorker(child.variant, child.conf, { concurrency: CONCURRENCY, prefetchMultiplier: PREFETCH });
  const round = async (k: number) => {
    const t0 = performance.now();
    const sent = await Promise.all(Array.from({ length: k }, () => noop.delay()));
    await Promise.all(sent.map((x) => x.get({ timeout: 300 })));
    return perSecond(k, performance.now() - t0);
  };
  await round(1000);
  const rates = await repeat(rounds, () => round(n));
  await worker.stop();
  await app.close();
  answerParent(rates);
}

const N = envNumber('N', 10_000);
const ROUNDS = envNumber('ROUNDS', 3);
const variants = matrix(envBrokers(), ['threads', 'inline'], ['msgpack', 'json']);
const figures: Record<string, Summary> = {};
const ratios: Record<string, number> = {};
const notes = [
  `N=${N} per round, ${ROUNDS} rounds after a warm-up of 1,000; worker concurrency ${CONCURRENCY}, prefetch ×${PREFETCH}; ` +
    'memory:// worker in the producer’s process, nats:// worker in its own process; results stored',
];
await withNatsServer(
  variants.some((v) => v.broker === 'nats'),
  async (url) => {
    for (const { variant, outcome } of await runVariants<RoundsParams, number[]>(import.meta.url, variants, { n: N, rounds: ROUNDS }, url)) {
      if (outcome.ok) figures[`${label(variant)} tasks/s`] = summarize(outcome.value);
      else notes.push(`${label(variant)}: ${outcome.reason}`);
    }
  },
);
const rate = (l: string) => figures[`${l} tasks/s`]?.median;
const where: string[] = [];
for (const b of envBrokers()) {
  for (const p of ['threads', 'inline']) {
    const m = rate(`${b} ${p} msgpack`);
    const j = rate(`${b} ${p} json`);
    if (m !== undefined && j !== undefined) ratios[`${b} ${p}: json / msgpack`] = j / m;
  }
  const t = rate(`${b} threads msgpack`);
  const i = rate(`${b} inline msgpack`);
  if (t !== undefined && i !== undefined) {
    ratios[`${b} msgpack: inline / threads`] = i / t;
    where.push(`${b}://: ${fmt(1e6 / t, 1)} µs per task with threads, ${fmt(1e6 / i, 1)} µs inline (no thread hop, no batch packing).`);
  }
}
const mt = rate('memory threads msgpack');
const nt = rate('nats threads msgpack');
if (mt !== undefined && nt !== undefined) {
  ratios['threads msgpack: nats / memory'] = nt / mt;
  where.push(`nats:// costs ${fmt(1e6 / nt - 1e6 / mt, 1)} µs per task more than memory:// (JetStream publish, pull and ack; storing each result and its way back).`);
}
printAndReport({ scenario: 'e2e-variants', figures, ratios, notes, whereTimeGoes: where });
