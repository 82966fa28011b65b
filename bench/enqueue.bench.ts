/**
 * Enqueue rate: N no-op calls published at once (pipelined) to a queue nobody consumes, until
 * every publish is acknowledged (nats://: by JetStream; memory://: queued), over memory:// and
 * nats:// with msgpack and JSON task bodies, each variant in a process of its own. Baselines
 * in the same run: raw JetStream publish (nats.js alone) and BullMQ `add` on the local Redis.
 * Run: npm run bench -- enqueue   (N, ROUNDS, BROKERS=memory,nats in the environment)
 */
import { app, noop } from './fixtures/bench-app.ts';
import { withBullmq } from './lib/bullmq.ts';
import { answerParent } from './lib/child.ts';
import { benchAppChild } from './lib/variant-worker.ts';
import { rawJetStreamRates } from './lib/raw-jetstream.ts';
import { fmt, perSecond, printAndReport, repeat, summarize, type Summary } from './lib/stats.ts';
import { envBrokers, envNumber, label, matrix, runVariants, withNatsServer, type RoundsParams } from './lib/variants.ts';

const PARKED = 'bench-parked';

const child = benchAppChild<RoundsParams>();
if (child !== undefined) {
  const { n, rounds } = child.params;
  const broker = (await app.transport()).broker;
  await Promise.all(Array.from({ length: 1000 }, () => noop.applyAsync([], { queue: PARKED })));
  await broker.purge(PARKED);
  const rates = await repeat(rounds, async () => {
    const t0 = performance.now();
    await Promise.all(Array.from({ length: n }, () => noop.applyAsync([], { queue: PARKED })));
    const rate = perSecond(n, performance.now() - t0);
    await broker.purge(PARKED);
    return rate;
  });
  await app.close();
  answerParent(rates);
}

const N = envNumber('N', 20_000);
const ROUNDS = envNumber('ROUNDS', 5);
const variants = matrix(envBrokers(), ['threads'], ['msgpack', 'json']);
const figures: Record<string, Summary> = {};
const ratios: Record<string, number> = {};
const notes = [`N=${N} publishes at once per round, ${ROUNDS} rounds after a warm-up of 1,000; no worker; each variant in its own process`];
const nats = variants.some((v) => v.broker === 'nats');
await withNatsServer(nats, async (url) => {
  for (const { variant, outcome } of await runVariants<RoundsParams, number[]>(import.meta.url, variants, { n: N, rounds: ROUNDS }, url)) {
    const name = `${variant.broker} ${variant.serializer} publish tasks/s`;
    if (outcome.ok) figures[name] = summarize(outcome.value);
    else notes.push(`${label(variant)}: ${outcome.reason}`);
  }
  if (url !== undefined) figures['raw jetstream publish msgs/s'] = summarize((await rawJetStreamRates(url, 'benchraw', N, ROUNDS)).publish);
});
const bull = await withBullmq(async (b) => {
  await b.publish(1000);
  return repeat(ROUNDS, () => b.publish(N));
});
if ('skipped' in bull) notes.push(`BullMQ ${bull.skipped}`);
else figures['bullmq add jobs/s'] = summarize(bull);

const median = (name: string) => figures[name]?.median;
const where: string[] = [];
for (const v of variants) {
  const ours = median(`${v.broker} ${v.serializer} publish tasks/s`);
  if (ours === undefined) continue;
  const raw = median('raw jetstream publish msgs/s');
  const bullmq = median('bullmq add jobs/s');
  if (v.broker === 'nats' && raw !== undefined) ratios[`nats ${v.serializer} / raw jetstream publish`] = ours / raw;
  if (bullmq !== undefined) ratios[`${v.broker} ${v.serializer} / bullmq add`] = ours / bullmq;
}
for (const b of envBrokers()) {
  const m = median(`${b} msgpack publish tasks/s`);
  const j = median(`${b} json publish tasks/s`);
  if (m !== undefined && j !== undefined) {
    ratios[`${b} json / msgpack`] = j / m;
    where.push(`${b}://: ${fmt(1e6 / m, 1)} µs per publish with msgpack, ${fmt(1e6 / j, 1)} µs with JSON.`);
  }
}
const natsM = median('nats msgpack publish tasks/s');
const raw = median('raw jetstream publish msgs/s');
if (natsM !== undefined && raw !== undefined) {
  where.push(
    `A nats:// publish costs ${fmt(1e6 / natsM, 1)} µs per task, raw JetStream ${fmt(1e6 / raw, 1)} µs per message of the same size ` +
      '(windows of 1,000 in flight): the difference is message building and framing, or batching where celeriac is ahead.',
  );
}
printAndReport({ scenario: 'enqueue', figures, ratios, notes, whereTimeGoes: where });
