/** Control and event buses across separate connections (as separate hosts) on a real server. */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ControlRequest } from '../../src/protocol/control.ts';
import type { CeleriacEvent, TaskEvent } from '../../src/protocol/events.ts';
import { waitFor } from '../helpers/latch.ts';
import { startNatsServer } from '../helpers/nats-server.ts';
import { newPrefix, openNats, quiet } from './support.ts';

const server = await startNatsServer();
after(() => server[Symbol.asyncDispose]());

const ping = (destination?: string[]): ControlRequest => ({ command: 'ping', args: {}, id: `r${Math.random()}`, destination });

describe('NATS control bus', () => {
  test('a broadcast from one host gathers the replies of workers on two others', async (t) => {
    const prefix = newPrefix();
    const [client, w1, w2] = await Promise.all([1, 2, 3].map(() => openNats(t, server.url, { prefix })));
    let runs = 0;
    t.after(w1!.control.serve('w1@a', () => (runs++, 'pong-1')));
    t.after(w2!.control.serve('w2@b', () => (runs++, 'pong-2')));
    const all = await client!.control.broadcast(ping(), { timeout: 400 });
    assert.deepEqual(
      all.map((r) => [r.hostname, 'ok' in r ? r.ok : r.error]).sort(),
      [
        ['w1@a', 'pong-1'],
        ['w2@b', 'pong-2'],
      ],
    );
    assert.equal(runs, 2, 'a resent request ran a handler twice');
    const one = await client!.control.broadcast(ping(['w2@b']), { destination: ['w2@b'], timeout: 1000 });
    assert.deepEqual(one, [{ hostname: 'w2@b', ok: 'pong-2' }]);
  });

  test('another prefix is another cluster of workers', async (t) => {
    const a = await openNats(t, server.url);
    const b = await openNats(t, server.url);
    t.after(a.control.serve('w@a', () => 'pong'));
    assert.deepEqual(await b.control.broadcast(ping(), { timeout: 200 }), []);
  });
});

describe('NATS event bus', () => {
  test('events published on one host reach listeners on another, by pattern', async (t) => {
    const prefix = newPrefix();
    const [producer, monitor] = await Promise.all([openNats(t, server.url, { prefix }), openNats(t, server.url, { prefix })]);
    const tasks: string[] = [];
    const exact: string[] = [];
    t.after(monitor!.events.subscribe('task-*', (e) => tasks.push(e.type)));
    t.after(monitor!.events.subscribe('worker-heartbeat', (e) => exact.push(e.type)));
    await (monitor as unknown as { flush(): Promise<void> }).flush();
    const base = { hostname: 'w@h', timestamp: Date.now() / 1000, clock: 1, pid: 1 };
    const ev = (type: TaskEvent['type']): CeleriacEvent => ({ ...base, type, uuid: 'u1' });
    producer!.events.publish(ev('task-received'));
    producer!.events.publish({ ...base, type: 'worker-heartbeat', freq: 2, active: 0, processed: 1, swIdent: 'c', swVer: '0' });
    producer!.events.publish(ev('task-succeeded'));
    await waitFor(() => tasks.length === 2 && exact.length === 1, { name: 'the events', timeout: 2000 });
    await quiet(50);
    assert.deepEqual(tasks, ['task-received', 'task-succeeded']);
    assert.deepEqual(exact, ['worker-heartbeat']);
  });
});
