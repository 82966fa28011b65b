/**
 * Micro benchmarks through tinybench, repeated: each repetition is a fresh Bench over every
 * case, and a case's figure is its mean ops/s per repetition, summarized (median, min, max)
 * like the whole-run benches. REPS and TIME_MS in the environment override the defaults.
 */
import { Bench } from 'tinybench';
import { summarize, type Summary } from './stats.ts';

export type MicroCase = () => unknown;

export async function micro(title: string, cases: Record<string, MicroCase>): Promise<Record<string, Summary>> {
  const reps = Number(process.env.REPS ?? 3);
  const time = Number(process.env.TIME_MS ?? 200);
  const rates: Record<string, number[]> = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
  for (let r = 0; r < reps; r++) {
    const bench = new Bench({ name: title, time, warmupTime: Math.min(100, time) });
    for (const [name, fn] of Object.entries(cases)) bench.add(name, fn);
    for (const task of await bench.run()) {
      const res = task.result;
      if (res.state !== 'completed') throw new Error(`${title}: ${task.name} ${res.state}${'error' in res ? `: ${String(res.error)}` : ''}`);
      rates[task.name]!.push(res.throughput.mean);
    }
  }
  return Object.fromEntries(Object.entries(rates).map(([k, xs]) => [`${k} ops/s`, summarize(xs)]));
}
