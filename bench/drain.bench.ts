/**
 * Drain: N no-op tasks waiting in a queue, then one worker (concurrency 2, prefetch ×64),
 * already started and warm, is told to consume that queue (`add_consumer`); the figure runs
 * from there until every result is stored and seen. Over memory:// and nats://, threads and
 * inline pools, each variant in a process of its own (the worker in the producer's process:
 * the clock covers the worker's side only). Baselines in the same run: raw JetStream pull
 * consume+ack, raw Piscina running the no-op (one per run() and 64 per run()), and BullMQ
 * draining a paused queue after `resume()`.
 * Run: npm run bench -- drain   (N, ROUNDS, BROKERS=memory,nats in the environment)
 */
import { app, noop } from './fixtures/bench-app.ts';
import { withBullmq } from './lib/bullmq.ts';
import { answerParent } from './lib/child.ts';
import { benchAppChild } from './lib/variant-worker.ts';
import { rawJetStreamRates } from './lib/raw-jetstream.ts';
import { rawPiscinaRate } from './lib/raw-piscina.ts';
import { fmt, perSecond, printAndReport, repeat, summarize, type Summary } from './lib/stats.ts';
import { envBrokers, envNumber, label, matrix, runVariants, withNatsServer, type RoundsParams } from './lib/variants.ts';

const CONCURRENCY = 2;
const PREFETCH = 64;

const child = benchAppChild<RoundsParams>();
if (child !== undefined) {
  const { n, rounds } = child.params;
  const worker = app.worker({ concurrency: CONCURRENCY, prefetchMultiplier: PREFETCH, pool: child.variant.pool, hostname: `bench-drain-${process.pid}@local` });
  await worker.start();
  const warm = await Promise.all(Array.from({ length: 1000 }, () => noop.delay()));
  await Promise.all(warm.map((r) => r.get({ timeout: 120 })));
  const rates = await repeat(rounds, async (r) => {
    const queue = `bench-drain-${r}`;
    const sent = await Promise.all(Array.from({ length: n }, () => noop.applyAsync([], { queue })));
    const done = Promise.all(sent.map((x) => x.get({ timeout: 300 })));
    const t0 = performance.now();
    await worker.supervisor!.addConsumer(queue);
    await done;
    const rate = perSecond(n, performance.now() - t0);
    await worker.supervisor!.cancelConsumer(queue);
    return rate;
  });
  await app.close();
  answerParent(rates);
}

const N = envNumber('N', 20_000);
const ROUNDS = envNumber('ROUNDS', 5);
const variants = matrix(envBrokers(), ['threads', 'inline'], ['msgpack']);
const figures: Record<string, Summary> = {};
const ratios: Record<string, number> = {};
const notes = [
  `N=${N} tasks waiting per round, ${ROUNDS} rounds after a warm-up of 1,000; worker concurrency ${CONCURRENCY}, prefetch ×${PREFETCH}, ` +
    'in the producer’s process; results stored (memory:// in memory, nats:// in KV); each variant in its own process',
];
const nats = variants.some((v) => v.broker === 'nats');
await withNatsServer(nats, async (url) => {
  for (const { variant, outcome } of await runVariants<RoundsParams, number[]>(import.meta.url, variants, { n: N, rounds: ROUNDS }, url)) {
    if (outcome.ok) figures[`${variant.broker} ${variant.pool} drain tasks/s`] = summarize(outcome.value);
    else notes.push(`${label(variant)}: ${outcome.reason}`);
  }
  if (url !== undefined) figures['raw jetstream consume+ack msgs/s'] = summarize((await rawJetStreamRates(url, 'benchraw', N, ROUNDS)).consume);
});
figures['raw piscina 1/run tasks/s'] = summarize(await rawPiscinaRate(N, CONCURRENCY, ROUNDS));
figures['raw piscina 64/run tasks/s'] = summarize(await rawPiscinaRate(N, CONCURRENCY, ROUNDS, 64));
const bull = await withBullmq(async (b) => {
  await b.drain(1000);
  return repeat(ROUNDS, () => b.drain(N));
});
if ('skipped' in bull) notes.push(`BullMQ ${bull.skipped}`);
else {
  figures['bullmq drain jobs/s'] = summarize(bull);
  notes.push('BullMQ: its Worker (concurrency 50) in a process of its own, the queue paused while filled, timed from resume()');
}

const median = (name: string) => figures[name]?.median;
const where: string[] = [];
for (const v of variants) {
  const ours = median(`${v.broker} ${v.pool} drain tasks/s`);
  if (ours === undefined) continue;
  const baselines: [string, string][] = [
    v.broker === 'nats' ? ['raw jetstream consume+ack', 'raw jetstream consume+ack msgs/s'] : ['raw piscina 1/run', 'raw piscina 1/run tasks/s'],
    ['bullmq drain', 'bullmq drain jobs/s'],
  ];
  for (const [short, fig] of baselines) {
    const base = median(fig);
    if (base !== undefined) ratios[`${v.broker} ${v.pool} / ${short}`] = ours / base;
  }
}
const memT = median('memory threads drain tasks/s');
const natsT = median('nats threads drain tasks/s');
const raw = median('raw jetstream consume+ack msgs/s');
const pisc = median('raw piscina 64/run tasks/s');
if (memT !== undefined && pisc !== undefined) {
  where.push(`memory:// threads: ${fmt(1e6 / memT, 1)} µs per task, of which running it in a thread (raw Piscina, 64 per run()) is ${fmt(1e6 / pisc, 1)} µs.`);
}
if (natsT !== undefined && memT !== undefined && raw !== undefined) {
  where.push(
    `nats:// threads: ${fmt(1e6 / natsT, 1)} µs per task; the same worker over memory:// takes ${fmt(1e6 / memT, 1)} µs and a raw JetStream ` +
      `fetch+ack ${fmt(1e6 / raw, 1)} µs, so about ${fmt(1e6 / natsT - 1e6 / memT - 1e6 / raw, 1)} µs go to celeriac's NATS side (storing results, acks, flow control).`,
  );
}
printAndReport({ scenario: 'drain', figures, ratios, notes, whereTimeGoes: where });
