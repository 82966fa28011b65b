/**
 * The targets of issue 7, checked against one run's results for BENCHMARKS.md: each names the
 * scenario figure it is about, the baseline it is compared with (a figure of the same scenario),
 * and what must hold: a ratio the scenario reported, or the figure's median itself.
 */
import { fmt, type ScenarioResult } from './stats.ts';

type Op = '>=' | '<' | '<=';

export interface Target {
  target: string;
  scenario: string;
  figure: string;
  baseline?: string;
  /** With `ratio`, that ratio of the scenario is checked; without, the figure's median. */
  check: { ratio?: string; op: Op; value: number };
}

const MB_IN_MIB = 1e6 / 2 ** 20;

export const TARGETS: Target[] = [
  {
    target: 'memory:// e2e with threads ≥ 2× raw Piscina one task per run()',
    scenario: 'e2e-memory',
    figure: 'memory threads x64 tasks/s',
    baseline: 'raw piscina 1/run tasks/s',
    check: { ratio: 'threads x64 / raw piscina', op: '>=', value: 2 },
  },
  {
    target: 'nats:// e2e ≥ 3× BullMQ',
    scenario: 'e2e-nats',
    figure: 'celeriac nats e2e tasks/s',
    baseline: 'bullmq e2e jobs/s',
    check: { ratio: 'celeriac e2e / bullmq e2e', op: '>=', value: 3 },
  },
  {
    target: 'round trip p50 < 0.5 ms, memory://',
    scenario: 'rtt',
    figure: 'memory threads msgpack p50 ms',
    baseline: 'bullmq p50 ms',
    check: { op: '<', value: 0.5 },
  },
  {
    target: 'round trip p50 < 1.5 ms, nats://',
    scenario: 'rtt',
    figure: 'nats threads msgpack p50 ms',
    baseline: 'bullmq p50 ms',
    check: { op: '<', value: 1.5 },
  },
  ...(['memory threads c1', 'memory threads c2', 'nats threads c2'] as const).map(
    (v): Target => ({
      target: `CPU-bound fib(27) × 400 wall within 1.1× of the ideal, ${v.replace(' threads ', ' threads, ')}`,
      scenario: 'cpu-bound',
      figure: `${v} wall ms`,
      baseline: `raw piscina 1/run ${v.split(' ').pop()} wall ms`,
      check: { ratio: `${v} / ideal`, op: '<=', value: 1.1 },
    }),
  ),
  ...(['memory', 'nats'] as const).map(
    (b): Target => ({
      target: `chord of 1,000 < 0.2 s, ${b}://`,
      scenario: 'canvas',
      figure: `${b} threads msgpack chord of 1000 ms`,
      baseline: `${b} threads msgpack group of 1000 ms`,
      check: { op: '<', value: 200 },
    }),
  ),
  ...(['memory', 'nats'] as const).map(
    (b): Target => ({
      target: `worker RSS idle < 80 MB (${fmt(80 * MB_IN_MIB, 1)} MiB), ${b}://, threads, compiled`,
      scenario: 'rss',
      figure: `${b} threads idle MiB`,
      baseline: 'bullmq worker idle MiB',
      check: { op: '<', value: 80 * MB_IN_MIB },
    }),
  ),
];

export interface TargetRow {
  target: string;
  figure: string;
  measured: string;
  ratio: string;
  met: string;
}

const holds = (x: number, op: Op, v: number): boolean => (op === '>=' ? x >= v : op === '<' ? x < v : x <= v);
const digits = (x: number) => (Math.abs(x) < 10 ? 2 : Math.abs(x) < 100 ? 1 : 0);

/** One table row per target: the figure, its ratio to the baseline (or the checked ratio), met or not. */
export function checkTargets(results: ScenarioResult[], skipped: (scenario: string) => string | undefined): TargetRow[] {
  return TARGETS.map((t) => {
    const r = results.find((x) => x.scenario === t.scenario);
    const fig = r?.figures[t.figure];
    const row = { target: t.target, figure: `${t.scenario}: ${t.figure}` };
    if (r === undefined || fig === undefined) {
      const why = skipped(t.scenario) ?? (r === undefined ? 'scenario did not run' : (missingNote(r, t.figure) ?? 'figure missing'));
      return { ...row, measured: '—', ratio: '—', met: `n/a (${why})` };
    }
    const measured = `${fmt(fig.median, digits(fig.median))} (${fmt(fig.min, digits(fig.min))}–${fmt(fig.max, digits(fig.max))})`;
    const base = t.baseline === undefined ? undefined : r.figures[t.baseline];
    const baseText = base === undefined ? '' : `${fmt(fig.median / base.median, 2)}× ${t.baseline}`;
    if (t.check.ratio !== undefined) {
      const ratio = r.ratios[t.check.ratio];
      if (ratio === undefined) return { ...row, measured, ratio: baseText || '—', met: `n/a (no ratio '${t.check.ratio}': ${skippedNote(r)})` };
      return {
        ...row,
        measured,
        // The baseline's ratio too, unless it is the checked one.
        ratio: `${fmt(ratio, 2)} (${t.check.ratio})${baseText && Math.abs(fig.median / base!.median - ratio) > 0.005 * ratio ? `; ${baseText}` : ''}`,
        met: holds(ratio, t.check.op, t.check.value) ? `met (${t.check.op} ${t.check.value})` : `not met (needs ${t.check.op} ${t.check.value})`,
      };
    }
    return {
      ...row,
      measured,
      ratio: baseText || '—',
      met: holds(fig.median, t.check.op, t.check.value)
        ? `met (${t.check.op} ${fmt(t.check.value, digits(t.check.value))})`
        : `not met (needs ${t.check.op} ${fmt(t.check.value, digits(t.check.value))})`,
    };
  });
}

/** The note that says why `figure` is missing: one about the figure, else about its variant (its first three words). */
function missingNote(r: ScenarioResult, figure: string): string | undefined {
  const notes = r.notes ?? [];
  const variant = figure.split(' ').slice(0, 3).join(' ');
  return notes.find((n) => n.startsWith(figure.replace(/ ms$| MiB$/, ''))) ?? notes.find((n) => n.startsWith(variant));
}

/** The scenario's note that says what was skipped, for a missing ratio. */
function skippedNote(r: ScenarioResult): string {
  return (r.notes ?? []).find((n) => /skipped|timed out|failed/i.test(n)) ?? 'not reported';
}
