/**
 * Liveness over NATS: a worker that is connected (control works) but cannot consume its queue
 * — here its user may not use the JetStream API — answers `ping` with WorkerUnhealthyError
 * naming the queue and the cause, and its heartbeats say `healthy: false`; a worker that can
 * consume answers `pong`.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Celeriac } from '../../src/index.ts';
import { waitFor } from '../helpers/latch.ts';
import { startNatsServer } from '../helpers/nats-server.ts';
import { newPrefix } from './support.ts';

const server = await startNatsServer({
  config: `
authorization {
  users = [
    { user: admin, password: admin }
    { user: nojs, password: nojs, permissions: { publish: { deny: ["$JS.API.>"] } } }
  ]
}
`,
});
after(() => server[Symbol.asyncDispose]());

const url = (user: string): string => server.url.replace('nats://', `nats://${user}:${user}@`);

describe('NATS worker health', () => {
  test('a worker that cannot consume answers ping with why; one that can answers pong', async (t) => {
    const prefix = newPrefix();
    const client = new Celeriac('health-client', { broker: url('admin'), config: { transportPrefix: prefix } });
    t.after(() => client.close());
    const good = new Celeriac('health-good', { broker: url('admin'), config: { transportPrefix: prefix } });
    t.after(() => good.close());
    const bad = new Celeriac('health-bad', { broker: url('nojs'), config: { transportPrefix: prefix } });
    t.after(() => bad.close());
    for (const app of [good, bad]) app.task('health.noop', () => null);

    const heartbeats: Record<string, unknown>[] = [];
    const events = (await client.transport()).events;
    const stopEvents = events.subscribe('worker-heartbeat', (e) => {
      if ((e as { type?: string }).type === 'worker-heartbeat') heartbeats.push(e as unknown as Record<string, unknown>);
    });
    t.after(() => stopEvents());

    const gw = good.worker({ hostname: 'good@test', pool: 'inline', queues: ['health-q'], heartbeatInterval: 0.5 });
    const bw = bad.worker({ hostname: 'bad@test', pool: 'inline', queues: ['health-q'], heartbeatInterval: 0.5 });
    await gw.start();
    await bw.start();
    t.after(() => gw.stop());
    t.after(() => bw.stop());

    let replies: Record<string, unknown> = {};
    await waitFor(
      async () => {
        replies = await client.control.ping({ timeout: 1 });
        return typeof replies['bad@test'] === 'object' && replies['good@test'] === 'pong';
      },
      { name: 'the bad worker reported unhealthy', timeout: 30_000 },
    );
    const error = (replies['bad@test'] as { error: string }).error;
    assert.match(error, /unhealthy/);
    assert.match(error, /queue health-q/);
    assert.match(error, /cannot consume since/);
    assert.equal(replies['good@test'], 'pong');

    await waitFor(() => heartbeats.some((h) => h.hostname === 'bad@test' && h.healthy === false), {
      name: 'an unhealthy heartbeat',
      timeout: 10_000,
    });
    const last = heartbeats.filter((h) => h.hostname === 'bad@test' && h.healthy === false).at(-1)!;
    assert.ok(Array.isArray(last.problems) && (last.problems as string[]).some((p) => p.includes('health-q')));
    assert.ok(heartbeats.some((h) => h.hostname === 'good@test' && h.healthy === true));
  });
});
