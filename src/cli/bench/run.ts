/**
 * A whole `celeriac bench` run: checks what needs the app (the task is registered, the output
 * files can be written), moves the app into a private namespace, runs the cells one after the
 * other, then prints the table and the recommendation and writes the JSON and the heatmap.
 * The first Ctrl-C stops the current cell cold, purges the queue, reports the finished cells
 * and exits 130; a second one exits at once. The app is closed whatever happens.
 */
import { accessSync, constants } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../args.ts';
import type { RunContext } from '../command.ts';
import { EXIT_FAILURE, EXIT_OK } from '../io.ts';
import { onStopSignals } from '../signals.ts';
import { version } from '../version.ts';
import { runCell, type CellSetup } from './cell.ts';
import { renderHeatmap } from './heatmap.ts';
import { claimNamespace, dropNamespace, purgeQueue } from './namespace.ts';
import { inflightFor, type BenchPlan } from './plan.ts';
import { createProgress, type ProgressSink } from './progress.ts';
import { recommend } from './recommend.ts';
import { buildReport, machineInfo } from './report.ts';
import { formatFailures, formatRecommendation, formatTable } from './table.ts';
import type { BenchReport, CellResult, GridPoint, RunParams } from './types.ts';

/** Every task of the cell failed to publish: the broker is not there, and the next cells would fail alike. */
const brokerDown = (r: CellResult, count: number): boolean => r.errors >= count && (r.firstError ?? '').startsWith('OperationalError: ');

/** Exit status after an interrupt, as a shell reports SIGINT. */
export const EXIT_INTERRUPTED = 130;

function assertWritable(option: string, file: string | undefined): void {
  if (file === undefined || file === '-') return;
  const dir = dirname(resolve(file));
  try {
    accessSync(dir, constants.W_OK);
  } catch {
    throw new UsageError(`${option}: cannot write ${JSON.stringify(file)}: the directory ${dir} does not exist or is not writable`, 'bench');
  }
}

/** `-A` as the user would type it again: the module path relative to the current directory. */
function appOption(moduleUrl: string): string {
  const rel = relative(process.cwd(), fileURLToPath(moduleUrl));
  return rel.startsWith('.') || rel.startsWith('/') ? rel : `./${rel}`;
}

export async function runBench(ctx: RunContext, plan: BenchPlan, sink: ProgressSink): Promise<number> {
  const { app, io, logger } = ctx;
  const interrupt = new AbortController();
  const off = onStopSignals(
    {
      warm: () => {
        if (!plan.quiet) io.err('bench: interrupted: stopping the worker and purging the queue (Ctrl-C again to exit at once)');
        interrupt.abort();
      },
      cold: () => process.exit(EXIT_INTERRUPTED),
      abort: () => process.exit(EXIT_INTERRUPTED),
    },
    { relayed: ctx.relayed },
  );
  try {
    if (app.lookup(plan.task) === undefined) {
      const known = (app.tasks ?? []).filter((n) => !n.startsWith('celery.')).sort();
      throw new UsageError(`--task: no task named ${JSON.stringify(plan.task)} is registered by the app (it has: ${known.join(', ') || 'none'})`, 'bench');
    }
    assertWritable('--json', plan.json);
    assertWritable('--chart', plan.chart);
    const ns = claimNamespace(app);
    const machine = machineInfo();
    const progress = createProgress(sink, { quiet: plan.quiet, total: plan.grid.length });
    const params: RunParams = { task: plan.task, args: plan.args, kwargs: plan.kwargs, count: plan.count, warmup: plan.warmup, inflight: inflightFor(plan) };
    const setup: CellSetup = {
      ...params,
      app,
      module: app.module ?? ctx.moduleUrl,
      ns,
      timeout: plan.timeout,
      progress,
      logger,
      signal: interrupt.signal,
    };
    const startedAt = new Date();
    const t0 = performance.now();
    const { cells, unreachable } = await runGrid(setup, plan.grid);
    // Each cell purged already; this one says whether the queue is surely empty.
    const purged = await purgeQueue(app, ns).then(
      () => true,
      (err: unknown) => {
        logger.warn({ err, queue: ns.queue }, 'bench: purging its queue failed');
        return false;
      },
    );
    const complete = cells.length === plan.grid.length;
    const recommendation = recommend(cells, { cores: machine.cpus });
    const broker = String((app.conf as unknown as Record<string, unknown>).broker);
    const report = buildReport({
      ...params,
      version: version(),
      broker,
      prefix: ns.prefix,
      queue: ns.queue,
      machine,
      startedAt,
      durationS: (performance.now() - t0) / 1000,
      complete,
      cells,
      recommendation,
    });
    printSummary(ctx, plan, report, cells);
    await writeOutputs(ctx, plan, report, cells);
    const cleanup = await dropNamespace(app, ns, purged);
    if (!plan.quiet) for (const l of cleanup) io.err(l);
    if (unreachable) {
      io.err(`Error: stopped after ${cells.length} of ${plan.grid.length} cells: the broker could not be reached (${cells.at(-1)!.firstError})`);
      return EXIT_FAILURE;
    }
    if (!complete) {
      io.err(`bench: interrupted after ${cells.length} of ${plan.grid.length} cells`);
      return EXIT_INTERRUPTED;
    }
    return cells.every((c) => c.errors >= plan.count) ? EXIT_FAILURE : EXIT_OK;
  } finally {
    off();
    await app.close();
  }
}

/** The cells one after the other, until the end of the grid, a Ctrl-C, or a broker that is not there. */
async function runGrid(setup: CellSetup, grid: readonly GridPoint[]): Promise<{ cells: CellResult[]; unreachable: boolean }> {
  const cells: CellResult[] = [];
  try {
    for (const [i, point] of grid.entries()) {
      if (setup.signal.aborted) break;
      const r = await runCell(setup, point, i);
      // A cell cut short by Ctrl-C measured nothing worth keeping.
      if (setup.signal.aborted) break;
      cells.push(r);
      setup.progress.cellDone(i, r);
      if (brokerDown(r, setup.count)) return { cells, unreachable: true };
    }
    return { cells, unreachable: false };
  } finally {
    setup.progress.end();
  }
}

/** The table and recommendation: on stdout, or on stderr when stdout carries the JSON. */
function printSummary(ctx: RunContext, plan: BenchPlan, report: BenchReport, cells: readonly CellResult[]): void {
  const jsonOnStdout = plan.json === '-';
  if ((jsonOnStdout && plan.quiet) || cells.length === 0) return;
  const say = jsonOnStdout ? (l: string) => ctx.io.err(l) : (l: string) => ctx.io.out(l);
  say(`celeriac bench: ${plan.task} ×${plan.count} per cell (warm-up ${plan.warmup}, ${report.inflight} in flight) on ${report.broker}, ${report.machine.cpus} cores`);
  say('');
  for (const l of formatTable(cells, report.recommendation)) say(l);
  say('');
  const failures = formatFailures(cells);
  for (const l of failures) say(l);
  if (failures.length > 0) say('');
  for (const l of formatRecommendation(report.recommendation, appOption(ctx.moduleUrl))) say(l);
}

async function writeOutputs(ctx: RunContext, plan: BenchPlan, report: BenchReport, cells: readonly CellResult[]): Promise<void> {
  if (plan.json === '-') ctx.io.out(JSON.stringify(report, null, 2));
  else if (plan.json !== undefined) {
    await writeFile(plan.json, `${JSON.stringify(report, null, 2)}\n`);
    if (!plan.quiet) ctx.io.err(`bench: wrote ${plan.json}`);
  }
  if (plan.chart !== undefined) {
    const svg = renderHeatmap({
      title: `celeriac bench: ${plan.task}`,
      subtitle: `${plan.count} tasks per cell on ${report.broker}, ${report.machine.cpus} cores (${report.machine.cpuModel}), ${report.startedAt.slice(0, 16).replace('T', ' ')} UTC`,
      grid: plan.grid,
      cells,
      pick: report.recommendation,
    });
    await writeFile(plan.chart, svg);
    if (!plan.quiet) ctx.io.err(`bench: wrote ${plan.chart}`);
  }
}
