/**
 * `celeriac bench`: runs the user's own task across a grid of pools, concurrencies and prefetch
 * multipliers with a worker embedded in this process, prints a table and a recommendation, and
 * writes the grid as JSON and as an SVG heatmap. The work is in ./bench/; see docs/tuning.md.
 */
import { defineCommand } from './command.ts';
import { DEFAULT_COUNT, DEFAULT_POOLS, DEFAULT_PREFETCH, DEFAULT_TIMEOUT, DEFAULT_WARMUP, MIN_INFLIGHT, planBench } from './bench/plan.ts';
import type { ProgressSink } from './bench/progress.ts';
import { runBench } from './bench/run.ts';

/** Progress goes to the process's stderr directly: a bar redraws in place, which lines cannot. */
const stderrSink: ProgressSink = {
  get isTTY() {
    return process.stderr.isTTY === true;
  },
  get columns() {
    return process.stderr.columns;
  },
  write: (text) => void process.stderr.write(text),
};

export const benchCommand = defineCommand({
  name: 'bench',
  summary: 'tune prefetch and concurrency: run a task across a grid, recommend a setting',
  synopsis: "bench --task TASK [--args '[2,2]'] [-n COUNT] [--prefetch 1,4,16,64] [-c 1,2,4] [-P threads,inline] [--json FILE|-] [--chart FILE]",
  options: {
    task: { type: 'string', value: 'TASK', help: 'the registered task to run (required)' },
    args: { type: 'string', short: 'a', value: 'JSON', help: "its positional arguments as a JSON array (default '[]')" },
    kwargs: { type: 'string', short: 'k', value: 'JSON', help: 'its keyword arguments as a JSON object' },
    count: { type: 'string', short: 'n', value: 'N', help: `tasks measured per cell (default ${DEFAULT_COUNT})` },
    warmup: { type: 'string', value: 'N', help: `tasks run before measuring, per cell (default ${DEFAULT_WARMUP})` },
    prefetch: { type: 'string', value: 'LIST', help: `prefetch multipliers to try (default ${DEFAULT_PREFETCH})` },
    concurrency: { type: 'string', short: 'c', value: 'LIST', help: 'concurrencies to try (default: 1, the cores, twice the cores)' },
    pool: { type: 'string', short: 'P', value: 'LIST', help: `pools to try: threads, inline (default ${DEFAULT_POOLS})` },
    inflight: { type: 'string', value: 'N', help: `tasks in flight at once (default: ${MIN_INFLIGHT}, or twice the widest prefetch window)` },
    timeout: { type: 'string', short: 't', value: 'S', help: `seconds to wait for one result before counting it failed (default ${DEFAULT_TIMEOUT})` },
    json: { type: 'string', value: 'FILE', help: 'write the grid as JSON to FILE (- for stdout; the table then goes to stderr)' },
    chart: { type: 'string', value: 'FILE', help: 'write the grid as an SVG heatmap to FILE' },
    quiet: { type: 'boolean', short: 'q', help: 'no progress on stderr' },
  },
  details: [
    'Each cell starts a worker in this process (-P pool, -c concurrency, --prefetch-multiplier),',
    'runs a warm-up, then publishes COUNT tasks (pipelined) and times each from publish to result.',
    'The table gives tasks/s, p50/p99 latency, CPU (percent of one core, the whole process) and peak',
    'RSS per cell; the recommendation is the fastest setting, or a cheaper one within 5% of it.',
    'It works in a namespace of its own (transport prefix <prefix>-bench-<random>, queue',
    'celeriac.bench.<random>), purges its queue after each cell, and never touches other queues.',
    'A failing task is counted in the errors column (the worker also logs each failure at error',
    'level on stderr; -l fatal hides those lines). Ctrl-C stops the current cell, purges, prints',
    'the finished cells and exits 130.',
    'See docs/tuning.md for how to read the results.',
  ],
  plan: planBench,
  run: (ctx, plan) => runBench(ctx, plan, stderrSink),
});
