/**
 * Runs the whole suite with Node's own runner. Node 20 does not expand globs and skips `.ts`
 * files, so this lists the test files (every `*.test.ts` under test/) and hands them over.
 * Usage: `npm test` (everything), or `npm test -- unit worker` (only paths containing a word).
 */
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const testDir = join(root, 'test');

function collect(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...collect(p));
    else if (name.endsWith('.test.ts')) out.push(relative(root, p));
  }
  return out;
}

const filters = process.argv.slice(2);
const files = collect(testDir).filter((f) => filters.length === 0 || filters.some((w) => f.includes(w)));
if (files.length === 0) {
  process.stderr.write(`no test files match ${filters.join(' ')}\n`);
  process.exit(2);
}

// Two files at a time on a 2-core machine: the worker tests start threads and nats-servers of
// their own, so more parallelism only adds contention.
const concurrency = process.env.CELERIAC_TEST_CONCURRENCY ?? '2';
const child = spawn(
  process.execPath,
  ['--conditions=celeriac-source', '--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-timeout=120000', ...files],
  { cwd: root, stdio: 'inherit' },
);
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
