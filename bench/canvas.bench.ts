/**
 * The canvas end to end through memory:// (or BROKER) with a threads worker (concurrency 2, prefetch ×64):
 * a chord of 1,000 no-op adds into xsum, a chain of 100 steps, a group of 1,000. Each figure is
 * the whole run, from building the canvas to the final `get()`, in ms (median of ROUNDS, after
 * a warm-up round). Run: npm run bench -- canvas   (or node --conditions=celeriac-source --import tsx bench/canvas.bench.ts)
 */
import { chain, chord, group } from 'celeriac';
import { app, add, xsum } from '../test/fixtures/canvas-app.ts';
import { report, summarize, fmt } from './lib/stats.ts';

const ROUNDS = Number(process.env.ROUNDS ?? 5);
const WIDTH = Number(process.env.WIDTH ?? 1000);
const LENGTH = Number(process.env.LENGTH ?? 100);
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

const scenarios: Record<string, { run: () => Promise<unknown>; expect: unknown }> = {
  [`chord of ${WIDTH} adds into xsum (ms)`]: {
    run: async () => (await chord(range(WIDTH).map((i) => add.s(i, 0)), xsum.s()).delay()).get({ timeout: 120 }),
    expect: (WIDTH * (WIDTH - 1)) / 2,
  },
  [`chain of ${LENGTH} steps (ms)`]: {
    run: async () => (await chain([add.s(0, 0), ...range(LENGTH - 1).map(() => add.s(1))]).delay()).get({ timeout: 120 }),
    expect: LENGTH - 1,
  },
  [`group of ${WIDTH} adds (ms)`]: {
    run: async () => (await group(range(WIDTH).map((i) => add.s(i, 0))).delay()).get({ timeout: 120 }),
    expect: range(WIDTH),
  },
};

// BROKER=nats://host:port measures the same over NATS (start a nats-server with JetStream first).
const BROKER = process.env.BROKER ?? 'memory://bench-canvas';
app.conf.update({ broker: BROKER, resultExpires: 600 });
const worker = app.worker({ concurrency: 2, prefetchMultiplier: 64, pool: 'threads', hostname: 'bench-canvas@local' });
await worker.start();
const figures: Record<string, ReturnType<typeof summarize>> = {};
try {
  for (const [name, s] of Object.entries(scenarios)) {
    const check = (v: unknown) => {
      if (JSON.stringify(v) !== JSON.stringify(s.expect)) throw new Error(`${name}: got ${JSON.stringify(v).slice(0, 80)}`);
    };
    check(await s.run());
    const times: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const t0 = performance.now();
      const v = await s.run();
      times.push(performance.now() - t0);
      check(v);
    }
    figures[name] = summarize(times);
    console.log(`${name.padEnd(36)} median ${fmt(figures[name]!.median, 1)} ms  (min ${fmt(figures[name]!.min, 1)}, max ${fmt(figures[name]!.max, 1)})`);
  }
} finally {
  await app.close();
}
report({
  scenario: BROKER.startsWith('nats') ? 'canvas-nats' : 'canvas-memory',
  figures,
  ratios: {},
  notes: [`${BROKER.split(':')[0]}://, threads pool, concurrency 2, prefetch ×64, ${ROUNDS} rounds after one warm-up; whole-run ms`],
});
