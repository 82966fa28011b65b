#!/usr/bin/env node
// The `celeriac` binary. Plain JavaScript, so that it runs before anything is compiled:
// - from dist/ (a published package, or this repo after `npm run build`), it imports
//   dist/cli/main.js;
// - in this repo without dist/ (or when started with `--conditions=celeriac-source`), it runs
//   src/cli/main.ts, re-executing itself through tsx when tsx is not loaded yet;
// - a TypeScript app module (`-A ./proj.ts`) needs tsx in this process and in the worker
//   threads, which inherit node's flags: when tsx is not loaded, it re-executes with
//   `--import tsx` if tsx can be found, else exits 2 saying how to fix it.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const argv = process.argv.slice(2);
const self = fileURLToPath(import.meta.url);
const distMain = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const srcMain = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
const nodeFlags = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];

const tsxLoaded = nodeFlags.some((f) => /tsx/.test(f));
const sourceCondition = nodeFlags.some((f, i) => /^(--conditions|-C)=?celeriac-source$/.test(f) || ((f === '--conditions' || f === '-C') && nodeFlags[i + 1] === 'celeriac-source'));
const fromSource = sourceCondition || !existsSync(distMain);

/** tsx's ESM entry, from the user's project first, then from beside this package. */
function findTsx() {
  for (const base of [join(process.cwd(), 'noop.js'), self]) {
    try {
      return pathToFileURL(createRequire(base).resolve('tsx')).href;
    } catch {
      // not installed there
    }
  }
  return undefined;
}

/** The value of -A/--app wherever it stands, to see whether it names a TypeScript file. */
function appOption() {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') break;
    if (a === '-A' || a === '--app') return argv[i + 1];
    if (a.startsWith('--app=')) return a.slice(6);
    if (a.startsWith('-A') && a.length > 2) return a.slice(a[2] === '=' ? 3 : 2);
  }
  return undefined;
}

/**
 * Runs `node <flags> <script> <args>` and ends as it ends. Signals sent to this process alone
 * (`kill`, a supervisor) are passed on; a terminal's Ctrl-C reaches both processes, and the
 * child counts a repeat within a moment as one (src/cli/signals.ts).
 */
function reexec(flags, script) {
  const child = spawn(process.execPath, [...process.execArgv, ...flags, script, ...argv], {
    stdio: 'inherit',
    env: { ...process.env, CELERIAC_RELAYED: '1' },
  });
  const relay = (signal) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  const signals = process.platform === 'win32' ? ['SIGINT'] : ['SIGINT', 'SIGTERM', 'SIGQUIT', 'SIGHUP'];
  for (const s of signals) process.on(s, relay);
  child.on('error', (err) => {
    process.stderr.write(`celeriac: cannot start ${process.execPath}: ${err.message}\n`);
    process.exitCode = 1;
  });
  child.on('exit', (code, signal) => {
    for (const s of signals) process.off(s, relay);
    if (signal !== null) process.kill(process.pid, signal);
    else process.exitCode = code ?? 1;
  });
}

const app = appOption();
const needsTsx = fromSource || (app !== undefined && /\.(c|m)?ts(:[A-Za-z_$][\w$]*)?$/.test(app));
// From source, `import 'celeriac'` in an app module must resolve to src/ as this CLI does.
const needsCondition = fromSource && !sourceCondition;

if ((needsTsx && !tsxLoaded) || needsCondition) {
  const tsx = tsxLoaded ? undefined : findTsx();
  if (!tsxLoaded && tsx === undefined) {
    process.stderr.write(
      fromSource
        ? 'celeriac: dist/ is not built and tsx is not installed: run `npm run build`, or `npm i -D tsx`\n'
        : `celeriac: the app module ${app} is TypeScript, which needs tsx: install it (npm i -D tsx), or compile the app to .js\n`,
    );
    process.exitCode = 2;
  } else {
    const flags = [...(needsCondition ? ['--conditions=celeriac-source'] : []), ...(tsx === undefined ? [] : ['--import', tsx])];
    reexec(flags, fromSource ? srcMain : self);
  }
} else {
  const { runCli } = await import(pathToFileURL(fromSource ? srcMain : distMain).href);
  await runCli(argv);
}
