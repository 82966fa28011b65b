/**
 * Runs the benchmark scenarios, each in its own process, and writes bench/results/latest.json
 * and BENCHMARKS.md (machine, versions, the targets table, then per scenario: medians with
 * min/max, ratios measured in the same run, how it ran, and where the time goes).
 * Usage: npm run bench            every *.bench.ts in bench/
 *        npm run bench -- e2e cpu  only scenarios whose file name contains a word; the other
 *                                  scenarios' results are kept from the previous latest.json
 *                                  (each says when it ran)
 * SCENARIO_TIMEOUT_S (default 600) bounds each scenario; a scenario past it is killed with
 * every process it started (its own process group) and reported as failed.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync, mkdirSync, readFileSync } from 'node:fs';
import { cpus, totalmem, release, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { onLines } from './lib/child.ts';
import { checkTargets } from './lib/targets.ts';
import type { ScenarioResult } from './lib/stats.ts';
import { fmt } from './lib/stats.ts';

const dir = fileURLToPath(new URL('.', import.meta.url));
const root = fileURLToPath(new URL('..', import.meta.url));
const words = process.argv.slice(2);
const timeoutS = Number(process.env.SCENARIO_TIMEOUT_S ?? 600);
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => words.length === 0 || words.some((w) => f.includes(w)))
  .sort();

interface Ran {
  file: string;
  seconds: number;
  status: string | null;
  results: ScenarioResult[];
}

/** A result as latest.json keeps it: which file, how long, and when. */
interface Stamped extends ScenarioResult {
  file: string;
  seconds: number;
  ranAt: string;
}

/** Runs one scenario file; its BENCH_RESULT lines are collected, the rest goes to stderr. */
function runScenario(file: string): Promise<Ran> {
  const t0 = performance.now();
  const child = spawn(process.execPath, ['--conditions=celeriac-source', '--import', 'tsx', `bench/${file}`], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
    // Its own process group, so a timeout ends the workers and nats-server it started too.
    detached: true,
  });
  const results: ScenarioResult[] = [];
  onLines(child.stdout, (line) => {
    if (line.startsWith('BENCH_RESULT ')) results.push(JSON.parse(line.slice('BENCH_RESULT '.length)) as ScenarioResult);
    else if (line.trim() !== '') process.stderr.write(`${line}\n`);
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    process.kill(-child.pid!, 'SIGKILL');
  }, timeoutS * 1000);
  return new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      const status = timedOut ? `timed out after ${timeoutS} s` : code === 0 ? null : `exit ${code ?? signal}`;
      resolve({ file, seconds: (performance.now() - t0) / 1000, status, results });
    });
  });
}

const started = performance.now();
const ran: Ran[] = [];
for (const file of files) {
  process.stderr.write(`\n== ${file}\n`);
  ran.push(await runScenario(file));
}
const ranAt = new Date().toISOString();
const latest = new URL('./results/latest.json', import.meta.url);
const fresh: Stamped[] = ran.flatMap((r) => r.results.map((x) => ({ ...x, file: r.file, seconds: r.seconds, ranAt })));
// A partial run keeps the other scenarios' results from the run before.
const kept: Stamped[] =
  words.length > 0 && existsSync(latest)
    ? ((JSON.parse(readFileSync(latest, 'utf8')) as { results?: Stamped[] }).results ?? []).filter((x) => x.file !== undefined && !ran.some((r) => r.file === x.file))
    : [];
const results = [...fresh, ...kept].sort((a, b) => a.file.localeCompare(b.file));
const failed = ran.filter((r) => r.status !== null).map((r) => `${r.file} (${r.status})`);
const totalS = (performance.now() - started) / 1000;

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
const dep = (name: string): string => {
  try {
    return (JSON.parse(readFileSync(new URL(`../node_modules/${name}/package.json`, import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return 'not installed';
  }
};
const machine = {
  date: ranAt,
  node: process.version,
  celeriac: pkg.version,
  cpus: `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}`,
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  kernel: release(),
  loadAverage: loadavg().map((x) => Number(x.toFixed(2))),
  versions: { piscina: dep('piscina'), '@nats-io/jetstream': dep('@nats-io/jetstream'), msgpackr: dep('msgpackr'), bullmq: dep('bullmq'), tinybench: dep('tinybench') },
};
const durations = Object.fromEntries(ran.map((r) => [r.file, Math.round(r.seconds)]));
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(latest, `${JSON.stringify({ machine, durations, results, failed }, null, 2)}\n`);

const scenarioOf = (file: string) => file.replace(/\.bench\.ts$/, '');
const skippedScenario = (scenario: string): string | undefined => {
  const r = ran.find((x) => scenarioOf(x.file) === scenario);
  if (r === undefined) return words.length > 0 && !results.some((x) => x.scenario === scenario) ? 'not run yet' : undefined;
  return r.status === null ? undefined : `scenario ${r.status}`;
};
const md: string[] = [
  '# Benchmarks',
  '',
  '<!-- Written by `npm run bench` (bench/run.ts); numbers from one run on the machine below. -->',
  '',
  `Machine: ${machine.cpus}, ${machine.memoryGiB} GiB, Linux ${machine.kernel}, Node ${machine.node}, celeriac ${machine.celeriac}; ` +
    `${Object.entries(machine.versions).map(([k, v]) => `${k} ${v}`).join(', ')}. Run ${machine.date}, ${fmt(totalS / 60, 1)} min, ` +
    `load average at the end ${machine.loadAverage.join(' / ')}.`,
  '',
  'Each figure is the median of several repetitions (min–max beside it). The machine is shared and noisy (other jobs',
  'run beside the benches): only ratios measured in the same run mean much. Scenario files: `bench/*.bench.ts`;',
  'each runs in its own process, and most run each variant (broker × pool × serializer) in a process of its own.',
  '',
  '## Targets',
  '',
  '| target | figure | measured (median, min–max) | ratio | met |',
  '|---|---|---|---|---|',
  ...checkTargets(results, skippedScenario).map((t) => `| ${t.target} | ${t.figure} | ${t.measured} | ${t.ratio} | ${t.met} |`),
  '',
];
const digits = (x: number) => (Math.abs(x) < 10 ? 2 : Math.abs(x) < 100 ? 1 : 0);
for (const r of results) {
  const when = r.ranAt === ranAt ? '' : `, in an earlier run (${r.ranAt})`;
  md.push(`## ${r.scenario}`, '', `\`bench/${r.file}\`, ${fmt(r.seconds, 0)} s${when}.`, '');
  md.push('| figure | median | min | max |', '|---|---|---|---|');
  for (const [name, s] of Object.entries(r.figures)) {
    md.push(`| ${name} | ${fmt(s.median, digits(s.median))} | ${fmt(s.min, digits(s.min))} | ${fmt(s.max, digits(s.max))} |`);
  }
  if (Object.keys(r.ratios).length > 0) {
    md.push('', '| ratio | value |', '|---|---|');
    for (const [name, v] of Object.entries(r.ratios)) md.push(`| ${name} | ${fmt(v, 2)} |`);
  }
  for (const n of r.notes ?? []) md.push('', `_${n}_`);
  if ((r.whereTimeGoes ?? []).length > 0) md.push('', `**Where the time goes.** ${r.whereTimeGoes!.join(' ')}`);
  md.push('');
}
if (failed.length > 0) md.push(`Failed scenarios: ${failed.join(', ')}`, '');
writeFileSync(new URL('../BENCHMARKS.md', import.meta.url), md.join('\n'));
process.stderr.write(
  `\nwrote bench/results/latest.json and BENCHMARKS.md (${results.length} scenarios in ${fmt(totalS / 60, 1)} min${failed.length ? `, ${failed.length} failed` : ''})\n`,
);
process.exit(failed.length > 0 ? 1 : 0);
