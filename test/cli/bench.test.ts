/**
 * `celeriac bench` through the real binary: a tiny grid over memory:// (table, JSON, SVG,
 * recommendation, failures, usage errors), and over a real nats-server (its own namespace,
 * nothing left in its queue, a neighbour's queue untouched, Ctrl-C cleaning up). Only the shape
 * of the output is asserted, never a speed.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchReport } from '../../src/cli/bench/types.ts';
import { startNatsServer, type NatsServer } from '../helpers/nats-server.ts';
import { parseXml } from '../fixtures/bench-svg-check.ts';
import { Cli, lines, newPrefix, runCli } from './support.ts';

const APP = fileURLToPath(new URL('../fixtures/bench-app.ts', import.meta.url));
const COLUMNS = ['pool', 'concurrency', 'prefetch', 'tasks/s', 'p50 ms', 'p99 ms', 'cpu %', 'peak RSS MB', 'errors'];
const ROW = /^[* ] (threads|inline) +(\d+) +(\d+) +([\d,]+) +([\d.]+|-) +([\d.]+|-) +(\d+) +(\d+) +(\d+)$/;
const RECOMMENDED = /^Recommended: prefetch \d+ × concurrency \d+ \((threads|inline)\): [\d,]+ tasks\/s, .+; p99 [\d.]+ ms\.$/m;

const dir = mkdtempSync(join(tmpdir(), 'celeriac-bench-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** The table's rows (header excluded), parsed. */
function tableRows(text: string): { mark: string; pool: string; concurrency: number; prefetch: number; errors: number }[] {
  const all = lines(text);
  const head = all.findIndex((l) => l.trim().split(/\s{2,}/).join('|') === COLUMNS.join('|'));
  assert.notEqual(head, -1, `no table header in:\n${text}`);
  const rows = [];
  for (const l of all.slice(head + 1)) {
    const m = ROW.exec(l);
    if (m === null) break;
    rows.push({ mark: l[0]!, pool: m[1]!, concurrency: Number(m[2]), prefetch: Number(m[3]), errors: Number(m[9]) });
  }
  return rows;
}

function assertReportShape(r: BenchReport, cells: number): void {
  assert.equal(r.version, 1);
  assert.equal(typeof r.celeriac, 'string');
  assert.equal(r.complete, true);
  assert.match(r.namespace.prefix, /-bench-[0-9a-f]{8}$/);
  assert.match(r.namespace.queue, /^celeriac\.bench\.[0-9a-f]{8}$/);
  assert.equal(typeof r.machine.cpus, 'number');
  assert.equal(r.cells.length, cells);
  for (const c of r.cells) {
    assert.deepEqual(
      Object.keys(c).filter((k) => k !== 'firstError').sort(),
      ['concurrency', 'cpuPct', 'errors', 'p50Ms', 'p99Ms', 'peakRssMb', 'pool', 'prefetch', 'throughput', 'wallS'],
    );
    assert.ok(c.throughput > 0, JSON.stringify(c));
    assert.equal(typeof c.p50Ms, 'number');
    assert.ok(c.p99Ms! >= c.p50Ms!, JSON.stringify(c));
    assert.ok(c.peakRssMb > 0);
  }
}

describe('celeriac bench over memory://', { concurrency: 2 }, () => {
  test('a 2×2×2 grid: progress lines, the table, the recommendation, JSON and SVG', async () => {
    const json = join(dir, 'grid.json');
    const chart = join(dir, 'grid.svg');
    const r = await runCli(
      ['-A', APP, 'bench', '--task', 'bench.add', '--args', '[2,2]', '-n', '200', '--warmup', '20', '--prefetch', '1,4', '-c', '1,2', '-P', 'threads,inline', '--json', json, '--chart', chart],
      { timeoutMs: 60_000 },
    );
    assert.equal(r.code, 0, r.stderr);

    const rows = tableRows(r.stdout);
    assert.equal(rows.length, 8, r.stdout);
    assert.deepEqual(new Set(rows.map((x) => `${x.pool}/${x.concurrency}/${x.prefetch}`)).size, 8);
    assert.equal(rows.filter((x) => x.mark === '*').length, 1);
    assert.ok(rows.every((x) => x.errors === 0), r.stdout);
    assert.match(r.stdout, RECOMMENDED);
    assert.match(r.stdout, /^Apply it: celeriac -A \S+bench-app\.ts worker -P (threads|inline) -c \d+ --prefetch-multiplier \d+$/m);

    // stderr is not a terminal: one line per cell, no bar.
    const progress = lines(r.stderr).filter((l) => l.startsWith('bench ['));
    assert.equal(progress.length, 8, r.stderr);
    assert.match(progress[0]!, /^bench \[1\/8\] threads c=1 ×1: [\d,]+ tasks\/s, p50 [\d.]+ ms, p99 [\d.]+ ms, 0 errors$/);
    assert.doesNotMatch(r.stderr, /\r/);

    const report = JSON.parse(readFileSync(json, 'utf8')) as BenchReport;
    assertReportShape(report, 8);
    assert.equal(report.task, 'bench.add');
    assert.deepEqual(report.args, [2, 2]);
    assert.equal(report.count, 200);
    assert.equal(report.broker, 'memory://');
    const star = rows.find((x) => x.mark === '*')!;
    assert.deepEqual(
      { pool: report.recommendation!.pool, concurrency: report.recommendation!.concurrency, prefetch: report.recommendation!.prefetch },
      { pool: star.pool, concurrency: star.concurrency, prefetch: star.prefetch },
    );
    assert.match(report.recommendation!.reason, /tasks\/s/);

    const els = parseXml(readFileSync(chart, 'utf8'));
    assert.equal(els[0]!.name, 'svg');
    assert.equal(els.filter((e) => e.name === 'rect' && e.attrs.class === 'cell').length, 8);
    assert.equal(els.filter((e) => e.attrs.class === 'pick').length, 1);
  });

  test('--json - prints only JSON on stdout; failing tasks are counted per cell and shown on stderr', async () => {
    // -l fatal: the worker logs each task failure at error level, which is not what this checks.
    const r = await runCli(
      ['-A', APP, '-l', 'fatal', 'bench', '--task', 'bench.flaky', '--args', '[7]', '-n', '140', '--warmup', '0', '--prefetch', '4', '-c', '1,2', '-P', 'inline', '--json', '-'],
      { timeoutMs: 60_000 },
    );
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as BenchReport;
    assert.equal(report.cells.length, 2);
    for (const c of report.cells) {
      assert.ok(c.errors > 0, JSON.stringify(c));
      assert.match(c.firstError!, /^FlakyError: call \d+ fails$/);
    }
    assert.equal(report.recommendation, null);
    // The table went to stderr, beside the progress.
    assert.equal(tableRows(r.stderr).length, 2);
    assert.match(r.stderr, /^Failures in inline c=1 ×4: \d+, the first: FlakyError: /m);
    assert.match(r.stderr, /^No recommendation: /m);
    assert.match(r.stderr, /^bench \[2\/2\] inline c=2 ×4: .*, \d+ errors$/m);
  });

  test('a task declared with ignoreResult is still timed; -q leaves stderr empty', async () => {
    const r = await runCli(['-A', APP, 'bench', '--task', 'bench.quiet', '--args', '[1]', '-n', '50', '--warmup', '0', '--prefetch', '1', '-c', '1', '-P', 'inline', '-q'], {
      timeoutMs: 60_000,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(tableRows(r.stdout).length, 1);
    assert.match(r.stdout, RECOMMENDED);
    assert.equal(r.stderr, '');
  });

  test('bad usage exits 2 naming the option: an unknown task, a count below 1, an empty list', async () => {
    const [unknown, zero, empty] = await Promise.all([
      runCli(['-A', APP, 'bench', '--task', 'bench.nope']),
      runCli(['-A', APP, 'bench', '--task', 'bench.add', '-n', '0']),
      runCli(['-A', APP, 'bench', '--task', 'bench.add', '--prefetch', ',']),
    ]);
    for (const [r, re] of [[unknown, /--task: no task named "bench\.nope"/], [zero, /-n\/--count/], [empty, /--prefetch/]] as const) {
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /^Usage: celeriac /);
      assert.match(r.stderr, re);
      assert.equal(r.stdout, '');
    }
  });
});

interface StreamState {
  name: string;
  state: { messages: number };
}

describe('celeriac bench over nats://', () => {
  const prefix = newPrefix();
  const env = { CELERIAC_TEST_PREFIX: prefix };
  let server: NatsServer;
  const running: Cli[] = [];

  before(async () => {
    server = await startNatsServer();
  });
  after(async () => {
    await Promise.all(running.map((c) => c.kill()));
    await server?.[Symbol.asyncDispose]();
  });

  async function streams(): Promise<Map<string, number>> {
    const res = await fetch(`http://127.0.0.1:${server.monitorPort}/jsz?streams=true`);
    const body = (await res.json()) as { account_details?: { stream_detail?: StreamState[] }[] };
    const out = new Map<string, number>();
    for (const a of body.account_details ?? []) for (const s of a.stream_detail ?? []) out.set(s.name, s.state.messages);
    return out;
  }

  const tasksStream = (p: string): string => `${p.replace(/[^A-Za-z0-9_-]/g, '_').toUpperCase()}_TASKS`;

  test('runs in its own namespace, leaves its queue empty and a neighbour queue untouched', async () => {
    // A message of someone else's on the same server, under the app's configured prefix.
    const neighbour = await runCli(['-A', APP, '-b', server.url, 'call', 'bench.add', '--args', '[1,1]', '--queue', 'neighbour'], { env });
    assert.equal(neighbour.code, 0, neighbour.stderr);
    assert.equal((await streams()).get(tasksStream(prefix)), 1);

    const json = join(dir, 'nats.json');
    const r = await runCli(
      ['-A', APP, '-b', server.url, 'bench', '--task', 'bench.add', '--args', '[2,2]', '-n', '100', '--warmup', '10', '--prefetch', '1,4', '-c', '1,2', '-P', 'inline', '--json', json],
      { env, timeoutMs: 60_000 },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal(tableRows(r.stdout).length, 4, r.stdout);
    assert.match(r.stdout, RECOMMENDED);
    const report = JSON.parse(readFileSync(json, 'utf8')) as BenchReport;
    assertReportShape(report, 4);
    assert.equal(report.broker, server.url);
    assert.ok(report.namespace.prefix.startsWith(`${prefix}-bench-`), report.namespace.prefix);
    assert.match(r.stderr, /^bench: purged its queue celeriac\.bench\.[0-9a-f]{8}; /m);
    assert.match(r.stderr, /^bench: purged its queue .*; deleted its namespace .*_TASKS/m);

    const after = await streams();
    const own = [...after.keys()].filter((name) => name.startsWith(tasksStream(report.namespace.prefix).replace(/_TASKS$/, '')) || name.includes(report.namespace.prefix));
    assert.deepEqual(own, [], 'its streams and buckets are gone');
    assert.equal(after.get(tasksStream(prefix)), 1, 'the neighbour queue keeps its message');
  });

  test('Ctrl-C stops the cell, purges the queue and exits 130', async () => {
    const bench = new Cli(
      ['-A', APP, '-b', server.url, 'bench', '--task', 'bench.sleep', '--args', '[20]', '-n', '100000', '--warmup', '0', '--prefetch', '1', '-c', '1', '-P', 'inline'],
      { env },
    );
    running.push(bench);
    // Under way once a bench stream other than the first test's holds waiting tasks.
    const known = new Set((await streams()).keys());
    const deadline = Date.now() + 30_000;
    let stream: string | undefined;
    while (stream === undefined) {
      assert.ok(bench.running, `bench ended early:\n${bench.stderr}`);
      assert.ok(Date.now() < deadline, 'the bench never published');
      for (const [name, n] of await streams()) if (!known.has(name) && /-BENCH-.*_TASKS$/.test(name) && n > 0) stream = name;
      if (stream === undefined) await new Promise((res) => setTimeout(res, 100));
    }
    bench.child.kill('SIGINT');
    const r = await bench.result(30_000);
    assert.equal(r.code, 130, r.stderr);
    assert.match(r.stderr, /^bench: interrupted: /m);
    assert.match(r.stderr, /^bench: interrupted after 0 of 1 cells$/m);
    assert.equal(r.stdout, '');
    assert.equal((await streams()).has(stream), false, 'its namespace is deleted');
  });
});
