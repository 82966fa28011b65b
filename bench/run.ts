/**
 * Runs the benchmark scenarios, each in its own process, and writes bench/results/latest.json
 * and BENCHMARKS.md (machine, versions, medians with min/max, ratios measured in one run).
 * Usage: npm run bench            every *.bench.ts in bench/
 *        npm run bench -- e2e cpu  only scenarios whose file name contains a word
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, writeFileSync, mkdirSync, readFileSync } from 'node:fs';
import { cpus, totalmem, release } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { ScenarioResult } from './lib/stats.ts';
import { fmt } from './lib/stats.ts';

const dir = fileURLToPath(new URL('.', import.meta.url));
const root = fileURLToPath(new URL('..', import.meta.url));
const words = process.argv.slice(2);
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => words.length === 0 || words.some((w) => f.includes(w)))
  .sort();

const results: ScenarioResult[] = [];
const failed: string[] = [];
for (const file of files) {
  process.stderr.write(`\n== ${file}\n`);
  const run = spawnSync(process.execPath, ['--conditions=celeriac-source', '--import', 'tsx', `bench/${file}`], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 * 1024 * 1024,
  });
  for (const line of run.stdout.split('\n')) {
    if (line.startsWith('BENCH_RESULT ')) results.push(JSON.parse(line.slice('BENCH_RESULT '.length)) as ScenarioResult);
    else if (line.trim() !== '') process.stderr.write(`${line}\n`);
  }
  if (run.status !== 0) failed.push(`${file} (exit ${run.status})`);
}

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
const machine = {
  date: new Date().toISOString(),
  node: process.version,
  celeriac: pkg.version,
  cpus: `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}`,
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  kernel: release(),
};
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(new URL('./results/latest.json', import.meta.url), `${JSON.stringify({ machine, results, failed }, null, 2)}\n`);

const md: string[] = [
  '# Benchmarks',
  '',
  '<!-- Written by `npm run bench` (bench/run.ts); numbers from one run on the machine below. -->',
  '',
  `Machine: ${machine.cpus}, ${machine.memoryGiB} GiB, Node ${machine.node}, celeriac ${machine.celeriac}, ${machine.date}.`,
  'Each figure is the median of several repetitions (min–max beside it). Machines here are shared and',
  'noisy: only ratios measured in the same run mean much.',
  '',
];
for (const r of results) {
  md.push(`## ${r.scenario}`, '', '| figure | median | min | max |', '|---|---|---|---|');
  for (const [name, s] of Object.entries(r.figures)) md.push(`| ${name} | ${fmt(s.median, 2)} | ${fmt(s.min, 2)} | ${fmt(s.max, 2)} |`);
  if (Object.keys(r.ratios).length > 0) {
    md.push('', '| ratio | value |', '|---|---|');
    for (const [name, v] of Object.entries(r.ratios)) md.push(`| ${name} | ${fmt(v, 2)} |`);
  }
  for (const n of r.notes ?? []) md.push('', `_${n}_`);
  md.push('');
}
if (failed.length > 0) md.push(`Failed scenarios: ${failed.join(', ')}`, '');
writeFileSync(new URL('../BENCHMARKS.md', import.meta.url), md.join('\n'));
process.stderr.write(`\nwrote bench/results/latest.json and BENCHMARKS.md (${results.length} scenarios${failed.length ? `, ${failed.length} failed` : ''})\n`);
process.exit(failed.length > 0 ? 1 : 0);
