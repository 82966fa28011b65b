/**
 * Worker memory: a celeriac worker in a process of its own (bench/fixtures/worker-process.ts,
 * concurrency 2, prefetch ×64) samples its own RSS (every 10 ms, threads included: one process).
 * Idle: IDLE_MS after it started consuming. Under load: the peak while N no-op tasks go through
 * it (nats://: published by this process; memory://: by the worker process itself, as nothing
 * else can reach its broker, so its producer's share is in the figure). Over memory:// and
 * nats://, threads and inline pools, ROUNDS fresh processes each; the worker compiled to
 * JavaScript on plain node (as deployed), and from source through tsx. Baselines: node with
 * nothing loaded (plain, and with tsx), and a BullMQ worker process idle and under its own load.
 * Run: npm run bench -- rss   (N, ROUNDS, IDLE_MS, BROKERS=memory,nats in the environment)
 */
import { app, noop } from './fixtures/bench-app.ts';
import type { WorkerProcessOptions } from './fixtures/worker-process.ts';
import { withBullmq } from './lib/bullmq.ts';
import { spawnLineProcess, type LineProcess } from './lib/child.ts';
import { compileCeleriac } from './lib/compiled.ts';
import type { MemoryReport } from './fixtures/line-protocol.mjs';
import { fmt, printAndReport, repeat, summarize, type Summary } from './lib/stats.ts';
import { envBrokers, envNumber, label, matrix, variantConf, withNatsServer, type Variant } from './lib/variants.ts';

const N = envNumber('N', 20_000);
const ROUNDS = envNumber('ROUNDS', 2);
const IDLE_MS = envNumber('IDLE_MS', 2000);
const MiB = 2 ** 20;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const mem = async (p: LineProcess) => JSON.parse(await p.ask('mem', 'mem ')) as MemoryReport;

type Mode = 'compiled' | 'source';

/** Idle RSS and peak RSS under load of one fresh worker process, MiB. */
async function measure(variant: Variant, conf: Record<string, unknown>, mode: Mode, compiledIndex: string | undefined): Promise<{ idle: number; peak: number }> {
  const options: WorkerProcessOptions = { conf, pool: variant.pool, concurrency: 2, prefetchMultiplier: 64 };
  const worker =
    mode === 'compiled'
      ? await spawnLineProcess(new URL('./fixtures/worker-process-compiled.mjs', import.meta.url), [JSON.stringify(options)], {
          plainNode: true,
          env: { CELERIAC_DIST: compiledIndex! },
        })
      : await spawnLineProcess(new URL('./fixtures/worker-process.ts', import.meta.url), [JSON.stringify(options)]);
  try {
    await sleep(IDLE_MS);
    const idle = (await mem(worker)).rss / MiB;
    if (variant.broker === 'memory') await worker.ask(`load ${N}`, 'loaded ');
    else {
      const sent = await Promise.all(Array.from({ length: N }, () => noop.delay()));
      await Promise.all(sent.map((r) => r.get({ timeout: 300 })));
    }
    return { idle, peak: (await mem(worker)).peakRss / MiB };
  } finally {
    await worker.stop();
  }
}

/** RSS of `ROUNDS` fresh idle processes that load nothing, MiB. */
async function floor(plainNode: boolean): Promise<number[]> {
  return repeat(ROUNDS, async () => {
    const p = await spawnLineProcess(new URL('./fixtures/idle-process.mjs', import.meta.url), [], { plainNode });
    await sleep(IDLE_MS);
    const rss = (await mem(p)).rss / MiB;
    await p.stop();
    return rss;
  });
}

const variants = matrix(envBrokers(), ['threads', 'inline'], ['msgpack']);
const figures: Record<string, Summary> = {};
const ratios: Record<string, number> = {};
const notes = [
  `RSS in MiB of the worker's whole process (worker threads included), sampled every 10 ms; idle ${IDLE_MS} ms after it consumes, peak while ${N} no-op tasks ` +
    `go through it; ${ROUNDS} fresh processes per variant. "compiled": celeriac built to JavaScript (.tmp/bench-dist), plain node, as deployed; ` +
    '"source": from the TypeScript source through tsx, whose loader runs in the process and in each worker thread.',
];
const compiled = compileCeleriac();
const modes: Mode[] = 'skipped' in compiled ? ['source'] : ['compiled', 'source'];
if ('skipped' in compiled) notes.push(`compiled worker ${compiled.skipped}`);
const suffix = (mode: Mode) => (mode === 'compiled' ? '' : ' (source, tsx)');
await withNatsServer(
  variants.some((v) => v.broker === 'nats'),
  async (natsUrl) => {
    // One nats:// namespace for the run: this process publishes into it, every nats:// worker process consumes it.
    const natsConf = natsUrl === undefined ? undefined : variantConf({ variant: { broker: 'nats', pool: 'threads', serializer: 'msgpack' }, natsUrl, params: null });
    if (natsConf !== undefined) app.conf.update(natsConf);
    for (const mode of modes) {
      for (const v of variants) {
        console.log(`-- ${label(v)} ${mode}`);
        try {
          const runs = await repeat(ROUNDS, () => {
            const conf = v.broker === 'nats' ? natsConf! : variantConf({ variant: v, natsUrl, params: null });
            return measure(v, conf, mode, 'index' in compiled ? compiled.index : undefined);
          });
          figures[`${v.broker} ${v.pool} idle${suffix(mode)} MiB`] = summarize(runs.map((m) => m.idle));
          figures[`${v.broker} ${v.pool} peak under load${suffix(mode)} MiB`] = summarize(runs.map((m) => m.peak));
        } catch (err) {
          notes.push(`${label(v)} ${mode}: ${String(err)}`);
        }
      }
    }
    await app.close();
  },
);

figures['floor: node, nothing loaded, MiB'] = summarize(await floor(true));
figures['floor: node + tsx, nothing loaded, MiB'] = summarize(await floor(false));
const bull = await withBullmq(async (b) => {
  await sleep(IDLE_MS);
  const idle = (await b.workerMemory()).rss / MiB;
  await b.e2e(N);
  return { idle, peak: (await b.workerMemory()).peakRss / MiB };
});
if ('skipped' in bull) notes.push(`BullMQ ${bull.skipped}`);
else {
  figures['bullmq worker idle MiB'] = summarize([bull.idle]);
  figures['bullmq worker peak under load MiB'] = summarize([bull.peak]);
  notes.push('BullMQ: one Worker process (concurrency 50, no-op processor in the process), on plain node like the compiled variants, measured once');
}
const median = (name: string) => figures[name]?.median;
const where: string[] = [];
const plain = median('floor: node, nothing loaded, MiB')!;
const withTsx = median('floor: node + tsx, nothing loaded, MiB')!;
const bullIdle = median('bullmq worker idle MiB');
for (const v of variants) {
  const idle = median(`${v.broker} ${v.pool} idle MiB`);
  if (idle !== undefined) ratios[`${v.broker} ${v.pool} idle / plain node floor`] = idle / plain;
  if (idle !== undefined && bullIdle !== undefined) ratios[`${v.broker} ${v.pool} idle / bullmq idle`] = idle / bullIdle;
}
const ti = median('memory threads idle MiB');
const ii = median('memory inline idle MiB');
if (ti !== undefined && ii !== undefined) {
  where.push(
    `memory:// idle, compiled: ${fmt(plain, 0)} MiB is node itself, ${fmt(ii - plain, 0)} MiB more the worker, its app and connections (inline pool), ` +
      `${fmt(ti - ii, 0)} MiB more its 2 worker threads (each a V8 isolate that imports the app module).`,
  );
}
const ts = median('memory threads idle (source, tsx) MiB');
if (ts !== undefined && ti !== undefined) {
  where.push(`Run from source, the same worker holds ${fmt(ts - ti, 0)} MiB more: the tsx loader (${fmt(withTsx - plain, 0)} MiB in an empty process) and the transpiled modules, in the process and in each thread.`);
}
printAndReport({ scenario: 'rss', figures, ratios, notes, whereTimeGoes: where });
