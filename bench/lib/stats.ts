/** Small statistics for whole-run benches: medians with min and max of several repetitions. */
export interface Summary {
  median: number;
  min: number;
  max: number;
  runs: number[];
}

export function summarize(xs: number[]): Summary {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
  return { median: mid, min: s[0]!, max: s[s.length - 1]!, runs: xs };
}

/** The `p`th percentile (nearest rank) of a sample. */
export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

/** `fn` run `rounds` times, one after the other; its results in order. */
export async function repeat<T>(rounds: number, fn: (round: number) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let r = 0; r < rounds; r++) out.push(await fn(r));
  return out;
}

/** Items per second of `n` items done in `ms`. */
export const perSecond = (n: number, ms: number): number => n / (ms / 1000);

export const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** A scenario's report: printed as one JSON line on stdout, collected by bench/run.ts. */
export interface ScenarioResult {
  scenario: string;
  /** Figure name → summary (units in the name, e.g. `tasks/s`, `ms`). */
  figures: Record<string, Summary>;
  /** Ratios between figures measured in the same run, e.g. `celeriac / raw piscina`. */
  ratios: Record<string, number>;
  /** How the scenario ran (sizes, rounds, setup) and what was skipped, and why. */
  notes?: string[];
  /** Where the time (or memory) goes, worked out from this run's own figures. */
  whereTimeGoes?: string[];
}

export function report(result: ScenarioResult): void {
  process.stdout.write(`BENCH_RESULT ${JSON.stringify(result)}\n`);
}

/** Prints a scenario's figures and ratios to the terminal (stderr once run.ts collects them), then reports them. */
export function printAndReport(result: ScenarioResult): void {
  for (const [name, s] of Object.entries(result.figures)) {
    const d = s.median < 10 ? 2 : s.median < 100 ? 1 : 0;
    console.log(`${name.padEnd(48)} ${fmt(s.median, d).padStart(12)}  (${fmt(s.min, d)} – ${fmt(s.max, d)})`);
  }
  for (const [name, v] of Object.entries(result.ratios)) console.log(`${name.padEnd(48)} ${fmt(v, 2).padStart(12)}`);
  for (const n of [...(result.notes ?? []), ...(result.whereTimeGoes ?? [])]) console.log(`  ${n}`);
  report(result);
}
