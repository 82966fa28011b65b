/**
 * The canvas end to end: a chord of 1,000 no-op adds into xsum, a chain of 100 steps, a group
 * of 1,000, over memory:// and nats://, threads and inline pools (and JSON bodies with threads),
 * each variant in a process of its own with its worker embedded (concurrency 2, prefetch ×64).
 * Each figure is the whole run, from building the canvas to the final `get()`, in ms (median
 * of ROUNDS after a warm-up run). A figure whose warm-up does not finish within TIMEOUT seconds
 * is reported as timed out rather than waited for; a variant gets TIMEOUT × 4 in all.
 * Run: npm run bench -- canvas   (ROUNDS, WIDTH, LENGTH, TIMEOUT, BROKERS=memory,nats in the environment)
 */
import { chain, chord, group } from 'celeriac';
import { app, add, xsum } from '../test/fixtures/canvas-app.ts';
import { answerParent, childPayload } from './lib/child.ts';
import { fmt, printAndReport, summarize, type Summary } from './lib/stats.ts';
import { envBrokers, envNumber, label, matrix, runVariants, variantConf, withNatsServer, type VariantPayload } from './lib/variants.ts';

interface Params {
  rounds: number;
  width: number;
  length: number;
  timeoutS: number;
}
type Answer = Record<string, number[] | { failed: string }>;

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

function shapes(p: Params): Record<string, { run: () => Promise<unknown>; expect: unknown }> {
  const timeout = p.timeoutS;
  return {
    [`chord of ${p.width} ms`]: {
      run: async () => (await chord(range(p.width).map((i) => add.s(i, 0)), xsum.s()).delay()).get({ timeout }),
      expect: (p.width * (p.width - 1)) / 2,
    },
    [`chain of ${p.length} ms`]: {
      run: async () => (await chain([add.s(0, 0), ...range(p.length - 1).map(() => add.s(1))]).delay()).get({ timeout }),
      expect: p.length - 1,
    },
    [`group of ${p.width} ms`]: {
      run: async () => (await group(range(p.width).map((i) => add.s(i, 0))).delay()).get({ timeout }),
      expect: range(p.width),
    },
  };
}

const child = childPayload<VariantPayload<Params>>();
if (child !== undefined) {
  const p = child.params;
  app.conf.update(variantConf(child));
  const worker = app.worker({ concurrency: 2, prefetchMultiplier: 64, pool: child.variant.pool, hostname: `bench-canvas-${process.pid}@local` });
  await worker.start();
  const answer: Answer = {};
  for (const [name, s] of Object.entries(shapes(p))) {
    const check = (v: unknown) => {
      if (JSON.stringify(v) !== JSON.stringify(s.expect)) throw new Error(`${name}: got ${JSON.stringify(v).slice(0, 80)}`);
    };
    try {
      check(await s.run());
      const times: number[] = [];
      for (let r = 0; r < p.rounds; r++) {
        const t0 = performance.now();
        const v = await s.run();
        times.push(performance.now() - t0);
        check(v);
      }
      answer[name] = times;
    } catch (err) {
      const timedOut = err instanceof Error && /timeout|timed out/i.test(`${err.name} ${err.message}`);
      answer[name] = { failed: timedOut ? `timed out (no result within ${p.timeoutS} s)` : `failed: ${String(err)}` };
    }
  }
  await app.close();
  answerParent(answer);
}

const params: Params = {
  rounds: envNumber('ROUNDS', 5),
  width: envNumber('WIDTH', 1000),
  length: envNumber('LENGTH', 100),
  timeoutS: envNumber('TIMEOUT', 30),
};
const brokers = envBrokers();
const variants = [...matrix(brokers, ['threads'], ['msgpack', 'json']), ...matrix(brokers, ['inline'], ['msgpack'])];
const figures: Record<string, Summary> = {};
const ratios: Record<string, number> = {};
const notes = [
  `${params.rounds} rounds after a warm-up run; worker embedded (concurrency 2, prefetch ×64); whole-run ms from building the canvas to the final get(); ` +
    'each variant in its own process. No baseline from another system: BullMQ flows are a different shape (parent waits on children).',
];
await withNatsServer(
  variants.some((v) => v.broker === 'nats'),
  async (url) => {
    const outcomes = await runVariants<Params, Answer>(import.meta.url, variants, params, url, { timeoutMs: params.timeoutS * 4 * 1000 + 60_000 });
    for (const { variant, outcome } of outcomes) {
      if (!outcome.ok) {
        notes.push(`${label(variant)}: ${outcome.reason}`);
        continue;
      }
      for (const [name, v] of Object.entries(outcome.value)) {
        if (Array.isArray(v)) figures[`${label(variant)} ${name}`] = summarize(v);
        else notes.push(`${label(variant)} ${name}: ${v.failed}`);
      }
    }
  },
);
const where: string[] = [];
const chordName = `chord of ${params.width} ms`;
const groupName = `group of ${params.width} ms`;
for (const b of brokers) {
  const c = figures[`${b} threads msgpack ${chordName}`]?.median;
  const g = figures[`${b} threads msgpack ${groupName}`]?.median;
  if (c === undefined || g === undefined) continue;
  ratios[`${b} threads msgpack: chord / group`] = c / g;
  where.push(
    `${b}://: the chord of ${params.width} takes ${fmt(c, 1)} ms where the group of the same header takes ${fmt(g, 1)} ms` +
      (c > g ? `; the ${fmt(c - g, 1)} ms more are the join (counting the header's results) and the xsum body.` : ': the join costs less than the noise here.'),
  );
}
printAndReport({ scenario: 'canvas', figures, ratios, notes, whereTimeGoes: where });
