/**
 * The binary in child processes, without a broker: help, version, bad usage (exit 2 with a
 * usage line), app module problems, and an unreachable broker (exit 1). The many other usage
 * cases run in-process through `main()` in main.test.ts.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { freePort } from '../helpers/nats-server.ts';
import { APP, runCli } from './support.ts';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

/** Exit 2, a usage line first on stderr, and the error naming what was wrong. */
function assertUsage(r: { code: number | null; stderr: string; stdout: string }, names: RegExp): void {
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /^Usage: celeriac /);
  assert.match(r.stderr, names);
  assert.equal(r.stdout, '');
}

describe('celeriac: usage', { concurrency: 3 }, () => {
  test('--help lists the commands and exits 0', async () => {
    const r = await runCli(['--help']);
    assert.equal(r.code, 0, r.stderr);
    for (const c of ['worker', 'call', 'result', 'status', 'inspect', 'control', 'purge', 'events']) assert.match(r.stdout, new RegExp(`^  ${c} `, 'm'));
  });

  test('--version prints the package version', async () => {
    const r = await runCli(['--version']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `celeriac ${pkg.version}\n`);
  });

  test('the launcher alone (no tsx flags) finds its way: dist/, or src/ through tsx', async () => {
    const r = await runCli(['--version'], { nodeFlags: [] });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `celeriac ${pkg.version}\n`);
  });

  test('<command> --help shows the command options without needing -A', async () => {
    const r = await runCli(['worker', '--help']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Usage: celeriac -A MODULE\[:EXPORT\] worker /);
    assert.match(r.stdout, /--autoscale MAX,MIN/);
    assert.match(r.stdout, /-A, --app/);
  });

  test('an unknown command exits 2', async () => {
    assertUsage(await runCli(['-A', APP, 'frobnicate']), /frobnicate/);
  });

  test('a missing -A exits 2', async () => {
    assertUsage(await runCli(['status']), /-A\/--app/);
  });

  test('worker -B (beat) is refused with exit 2', async () => {
    assertUsage(await runCli(['-A', APP, 'worker', '-B']), /beat/);
  });

  test('an app module that cannot be found, or an export that is not an app, exits 2', async () => {
    assertUsage(await runCli(['-A', './no/such/module.ts', 'status']), /no\/such\/module/);
    assertUsage(await runCli(['-A', `${APP}:notAnApp`, 'status']), /notAnApp/);
  });

  test('an unreachable broker exits 1 (with -A after the command)', async () => {
    const port = await freePort();
    const r = await runCli(['status', '-A', APP, '-b', `nats://127.0.0.1:${port}`]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /^Error: /m);
    assert.equal(r.stdout, '');
  });
});
