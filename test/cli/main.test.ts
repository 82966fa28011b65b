/**
 * The CLI in this process, through `main(argv, { io })`: argument checks (exit 2, naming the
 * option), the app loader, and Celery's output shapes. The binary itself runs in usage.test.ts
 * and the NATS tests.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { main } from '../../src/cli/main.ts';
import type { CliIO } from '../../src/cli/io.ts';
import { isApp, parseAppSpec } from '../../src/cli/app-loader.ts';
import { formatEvent, formatReply } from '../../src/cli/format.ts';
import { splitCommandLine, UsageError } from '../../src/cli/args.ts';
import { knownQueues } from '../../src/cli/purge.ts';
import type { CeleriacEvent } from '../../src/protocol/events.ts';
import { Celeriac } from 'celeriac';
import { APP } from './support.ts';

function capture(): CliIO & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return {
    stdout,
    stderr,
    out: (l) => void stdout.push(l),
    err: (l) => void stderr.push(l),
    interactive: false,
    ask: async () => null,
  };
}

async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const io = capture();
  const code = await main(argv, { io });
  return { code, stdout: io.stdout.join('\n'), stderr: io.stderr.join('\n') };
}

describe('main(): bad usage exits 2 with a usage line and names the option', () => {
  const cases: [string, string[], RegExp][] = [
    ['no command', [], /missing the command/],
    ['unknown option after the command', ['-A', APP, 'status', '--bogus'], /'--bogus'/],
    ['unknown option before the command', ['--bogus', 'status'], /'--bogus'/],
    ['option without its value', ['-A', APP, 'worker', '-c'], /-c/],
    ['-c 0', ['-A', APP, 'worker', '-c', '0'], /-c\/--concurrency/],
    ['-c two', ['-A', APP, 'worker', '-c', 'two'], /-c\/--concurrency/],
    ['--autoscale min > max', ['-A', APP, 'worker', '--autoscale', '2,5'], /--autoscale/],
    ['--autoscale one number', ['-A', APP, 'worker', '--autoscale', '4'], /--autoscale/],
    ['--pool bogus', ['-A', APP, 'worker', '-P', 'processes'], /-P\/--pool/],
    ['-Q with an empty name', ['-A', APP, 'worker', '-Q', 'a,,b'], /-Q\/--queues/],
    ['--prefetch-multiplier -1', ['-A', APP, 'worker', '--prefetch-multiplier', '-1'], /--prefetch-multiplier/],
    ['-B', ['-A', APP, 'worker', '-B'], /beat/],
    ['call without a task', ['-A', APP, 'call'], /task name/],
    ['call --args not JSON', ['-A', APP, 'call', 'cli.add', '--args', 'nope'], /--args/],
    ['call --args not an array', ['-A', APP, 'call', 'cli.add', '--args', '{"a":1}'], /--args/],
    ['call --kwargs an array', ['-A', APP, 'call', 'cli.add', '--kwargs', '[1]'], /--kwargs/],
    ['call --countdown negative', ['-A', APP, 'call', 'cli.add', '--countdown', '-3'], /--countdown/],
    ['call --eta not a date', ['-A', APP, 'call', 'cli.add', '--eta', 'tomorrow'], /--eta/],
    ['call --priority 10', ['-A', APP, 'call', 'cli.add', '--priority', '10'], /--priority/],
    ['result without an id', ['-A', APP, 'result'], /task id/],
    ['result --timeout 0', ['-A', APP, 'result', 'x', '--timeout', '0'], /--timeout/],
    ['inspect without a method', ['-A', APP, 'inspect'], /method/],
    ['inspect unknown method', ['-A', APP, 'inspect', 'everything'], /everything/],
    ['inspect -t abc', ['-A', APP, 'inspect', 'ping', '-t', 'abc'], /-t\/--timeout/],
    ['control unknown command', ['-A', APP, 'control', 'explode'], /explode/],
    ['control rate_limit bad rate', ['-A', APP, 'control', 'rate_limit', 'cli.add', 'fast'], /RATE/],
    ['control rate_limit missing rate', ['-A', APP, 'control', 'rate_limit', 'cli.add'], /rate_limit/],
    ['control autoscale min > max', ['-A', APP, 'control', 'autoscale', '2', '4'], /autoscale/],
    ['control pool_grow 0', ['-A', APP, 'control', 'pool_grow', '0'], /pool_grow/],
    ['control --terminate without revoke', ['-A', APP, 'control', 'shutdown', '--terminate'], /--terminate/],
    ['control shutdown with an argument', ['-A', APP, 'control', 'shutdown', 'now'], /now/],
    ['events without --dump', ['-A', APP, 'events'], /--dump/],
    ['purge with an argument', ['-A', APP, 'purge', 'all'], /all/],
    ['-l loud', ['-A', APP, '-l', 'loud', 'status'], /-l\/--loglevel/],
    ['missing -A', ['status'], /-A\/--app/],
    ['beat (not yet)', ['-A', APP, 'beat'], /beat/],
    ['app module not found', ['-A', './no/such/module.ts', 'status'], /no\/such\/module/],
    ['export that is not an app', ['-A', `${APP}:notAnApp`, 'status'], /notAnApp/],
    ['export that does not exist', ['-A', `${APP}:nothing`, 'status'], /nothing/],
    ['bad broker URL', ['-A', APP, '-b', 'redis://localhost', 'status'], /-b\/--broker/],
  ];
  for (const [what, argv, names] of cases) {
    test(what, async () => {
      const r = await run(argv);
      assert.equal(r.code, 2, `${r.stdout}\n${r.stderr}`);
      assert.match(r.stderr, /^Usage: celeriac /);
      assert.match(r.stderr, /^Try 'celeriac( \w+)? --help' for help\.$/m);
      assert.match(r.stderr.split('\n').at(-1)!, /^Error: /);
      assert.match(r.stderr, names);
      assert.equal(r.stdout, '');
    });
  }
});

describe('main(): help and version', () => {
  test('`<command> --help` exits 0 and lists the command options and the global ones', async () => {
    for (const c of ['worker', 'call', 'result', 'status', 'inspect', 'control', 'purge', 'events']) {
      const r = await run([c, '--help']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`^Usage: celeriac -A MODULE\\[:EXPORT\\] ${c}`));
      assert.match(r.stdout, /-A, --app/);
    }
  });
  test('-h before the command is the main help', async () => {
    const r = await run(['-h']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^Commands:$/m);
  });
});

describe('command line splitting', () => {
  test('global options before the command, with their values, and the command after', () => {
    const line = splitCommandLine(['-A', 'proj.ts', '-b', 'nats://x', '--loglevel=info', 'worker', '-c', '2']);
    assert.deepEqual({ ...line.globals }, { app: 'proj.ts', broker: 'nats://x', loglevel: 'info' });
    assert.equal(line.command, 'worker');
    assert.deepEqual(line.rest, ['-c', '2']);
  });
  test('an unknown option before the command is a UsageError', () => {
    assert.throws(() => splitCommandLine(['-c', '2', 'worker']), UsageError);
  });
});

describe('app loader', () => {
  test('-A path[:export]', () => {
    assert.deepEqual(parseAppSpec('./proj.ts'), { path: './proj.ts', exportName: undefined });
    assert.deepEqual(parseAppSpec('./proj.ts:other'), { path: './proj.ts', exportName: 'other' });
    assert.deepEqual(parseAppSpec('C:\\proj\\app.ts'), { path: 'C:\\proj\\app.ts', exportName: undefined });
  });
  test('an app is recognised, a look-alike is not', () => {
    assert.equal(isApp(new Celeriac('x')), true);
    assert.equal(isApp({ worker: () => undefined, control: {} }), false);
    assert.equal(isApp(null), false);
  });
  test('known task queues: the default one, routes, and tasks with a queue option', () => {
    const app = new Celeriac('q', { config: { taskDefaultQueue: 'main', taskRoutes: { 'q.a': { queue: 'hipri' }, 'q.*': 'lopri' } } });
    app.task('q.b', () => 1, { queue: 'special' });
    assert.deepEqual(knownQueues(app).sort(), ['hipri', 'lopri', 'main', 'special']);
  });
});

describe("Celery's output shapes", () => {
  test('ping: the reply indented twice; lists: `* item` lines; empty: `- empty -`', () => {
    assert.equal(formatReply('w1@h', 'pong'), '->  w1@h: OK\n        pong');
    assert.equal(formatReply('w1@h', ['cli.add', 'cli.limited [rate_limit=10/m]']), '->  w1@h: OK\n    * cli.add\n    * cli.limited [rate_limit=10/m]');
    assert.equal(formatReply('w1@h', []), '->  w1@h: OK\n    - empty -');
    assert.equal(formatReply('w1@h', [{ id: 'a', name: 't' }]), '->  w1@h: OK\n    * {"id":"a","name":"t"}');
  });
  test('an error reply is ERROR with the message; an object is indented JSON with sorted keys', () => {
    assert.equal(formatReply('w1@h', { error: 'unknown task' }), '->  w1@h: ERROR\n        unknown task');
    assert.equal(formatReply('w1@h', { b: 1, a: { d: 2, c: 3 } }), '->  w1@h: OK\n    {\n        "a": {\n            "c": 3,\n            "d": 2\n        },\n        "b": 1\n    }');
  });
  test('an event line: ISO time, hostname, type, uuid and name when present, the rest as JSON', () => {
    const ev = { type: 'task-succeeded', hostname: 'w1@h', timestamp: 1_700_000_000.5, clock: 3, pid: 9, uuid: 'u-1', name: 'cli.add', result: 4, runtime: 0.01 } as CeleriacEvent;
    assert.equal(formatEvent(ev), '2023-11-14T22:13:20.500Z w1@h task-succeeded u-1 cli.add {"clock":3,"pid":9,"result":4,"runtime":0.01}');
    const hb = { type: 'worker-heartbeat', hostname: 'w1@h', timestamp: 1_700_000_000, clock: 1, pid: 9, freq: 2, active: 0, processed: 1, swIdent: 'celeriac', swVer: '0.1.0' } as CeleriacEvent;
    assert.match(formatEvent(hb), /^2023-11-14T22:13:20\.000Z w1@h worker-heartbeat \{"clock":1,/);
  });
});
