import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { SimulatedClock } from '../../../src/actors/clock.ts';
import { ClosedError, ConfigError } from '../../../src/errors.ts';
import type { Logger } from '../../../src/log/logger.ts';
import type { ControlRequest } from '../../../src/protocol/control.ts';
import type { CeleriacEvent, TaskEvent } from '../../../src/protocol/events.ts';
import { MemoryControlBus } from '../../../src/transport/memory/control-bus.ts';
import { eventMatcher, MemoryEventBus } from '../../../src/transport/memory/event-bus.ts';

const settle = (): Promise<void> => new Promise((r) => setImmediate(r));
const req = (command: ControlRequest['command'] = 'ping'): ControlRequest => ({ command, args: { n: 1 }, id: 'r1' });
const ev = (type: TaskEvent['type'], uuid = 'u'): TaskEvent => ({ type, hostname: 'h', timestamp: 1, clock: 1, pid: 1, uuid });

describe('MemoryControlBus', () => {
  test('the timeout runs on the injected clock', async (t) => {
    const clock = new SimulatedClock(0);
    const bus = new MemoryControlBus({ clock });
    t.after(() => bus.close());
    bus.serve('fast', () => 'pong');
    bus.serve('silent', () => new Promise(() => {}));
    let replies: unknown;
    void bus.broadcast(req(), { timeout: 1_000 }).then((r) => (replies = r));
    await settle();
    clock.advance(999);
    await settle();
    assert.equal(replies, undefined);
    clock.advance(1);
    await settle();
    assert.deepEqual(replies, [{ hostname: 'fast', ok: 'pong' }]);
    assert.equal(clock.pendingCount, 0);
  });

  test('handlers get their own copy of the request and run after broadcast() returns', async (t) => {
    const bus = new MemoryControlBus();
    t.after(() => bus.close());
    const original = req('stats');
    let inside = true;
    let ranInside = false;
    bus.serve('w', (r) => {
      ranInside ||= inside;
      (r.args as { n: number }).n = 99;
      return { ok: true };
    });
    const p = bus.broadcast(original, { timeout: 1_000 });
    inside = false;
    const replies = await p;
    assert.equal(ranInside, false);
    assert.deepEqual(replies, [{ hostname: 'w', ok: { ok: true } }]);
    assert.equal(original.args.n, 1);
  });

  test('an unknown destination or limit 0 answers [] at once; a non-cloneable reply is an error', async (t) => {
    const bus = new MemoryControlBus();
    t.after(() => bus.close());
    bus.serve('w', () => () => 'a function');
    assert.deepEqual(await bus.broadcast(req(), { destination: ['ghost'], timeout: 60_000 }), []);
    assert.deepEqual(await bus.broadcast(req(), { timeout: 60_000, limit: 0 }), []);
    const [reply] = await bus.broadcast(req(), { timeout: 60_000 });
    assert.ok(reply && 'error' in reply);
    await assert.rejects(bus.broadcast(req(), { timeout: -1 }), ConfigError);
    assert.throws(() => bus.serve('', () => 1), ConfigError);
  });

  test('the destination in the request is honoured when the options give none', async (t) => {
    const bus = new MemoryControlBus();
    t.after(() => bus.close());
    bus.serve('a', () => 'a');
    bus.serve('b', () => 'b');
    const replies = await bus.broadcast({ ...req(), destination: ['b'] }, { timeout: 1_000 });
    assert.deepEqual(replies, [{ hostname: 'b', ok: 'b' }]);
    assert.deepEqual(bus.hostnames().sort(), ['a', 'b']);
  });

  test('close ends pending broadcasts with what they have and refuses further use', async () => {
    const clock = new SimulatedClock(0);
    const bus = new MemoryControlBus({ clock });
    bus.serve('silent', () => new Promise(() => {}));
    const pending = bus.broadcast(req(), { timeout: 60_000 });
    await settle();
    await bus.close();
    assert.deepEqual(await pending, []);
    assert.equal(clock.pendingCount, 0);
    await assert.rejects(bus.broadcast(req(), { timeout: 1 }), ClosedError);
    assert.throws(() => bus.serve('w', () => 1), ClosedError);
  });
});

describe('MemoryEventBus', () => {
  test('eventMatcher: star, exact and globs', () => {
    assert.equal(eventMatcher('*')('worker-online'), true);
    assert.equal(eventMatcher('task-*')('task-sent'), true);
    assert.equal(eventMatcher('task-*')('worker-online'), false);
    assert.equal(eventMatcher('task-s?nt')('task-sent'), true);
    assert.equal(eventMatcher('task-sent')('task-sent'), true);
    assert.equal(eventMatcher('task-sent')('task-sent2'), false);
  });

  test('listeners get events after publish() returns, as one copy the publisher cannot change', async (t) => {
    const bus = new MemoryEventBus();
    t.after(() => bus.close());
    const got: CeleriacEvent[] = [];
    bus.subscribe('*', (e) => got.push(e));
    bus.subscribe('task-sent', (e) => got.push(e));
    const e = ev('task-sent', 'first');
    bus.publish(e);
    assert.equal(got.length, 0);
    e.uuid = 'changed';
    await settle();
    assert.equal(got.length, 2);
    assert.equal((got[0] as TaskEvent).uuid, 'first');
    assert.equal(got[0], got[1]);
  });

  test('a listener added or removed changes who matches at once', async (t) => {
    const bus = new MemoryEventBus();
    t.after(() => bus.close());
    const got: string[] = [];
    bus.publish(ev('task-sent')); // nobody listens: dropped
    const stop = bus.subscribe('task-*', (e) => got.push(`a:${e.type}`));
    bus.publish(ev('task-sent'));
    bus.subscribe('task-sent', (e) => got.push(`b:${e.type}`));
    bus.publish(ev('task-sent'));
    await settle();
    stop();
    bus.publish(ev('task-sent'));
    const queued = bus.subscribe('task-sent', (e) => got.push(`c:${e.type}`));
    bus.publish(ev('task-sent'));
    queued(); // unsubscribed before delivery: told nothing
    await settle();
    assert.deepEqual(got, ['a:task-sent', 'a:task-sent', 'b:task-sent', 'b:task-sent', 'b:task-sent']);
    assert.equal(bus.listenerCount, 1);
  });

  test('a throwing listener is logged', async (t) => {
    const errors: unknown[] = [];
    const bus = new MemoryEventBus({ logger: { error: (o: unknown) => errors.push(o) } as unknown as Logger });
    t.after(() => bus.close());
    bus.subscribe('*', () => {
      throw new Error('bug');
    });
    bus.publish(ev('task-sent'));
    await settle();
    assert.equal(errors.length, 1);
  });

  test('close drops queued and later events and refuses new listeners', async () => {
    const bus = new MemoryEventBus();
    const got: string[] = [];
    bus.subscribe('*', (e) => got.push(e.type));
    bus.publish(ev('task-sent'));
    await bus.close();
    bus.publish(ev('task-started'));
    await settle();
    assert.deepEqual(got, []);
    assert.throws(() => bus.subscribe('*', () => {}), ClosedError);
  });
});
