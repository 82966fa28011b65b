/**
 * `celeriac events --dump` showing a worker's task events (worker started with -E), and
 * `celeriac purge`, on a real nats-server.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startNatsServer, type NatsServer } from '../helpers/nats-server.ts';
import { APP, Cli, lines, newPrefix, runCli } from './support.ts';

const env = { CELERIAC_TEST_PREFIX: newPrefix() };
let server: NatsServer;
let base: string[];
const running: Cli[] = [];

const cli = (args: string[]) => runCli([...base, ...args], { env });
const start = (args: string[], nodeFlags?: string[]): Cli => {
  const c = new Cli([...base, ...args], { env, ...(nodeFlags === undefined ? {} : { nodeFlags }) });
  running.push(c);
  return c;
};

before(async () => {
  server = await startNatsServer();
  base = ['-A', APP, '-b', server.url];
});

after(async () => {
  await Promise.all(running.map((c) => c.kill()));
  await server?.[Symbol.asyncDispose]();
});

describe('celeriac events and purge over NATS', { concurrency: true }, () => {
  test('events --dump prints one line per event, task events included, until SIGINT', async () => {
    const dump = start(['events', '--dump']);
    await dump.waitFor('stderr', /^-> evdump: starting capture\.\.\.$/m, 'capture started');
    // Without tsx in its flags the launcher re-executes itself through tsx: this worker also
    // covers that path, and the SIGTERM relayed to the process it started.
    const worker = start(['worker', '-P', 'inline', '-c', '1', '-n', 'ev@cli', '-E'], ['--conditions=celeriac-source']);
    await worker.waitFor('stdout', /^ev@cli ready\.$/m, 'worker ready', 30_000);
    await dump.waitFor('stdout', /^\S+Z ev@cli worker-online \{/m, 'worker-online');

    const sent = await cli(['call', 'cli.add', '--args', '[3,4]']);
    assert.equal(sent.code, 0, sent.stderr);
    const id = sent.stdout.trim();
    const [line] = await dump.waitFor('stdout', new RegExp(`^.* ev@cli task-succeeded ${id}\\b.*$`, 'm'), 'task-succeeded');
    assert.match(line, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z ev@cli task-succeeded /);
    const fields = JSON.parse(line.slice(line.indexOf('{'))) as { result?: unknown; runtime?: unknown };
    assert.equal(String(fields.result), '7'); // a repr, as Celery sends it
    assert.equal(typeof fields.runtime, 'number');
    assert.match(dump.stdout, new RegExp(`^\\S+ ev@cli task-received ${id} cli\\.add \\{`, 'm'));
    assert.match(dump.stdout, new RegExp(`^\\S+ ev@cli task-started ${id} `, 'm'));
    for (const l of lines(dump.stdout)) assert.match(l, /^\S+Z \S+ [a-z]+-[a-z]+ .*\{.*\}$/, 'every stdout line is an event');

    dump.child.kill('SIGINT');
    worker.child.kill('SIGTERM');
    const [d, w] = await Promise.all([dump.result(10_000), worker.result(20_000)]);
    assert.equal(d.code, 0, d.stderr);
    assert.equal(w.code, 0, w.stderr);
    assert.match(w.stderr, /Warm shutdown/);
  });

  test('purge: refused without -f and without a terminal; -f purges the waiting messages', async () => {
    const queue = 'cli_purge';
    const calls = await Promise.all([1, 2].map((i) => cli(['call', 'cli.add', '--args', `[${i},${i}]`, '--queue', queue])));
    for (const c of calls) assert.equal(c.code, 0, c.stderr);

    const refused = await cli(['purge', '-Q', queue]);
    assert.equal(refused.code, 1, refused.stdout);
    assert.match(refused.stderr, /^WARNING: This will remove all tasks from queue: cli_purge\.$/m);
    assert.match(refused.stderr, /-f/);
    assert.equal(refused.stdout, '');

    const purged = await cli(['purge', '-f', '-Q', queue]);
    assert.equal(purged.code, 0, purged.stderr);
    assert.equal(purged.stdout, 'Purged 2 messages from 1 known task queue.\n');

    const again = await cli(['purge', '-f', '-Q', queue]);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout, 'No messages purged from 1 queue.\n');
  });
});
