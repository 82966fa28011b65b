/** Control bus and event bus conformance. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ControlReply, ControlRequest } from '../../src/protocol/control.ts';
import type { CeleriacEvent, TaskEvent, WorkerEvent } from '../../src/protocol/events.ts';
import { Latch } from '../helpers/latch.ts';
import { uniqueName } from '../helpers/ns.ts';
import { type MakeTransport, openFor, quiet } from './support.ts';

const ping = (destination?: string[]): ControlRequest => ({ command: 'ping', args: {}, id: uniqueName('req'), destination });
const byHost = (replies: ControlReply[], hosts: string[]): ControlReply[] =>
  replies.filter((r) => hosts.includes(r.hostname)).sort((a, b) => a.hostname.localeCompare(b.hostname));

const taskEvent = (type: TaskEvent['type'], hostname: string): TaskEvent => ({
  type,
  hostname,
  timestamp: Date.now() / 1000,
  clock: 1,
  pid: process.pid,
  uuid: uniqueName('task'),
});
const workerEvent = (type: WorkerEvent['type'], hostname: string): WorkerEvent => ({
  type,
  hostname,
  timestamp: Date.now() / 1000,
  clock: 1,
  pid: process.pid,
  freq: 2,
  active: 0,
  processed: 0,
  swIdent: 'celeriac',
  swVer: '0.1.0',
});

export function busCases(make: MakeTransport): void {
  describe('control bus', () => {
    test('broadcast reaches every server and gathers their replies', async (t) => {
      const { control } = await openFor(t, make);
      const hosts = ['a', 'b'].map((h) => uniqueName(`w${h}`)).sort();
      for (const h of hosts) t.after(control.serve(h, (req) => ({ pong: h, command: req.command })));
      const replies = await control.broadcast(ping(), { timeout: 300 });
      assert.deepEqual(byHost(replies, hosts), hosts.map((h) => ({ hostname: h, ok: { pong: h, command: 'ping' } })));
    });

    test('broadcast to a destination reaches only the named servers', async (t) => {
      const { control } = await openFor(t, make);
      const [a, b, c] = ['a', 'b', 'c'].map((h) => uniqueName(`w${h}`));
      const asked: string[] = [];
      for (const h of [a!, b!, c!]) {
        t.after(control.serve(h, () => {
          asked.push(h);
          return 'pong';
        }));
      }
      const started = Date.now();
      const replies = await control.broadcast(ping([a!, c!]), { destination: [a!, c!], timeout: 1_000 });
      assert.ok(Date.now() - started < 900, 'waited for the timeout although every destination answered');
      assert.deepEqual(replies.map((r) => r.hostname).sort(), [a!, c!].sort());
      await quiet(50);
      assert.ok(!asked.includes(b!), 'a server outside the destination ran the request');
    });

    test('a handler that throws comes back as an error reply', async (t) => {
      const { control } = await openFor(t, make);
      const h = uniqueName('w');
      t.after(control.serve(h, () => {
        throw new Error('no such command');
      }));
      const replies = await control.broadcast(ping([h]), { destination: [h], timeout: 500 });
      assert.equal(replies.length, 1);
      const reply = replies[0]!;
      assert.equal(reply.hostname, h);
      assert.ok('error' in reply && typeof reply.error === 'string' && reply.error.length > 0);
    });

    test('broadcast returns at the timeout without the replies of a silent server', async (t) => {
      const { control } = await openFor(t, make);
      const [fast, silent] = [uniqueName('fast'), uniqueName('silent')];
      t.after(control.serve(fast!, () => 'pong'));
      t.after(control.serve(silent!, () => new Promise(() => {})));
      const started = Date.now();
      const replies = await control.broadcast(ping([fast!, silent!]), { destination: [fast!, silent!], timeout: 250 });
      const waited = Date.now() - started;
      assert.ok(waited >= 200 && waited < 1_000, `waited ${waited} ms`);
      assert.deepEqual(replies, [{ hostname: fast, ok: 'pong' }]);
    });

    test('broadcast stops at the limit', async (t) => {
      const { control } = await openFor(t, make);
      const hosts = ['a', 'b', 'c'].map((h) => uniqueName(`w${h}`));
      for (const h of hosts) t.after(control.serve(h, () => 'pong'));
      const started = Date.now();
      const replies = await control.broadcast(ping(hosts), { destination: hosts, timeout: 1_000, limit: 1 });
      assert.equal(replies.length, 1);
      assert.ok(hosts.includes(replies[0]!.hostname));
      assert.ok(Date.now() - started < 900, 'waited for the timeout although the limit was reached');
    });

    test('a server that stopped serving no longer answers', async (t) => {
      const { control } = await openFor(t, make);
      const h = uniqueName('w');
      const stop = control.serve(h, () => 'pong');
      stop();
      const replies = await control.broadcast(ping([h]), { destination: [h], timeout: 200 });
      assert.deepEqual(replies, []);
    });
  });

  describe('event bus', () => {
    test('delivers to the listeners whose pattern matches, in order', async (t) => {
      const { events } = await openFor(t, make);
      const host = uniqueName('host');
      const got: Record<string, string[]> = { all: [], task: [], online: [], succeeded: [] };
      const latch = new Latch(4 + 3 + 1 + 1, 'matching events');
      const listen = (key: string, pattern: string) =>
        t.after(events.subscribe(pattern, (e: CeleriacEvent) => {
          if (e.hostname !== host) return;
          got[key]!.push(e.type);
          latch.countDown();
        }));
      listen('all', '*');
      listen('task', 'task-*');
      listen('online', 'worker-online');
      listen('succeeded', 'task-succeeded');
      events.publish(taskEvent('task-sent', host));
      events.publish(workerEvent('worker-online', host));
      events.publish(taskEvent('task-started', host));
      events.publish(taskEvent('task-succeeded', host));
      await latch.wait(2_000);
      await quiet(50);
      assert.deepEqual(got, {
        all: ['task-sent', 'worker-online', 'task-started', 'task-succeeded'],
        task: ['task-sent', 'task-started', 'task-succeeded'],
        online: ['worker-online'],
        succeeded: ['task-succeeded'],
      });
    });

    test('a throwing listener does not break the bus; unsubscribe stops delivery', async (t) => {
      const { events } = await openFor(t, make);
      const host = uniqueName('host');
      let thrown = 0;
      const kept: string[] = [];
      const latch = new Latch(2, 'events after a throwing listener');
      t.after(events.subscribe('task-*', (e) => {
        if (e.hostname !== host) return;
        thrown++;
        throw new Error('listener bug');
      }));
      const stop = events.subscribe('task-*', (e) => {
        if (e.hostname !== host) return;
        kept.push((e as TaskEvent).uuid);
        latch.countDown();
      });
      const first = taskEvent('task-received', host);
      const second = taskEvent('task-failed', host);
      events.publish(first);
      events.publish(second);
      await latch.wait(2_000);
      assert.deepEqual(kept, [first.uuid, second.uuid]);
      assert.equal(thrown, 2);
      stop();
      events.publish(taskEvent('task-retried', host));
      await quiet(100);
      assert.equal(kept.length, 2);
      assert.equal(thrown, 3);
    });
  });
}
