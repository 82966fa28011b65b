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

export const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** A scenario's report: printed as one JSON line on stdout, collected by bench/run.ts. */
export interface ScenarioResult {
  scenario: string;
  /** Figure name → summary (units in the name, e.g. `tasks/s`, `ms`). */
  figures: Record<string, Summary>;
  /** Ratios between figures measured in the same run, e.g. `celeriac / raw piscina`. */
  ratios: Record<string, number>;
  notes?: string[];
}

export function report(result: ScenarioResult): void {
  process.stdout.write(`BENCH_RESULT ${JSON.stringify(result)}\n`);
}
