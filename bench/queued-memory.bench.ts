/**
 * Memory held by N (100,000) no-op tasks queued in memory:// with no worker: heap, external
 * memory (array buffers: frames live in shared slabs) and RSS after a full GC, less the same before
 * publishing, with msgpack and JSON task bodies; each round a fresh process (node --expose-gc).
 * The caller drops its AsyncResults, so the figure is the broker's (queue, frames, dedup window).
 * Baseline: the encoded task message alone, N times.
 * Run: npm run bench -- queued-memory   (N, ROUNDS in the environment)
 */
import { app, noop } from './fixtures/bench-app.ts';
import { newTaskMessage } from '../src/protocol/task-message-defaults.ts';
import { encodeTask } from '../src/protocol/wire.ts';
import { answerParent, runChild } from './lib/child.ts';
import { fmt, printAndReport, summarize, type Summary } from './lib/stats.ts';
import { benchAppChild } from './lib/variant-worker.ts';
import { envNumber, label, matrix } from './lib/variants.ts';

interface Params {
  n: number;
}
interface Answer {
  heap: number;
  external: number;
  rss: number;
  queued: number;
}
const QUEUE = 'bench-parked';
const MiB = 2 ** 20;

const child = benchAppChild<Params>();
if (child !== undefined) {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run with --expose-gc');
  const broker = (await app.transport()).broker;
  // Warm the publish path so its code and caches are in the "before" figure.
  await Promise.all(Array.from({ length: 1000 }, () => noop.applyAsync([], { queue: QUEUE })));
  await broker.purge(QUEUE);
  const settle = () => {
    for (let i = 0; i < 3; i++) gc();
    return process.memoryUsage();
  };
  const before = settle();
  for (let i = 0; i < child.params.n; i += 10_000) {
    await Promise.all(Array.from({ length: Math.min(10_000, child.params.n - i) }, () => noop.applyAsync([], { queue: QUEUE })));
  }
  const after = settle();
  answerParent({
    heap: after.heapUsed - before.heapUsed,
    // `external` already counts array buffers (frames in their slabs).
    external: after.external - before.external,
    rss: after.rss - before.rss,
    queued: await broker.size(QUEUE),
  } satisfies Answer);
}

const N = envNumber('N', 100_000);
const ROUNDS = envNumber('ROUNDS', 3);
const figures: Record<string, Summary> = {};
const ratios: Record<string, number> = {};
const notes = [`N=${N} no-op tasks published in bursts of 10,000 to a queue nobody consumes; after 3 full GCs; ${ROUNDS} fresh processes per serializer`];
const where: string[] = [];
for (const variant of matrix(['memory'], ['threads'], ['msgpack', 'json'])) {
  console.log(`-- ${label(variant)}`);
  const runs: Answer[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const outcome = await runChild<Answer>(import.meta.url, { variant, natsUrl: undefined, params: { n: N } }, { nodeArgs: ['--expose-gc'] });
    if (!outcome.ok) {
      notes.push(`${label(variant)}: ${outcome.reason}`);
      break;
    }
    if (outcome.value.queued !== N) notes.push(`${label(variant)}: ${outcome.value.queued} queued, expected ${N}`);
    runs.push(outcome.value);
  }
  if (runs.length === 0) continue;
  const s = variant.serializer;
  const heap = summarize(runs.map((a) => a.heap / MiB));
  const ext = summarize(runs.map((a) => a.external / MiB));
  const total = summarize(runs.map((a) => (a.heap + a.external) / MiB));
  figures[`${s} heap MiB`] = heap;
  figures[`${s} external (buffers) MiB`] = ext;
  figures[`${s} heap + external MiB`] = total;
  figures[`${s} rss MiB`] = summarize(runs.map((a) => a.rss / MiB));
  const frame = encodeTask(newTaskMessage({ task: 'bench.noop', args: [] }), { serializer: s }).length;
  const perTask = (total.median * MiB) / N;
  ratios[`${s} bytes held per task / encoded message bytes`] = perTask / frame;
  where.push(
    `${s}: ${fmt(perTask, 0)} B per queued task (heap ${fmt((heap.median * MiB) / N, 0)} B, buffers ${fmt((ext.median * MiB) / N, 0)} B) ` +
      `for a ${frame} B encoded message: the rest is the queue entry, its delivery record and the dedup window.`,
  );
}
printAndReport({ scenario: 'queued-memory', figures, ratios, notes, whereTimeGoes: where });
