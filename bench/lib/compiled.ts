/**
 * celeriac's src/ compiled to JavaScript in .tmp/bench-dist/ (tsconfig.build.json, no
 * declarations or maps), so a bench can run a worker the way a deployment does: plain node,
 * no tsx loader in the process or its threads. Never touches dist/.
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const outDir = fileURLToPath(new URL('../../.tmp/bench-dist', import.meta.url));

/** The compiled entry (index.js) path, or why there is none. */
export function compileCeleriac(): { index: string } | { skipped: string } {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const run = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', outDir, '--declaration', 'false', '--sourceMap', 'false'], {
    cwd: root,
    encoding: 'utf8',
  });
  if (run.status !== 0) return { skipped: `skipped: src/ did not compile (${(run.stdout || run.stderr).trim().split('\n')[0] ?? `exit ${run.status}`})` };
  return { index: `${outDir}/index.js` };
}
