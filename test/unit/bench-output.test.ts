/** The bench's text output: the table, the recommendation lines, progress lines, the JSON report. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { barLine, cellLine, createProgress } from '../../src/cli/bench/progress.ts';
import { buildReport, machineInfo, withoutCredentials } from '../../src/cli/bench/report.ts';
import { COLUMNS, formatFailures, formatRecommendation, formatTable } from '../../src/cli/bench/table.ts';
import type { CellResult } from '../../src/cli/bench/types.ts';

const cells: CellResult[] = [
  { pool: 'threads', concurrency: 1, prefetch: 1, throughput: 5589.2, p50Ms: 159.3, p99Ms: 212.9, cpuPct: 146, peakRssMb: 164, errors: 0, wallS: 0.36 },
  { pool: 'inline', concurrency: 2, prefetch: 16, throughput: 86_662, p50Ms: 9.3, p99Ms: 14.9, cpuPct: 112, peakRssMb: 1164, errors: 3, wallS: 0.02, firstError: 'FlakyError: call 10 fails' },
];

describe('bench table', () => {
  test('a header with every column, a row per cell aligned under it, the pick marked', () => {
    const lines = formatTable(cells, cells[0]!);
    assert.equal(lines.length, 3);
    assert.deepEqual(lines[0]!.trim().split(/\s{2,}/), [...COLUMNS]);
    assert.ok(lines[1]!.startsWith('* threads'));
    assert.ok(lines[2]!.startsWith('  inline'));
    assert.deepEqual(lines[2]!.slice(2).trim().split(/\s+/), ['inline', '2', '16', '86,662', '9.3', '14.9', '112', '1164', '3']);
    // Numbers are right-aligned: each row ends where the header ends.
    assert.equal(lines[1]!.length, lines[0]!.length);
    assert.equal(lines[2]!.length, lines[0]!.length);
  });

  test('recommendation lines, and the command that applies it', () => {
    const lines = formatRecommendation({ pool: 'threads', concurrency: 2, prefetch: 16, throughput: 1, p99Ms: 1, reason: 'because', notes: ['careful'] }, './proj.ts');
    assert.deepEqual(lines, ['Recommended: because.', 'Note: careful.', 'Apply it: celeriac -A ./proj.ts worker -P threads -c 2 --prefetch-multiplier 16']);
    assert.match(formatRecommendation(null, './proj.ts')[0]!, /^No recommendation: /);
  });

  test('failures are listed per cell with the first error', () => {
    assert.deepEqual(formatFailures(cells), ['Failures in inline c=2 ×16: 3, the first: FlakyError: call 10 fails']);
  });
});

describe('bench progress', () => {
  const sink = (isTTY: boolean) => {
    const out: string[] = [];
    return { out, sink: { isTTY, columns: 200, write: (t: string) => void out.push(t) } };
  };

  test('lines', () => {
    assert.equal(cellLine(2, 8, cells[1]!), 'bench [3/8] inline c=2 ×16: 86,662 tasks/s, p50 9.3 ms, p99 14.9 ms, 3 errors');
    assert.equal(barLine(0, 8, cells[0]!, 'warm-up', 0, 0), 'bench [1/8] threads c=1 ×1 warm-up');
    assert.equal(barLine(0, 8, cells[0]!, 'measuring', 500, 2000), `bench [1/8] threads c=1 ×1 measuring [${'#'.repeat(6)}${'.'.repeat(18)}]  25% 500/2,000`);
  });

  test('not a terminal: one line per finished cell, nothing else', () => {
    const { out, sink: s } = sink(false);
    const p = createProgress(s, { quiet: false, total: 2 });
    p.phase(0, cells[0]!, 'measuring');
    p.tick(1, 10);
    p.cellDone(0, cells[0]!);
    p.end();
    assert.deepEqual(out, [`${cellLine(0, 2, cells[0]!)}\n`]);
  });

  test('a terminal: a bar redrawn in place, cleared before each cell line and at the end', () => {
    const { out, sink: s } = sink(true);
    const p = createProgress(s, { quiet: false, total: 2 });
    p.phase(0, cells[0]!, 'measuring');
    p.tick(10, 10);
    p.cellDone(0, cells[0]!);
    p.phase(1, cells[1]!, 'starting');
    p.end();
    assert.ok(out.every((w) => !w.includes('\n') || w === `${cellLine(0, 2, cells[0]!)}\n`), JSON.stringify(out));
    assert.ok(out.filter((w) => w.startsWith('\r\x1b[2Kbench [')).length >= 2);
    assert.equal(out.at(-1), '\r\x1b[2K');
  });

  test('quiet: nothing', () => {
    const { out, sink: s } = sink(true);
    const p = createProgress(s, { quiet: true, total: 1 });
    p.phase(0, cells[0]!, 'measuring');
    p.cellDone(0, cells[0]!);
    p.end();
    assert.deepEqual(out, []);
  });
});

describe('bench report', () => {
  test('credentials are dropped from the broker URL', () => {
    assert.equal(withoutCredentials('nats://user:secret@a:4222,nats://tok@b:4223'), 'nats://a:4222,nats://b:4223');
    assert.equal(withoutCredentials('nats://u:p@h:1,h2:2'), 'nats://h:1,h2:2');
    assert.equal(withoutCredentials('memory://'), 'memory://');
  });

  test('the schema', () => {
    const r = buildReport({
      version: '0.1.0', task: 'proj.add', args: [2, 2], kwargs: undefined, count: 200, warmup: 20, inflight: 1000,
      broker: 'nats://u:p@127.0.0.1:4222', prefix: 'celeriac-bench-1', queue: 'celeriac.bench.1', machine: machineInfo(),
      startedAt: new Date(0), durationS: 1.23456, complete: true,
      cells: [...cells, { ...cells[0]!, p50Ms: Number.NaN, p99Ms: Number.NaN, throughput: 0, errors: 200 }],
      recommendation: null,
    });
    assert.equal(r.version, 1);
    assert.equal(r.broker, 'nats://127.0.0.1:4222');
    assert.equal(r.kwargs, null);
    assert.equal(r.durationS, 1.235);
    assert.equal(r.cells[2]!.p50Ms, null);
    assert.equal(r.machine.cpus > 0, true);
    const back = JSON.parse(JSON.stringify(r)) as typeof r;
    assert.deepEqual(Object.keys(back.cells[0]!).sort(), ['concurrency', 'cpuPct', 'errors', 'p50Ms', 'p99Ms', 'peakRssMb', 'pool', 'prefetch', 'throughput', 'wallS']);
  });
});
