import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const fixture = fileURLToPath(new URL('../../fixtures/memory-transport-exit.ts', import.meta.url));

test('after close() a memory transport holds no timer and the process exits on its own', async () => {
  const started = Date.now();
  const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = execFile(process.execPath, ['--import', 'tsx', fixture], { timeout: 20_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
    child.stdin?.end();
  });
  assert.equal(code, 0, stderr);
  const report = JSON.parse(stdout) as { before: number; after: number; replies: unknown[] };
  assert.ok(report.before >= 3, `expected the transport to have armed timers before close, got ${report.before}`);
  assert.equal(report.after, 0);
  assert.deepEqual(report.replies, []);
  assert.ok(Date.now() - started < 15_000, 'the child waited for a timer after close');
});
