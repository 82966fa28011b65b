/**
 * No-op tasks end to end through nats:// — the producer here, the worker in a process of its
 * own (threads pool), results stored in the KV backend — beside raw JetStream (nats.js alone)
 * and BullMQ on the local Redis, all in the same run. Figures (median of ROUNDS):
 *   - e2e tasks/s: publish N calls (pipelined) and wait for every result;
 *   - publish tasks/s: N calls to a queue nobody consumes, until every publish is acknowledged;
 *   - round-trip latency p50/p99: delay() then get(), one task at a time;
 *   - raw JetStream publish and pull consume+ack msgs/s;
 *   - BullMQ e2e, publish and round trip with the same no-op job, Worker concurrency 50
 *     (skipped, saying why, when bullmq is not installed or Redis does not answer).
 * The nats-server is one the test harness starts (never the one on 4222).
 * Run: npm run bench -- e2e-nats   (N, ROUNDS, RTT, CONCURRENCY, PREFETCH in the environment)
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { startNatsServer } from '../test/helpers/nats-server.ts';
import { app, noop } from './fixtures/bench-app.ts';
import { bullmqRates } from './lib/bullmq.ts';
import { rawJetStreamRates } from './lib/raw-jetstream.ts';
import { fmt, report, summarize, type Summary } from './lib/stats.ts';

const N = Number(process.env.N ?? 10_000);
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const RTT = Number(process.env.RTT ?? 200);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 2);
const PREFETCH = Number(process.env.PREFETCH ?? 64);

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

const server = await startNatsServer();
const prefix = `bench_${randomBytes(3).toString('hex')}`;
app.conf.update({ broker: server.url, transportPrefix: prefix, resultExpires: 600 });

/** The worker process; resolves once it consumes. */
function startWorkerProcess(): Promise<{ stop: () => Promise<void> }> {
  const script = fileURLToPath(new URL('./fixtures/nats-worker.ts', import.meta.url));
  const child = spawn(
    process.execPath,
    ['--conditions=celeriac-source', '--import', 'tsx', script, server.url, prefix, String(CONCURRENCY), String(PREFETCH)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      out += s;
      if (out.includes('ready\n')) {
        resolve({
          stop: async () => {
            child.kill('SIGTERM');
            await exited;
          },
        });
      }
    });
    void exited.then(() => reject(new Error(`the worker process exited before it was ready: ${out}`)));
  });
}

async function celeriacFigures(): Promise<{ e2e: number[]; publish: number[]; p50: number[]; p99: number[] }> {
  const worker = await startWorkerProcess();
  try {
    const warm = await Promise.all(Array.from({ length: 1000 }, () => noop.delay()));
    await Promise.all(warm.map((r) => r.get({ timeout: 120 })));
    const out = { e2e: [] as number[], publish: [] as number[], p50: [] as number[], p99: [] as number[] };
    for (let r = 0; r < ROUNDS; r++) {
      let t0 = performance.now();
      const results = await Promise.all(Array.from({ length: N }, () => noop.delay()));
      await Promise.all(results.map((x) => x.get({ timeout: 300 })));
      out.e2e.push(N / ((performance.now() - t0) / 1000));

      t0 = performance.now();
      await Promise.all(Array.from({ length: N }, () => noop.applyAsync([], { queue: 'bench-parked' })));
      out.publish.push(N / ((performance.now() - t0) / 1000));
      await (await app.transport()).broker.purge('bench-parked');

      const rtts: number[] = [];
      for (let i = 0; i < RTT; i++) {
        const s = performance.now();
        await (await noop.delay()).get({ timeout: 30 });
        rtts.push(performance.now() - s);
      }
      out.p50.push(pct(rtts, 50));
      out.p99.push(pct(rtts, 99));
    }
    return out;
  } finally {
    await worker.stop();
  }
}

let celeriac: Awaited<ReturnType<typeof celeriacFigures>>;
let raw: Awaited<ReturnType<typeof rawJetStreamRates>>;
try {
  try {
    celeriac = await celeriacFigures();
  } finally {
    await app.close();
  }
  raw = await rawJetStreamRates(server.url, `${prefix}r`, N, ROUNDS);
} finally {
  await server[Symbol.asyncDispose]();
}
const bull = await bullmqRates(N, ROUNDS, RTT);

const figures: Record<string, Summary> = {
  'celeriac nats e2e tasks/s': summarize(celeriac.e2e),
  'celeriac nats publish tasks/s': summarize(celeriac.publish),
  'celeriac nats round trip p50 ms': summarize(celeriac.p50),
  'celeriac nats round trip p99 ms': summarize(celeriac.p99),
  'raw jetstream publish msgs/s': summarize(raw.publish),
  'raw jetstream consume+ack msgs/s': summarize(raw.consume),
};
const ratios: Record<string, number> = {
  'celeriac e2e / raw consume+ack': figures['celeriac nats e2e tasks/s']!.median / figures['raw jetstream consume+ack msgs/s']!.median,
  'celeriac publish / raw publish': figures['celeriac nats publish tasks/s']!.median / figures['raw jetstream publish msgs/s']!.median,
};
const notes = [
  `N=${N}, ${ROUNDS} rounds, round trip over ${RTT} sequential tasks per round; worker: separate process, threads pool, ` +
    `concurrency ${CONCURRENCY}, prefetch ×${PREFETCH}; results stored in NATS KV; one nats-server (file store) on the same machine.`,
];
if ('skipped' in bull) {
  console.log(`bullmq ${bull.skipped}`);
  notes.push(`BullMQ ${bull.skipped}`);
} else {
  figures['bullmq e2e jobs/s'] = summarize(bull.e2e);
  figures['bullmq publish jobs/s'] = summarize(bull.publish);
  figures['bullmq round trip p50 ms'] = summarize(bull.rttP50);
  figures['bullmq round trip p99 ms'] = summarize(bull.rttP99);
  ratios['celeriac e2e / bullmq e2e'] = figures['celeriac nats e2e tasks/s']!.median / figures['bullmq e2e jobs/s']!.median;
  ratios['celeriac publish / bullmq publish'] = figures['celeriac nats publish tasks/s']!.median / figures['bullmq publish jobs/s']!.median;
  notes.push('BullMQ: the same no-op job, its Worker (concurrency 50) in a process of its own as celeriac’s, local Redis, return values kept.');
}
for (const [name, s] of Object.entries(figures)) console.log(`${name.padEnd(36)} ${fmt(s.median, name.endsWith('ms') ? 2 : 0)}  (${fmt(s.min, 1)}–${fmt(s.max, 1)})`);
for (const [name, v] of Object.entries(ratios)) console.log(`${name.padEnd(36)} ${fmt(v, 2)}`);
report({ scenario: 'e2e-nats', figures, ratios, notes });
