/** PullHealth: when a NATS pull loop reports itself unhealthy, and why. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PullHealth } from '../../../src/transport/nats/pull-health.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('a loop failing for longer than failingAfter names the queue and the last error; progress clears it', async () => {
  const h = new PullHealth('q1', 30, 10_000);
  h.failed(new Error('first'));
  assert.deepEqual(h.report(true), { ok: true }, 'not yet: a failure may be a moment of election');
  await sleep(40);
  h.failed(new Error('Permissions Violation'));
  const r = h.report(true);
  assert.equal(r.ok, false);
  assert.match(r.problem!, /^queue q1: cannot consume since .*: Permissions Violation$/);
  h.recovered();
  assert.deepEqual(h.report(true), { ok: true });
});

test('silence counts only while the loop could pull', async () => {
  const h = new PullHealth('q2', 10_000, 30);
  await sleep(40);
  assert.deepEqual(h.report(false), { ok: true }, 'no credit: nothing to hear');
  const r = h.report(true);
  assert.equal(r.ok, false);
  assert.match(r.problem!, /^queue q2: no answer from the server for \d+ s$/);
  h.alive();
  assert.deepEqual(h.report(true), { ok: true });
});
