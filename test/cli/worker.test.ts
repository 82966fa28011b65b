/**
 * `celeriac worker` in a child process on a real nats-server, driven by the other commands in
 * child processes: call + result, status, inspect, control, a failing task, then SIGTERM (warm
 * stop, exit 0) and status with nobody left (exit 1).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startNatsServer, type NatsServer } from '../helpers/nats-server.ts';
import { app as client } from '../fixtures/cli-app.ts';
import { APP, Cli, lines, newPrefix, runCli } from './support.ts';

const HOST = 'w1@cli';
const env = { CELERIAC_TEST_PREFIX: newPrefix() };
let server: NatsServer;
let worker: Cli;
let base: string[];

const cli = (args: string[]) => runCli([...base, ...args], { env });

before(async () => {
  server = await startNatsServer();
  base = ['-A', APP, '-b', server.url];
  worker = new Cli([...base, 'worker', '-c', '2', '-n', HOST, '-l', 'info'], { env });
  await worker.waitFor('stdout', new RegExp(`^${HOST} ready\\.$`, 'm'), 'worker ready', 30_000);
});

after(async () => {
  await client.close();
  await worker?.kill();
  await server?.[Symbol.asyncDispose]();
});

describe('celeriac worker with clients over NATS', () => {
  test('the banner names the node, its queues and the tasks', () => {
    assert.match(worker.stdout, new RegExp(`^celeriac \\S+ worker ${HOST}$`, 'm'));
    assert.match(worker.stdout, /^ {2}\.> queues: +celery$/m);
    assert.match(worker.stdout, /^ {2}\. cli\.add$/m);
  });

  describe('while it runs', { concurrency: 3 }, () => {
    test('call prints the task id alone; result prints the value as JSON', async () => {
      const sent = await cli(['call', 'cli.add', '--args', '[2,2]']);
      assert.equal(sent.code, 0, sent.stderr);
      assert.match(sent.stdout, /^[0-9a-f-]{36}\n$/);
      const r = await cli(['result', sent.stdout.trim(), '--timeout', '15']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, '4\n');
    });

    test('result of a failed task: its error on stderr and exit 1; --traceback prints the remote stack, exit 0', async () => {
      const sent = await cli(['call', 'cli.boom', '--args', '["bad input"]']);
      assert.equal(sent.code, 0, sent.stderr);
      const id = sent.stdout.trim();
      const r = await cli(['result', id, '--timeout', '15']);
      assert.equal(r.code, 1, r.stdout);
      assert.equal(r.stdout, '');
      assert.equal(r.stderr, 'ValidationError: bad input\n');
      const tb = await cli(['result', id, '--traceback', '--timeout', '15']);
      assert.equal(tb.code, 0, tb.stderr);
      assert.match(tb.stdout, /^ValidationError: bad input\n\s+at /);
    });

    test('status: one line per worker, a blank line, the count', async () => {
      const r = await cli(['status']);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(lines(r.stdout), [`->  ${HOST}: OK`, '', '1 node online.']);
    });

    test('inspect ping and registered, in Celery\'s shape', async () => {
      const ping = await cli(['inspect', 'ping', '-d', HOST]);
      assert.equal(ping.code, 0, ping.stderr);
      assert.deepEqual(lines(ping.stdout), [`->  ${HOST}: OK`, '        pong', '', '1 node online.']);
      const reg = await cli(['inspect', 'registered', '--destination', HOST]);
      assert.equal(reg.code, 0, reg.stderr);
      const out = lines(reg.stdout);
      assert.equal(out[0], `->  ${HOST}: OK`);
      assert.ok(out.includes('    * cli.add'), reg.stdout);
      assert.ok(out.includes('    * cli.limited [rate_limit=10/m]'), reg.stdout);
      assert.deepEqual(out.slice(-2), ['', '1 node online.']);
    });

    test('inspect stats --json: one JSON object keyed by node name', async () => {
      const r = await cli(['inspect', 'stats', '--json', '-d', HOST]);
      assert.equal(r.code, 0, r.stderr);
      const replies = JSON.parse(r.stdout) as Record<string, { pool: { implementation: string; max: number }; total: Record<string, number> }>;
      assert.deepEqual(Object.keys(replies), [HOST]);
      assert.equal(replies[HOST]!.pool.implementation, 'threads');
      assert.equal(replies[HOST]!.pool.max, 2);
    });

    test('control rate_limit for an unknown task: ERROR from the worker, exit 0 as Celery', async () => {
      const r = await cli(['control', 'rate_limit', 'cli.nope', '5/s', '-d', HOST]);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(lines(r.stdout), [`->  ${HOST}: ERROR`, '        unknown task']);
    });
  });

  test('SIGTERM: warm stop lets the running task finish, then the process exits 0 on its own', async () => {
    const sent = await cli(['call', 'cli.sleep', '--args', '[1500]']);
    assert.equal(sent.code, 0, sent.stderr);
    const id = sent.stdout.trim();
    // Stop the worker once the task runs: asked in-process, as spawning a CLI per poll is slow.
    client.conf.update({ broker: server.url, transportPrefix: env.CELERIAC_TEST_PREFIX });
    const deadline = Date.now() + 15_000;
    for (;;) {
      const active = await client.control.inspect({ destination: HOST, timeout: 0.5 }).active();
      if ((active[HOST] ?? []).some((t) => t.id === id)) break;
      assert.ok(Date.now() < deadline, 'the sleep task did not start within 15 s');
      await new Promise((r) => setTimeout(r, 50));
    }
    worker.child.kill('SIGTERM');
    const end = await worker.result(20_000);
    assert.equal(end.code, 0, end.stderr);
    assert.match(end.stderr, /Warm shutdown/);
    assert.doesNotMatch(end.stderr, /still running .* after the command ended/);
    const r = await cli(['result', id, '--timeout', '10']);
    assert.equal(r.stdout, '1500\n', r.stderr);
  });

  test('status with no worker left: the error on stderr, exit 1', async () => {
    const r = await cli(['status', '--timeout', '0.5']);
    assert.equal(r.code, 1, r.stdout);
    assert.equal(r.stderr, 'Error: No nodes replied within time constraint\n');
    assert.equal(r.stdout, '');
  });
});
