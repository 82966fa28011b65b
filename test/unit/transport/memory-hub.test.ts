import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { SimulatedClock } from '../../../src/actors/clock.ts';
import { ClosedError, ConfigError } from '../../../src/errors.ts';
import { acquireHub, hubRefCount } from '../../../src/transport/memory/hub.ts';
import { MemoryTransport } from '../../../src/transport/memory/transport.ts';
import { openTransport } from '../../../src/transport/open.ts';
import type { Delivery } from '../../../src/transport/types.ts';
import { uniqueName } from '../../helpers/ns.ts';

const settle = (): Promise<void> => new Promise((r) => setImmediate(r));
const f = (s: string): Uint8Array => new TextEncoder().encode(s);
const meta = (taskId: string) => ({ taskId, state: 'SUCCESS', result: 1, traceback: null, dateDone: null });

describe('memory hubs', () => {
  test('transports on one URL share a hub; the last close drops it', async () => {
    const name = uniqueName('hub');
    const a = new MemoryTransport(`memory://${name}`);
    const b = new MemoryTransport(`memory://${name}/`);
    assert.equal(hubRefCount(name), 2);
    assert.equal(a.hub, b.hub);
    await a.broker.publish('q', f('x'));
    await a.backend!.set(meta('t'));
    assert.equal(await b.broker.size('q'), 1);
    assert.equal((await b.backend!.get('t'))?.result, 1);
    await a.close();
    await a.close();
    assert.equal(hubRefCount(name), 1, 'close is idempotent: one lease given back');
    assert.equal(await b.broker.size('q'), 1, 'the hub lives on for the other user');
    await b.close();
    assert.equal(hubRefCount(name), 0);
    const c = new MemoryTransport(`memory://${name}`);
    assert.notEqual(c.hub, b.hub);
    assert.equal(await c.broker.size('q'), 0, 'a reopened hub starts empty');
    await c.close();
  });

  test('the default hub and named hubs are separate', async (t) => {
    const named = new MemoryTransport(`memory://${uniqueName('hub')}`);
    const dflt = new MemoryTransport('memory://');
    t.after(() => named.close());
    t.after(() => dflt.close());
    assert.notEqual(named.hub, dflt.hub);
    const q = uniqueName('q');
    await named.broker.publish(q, f('x'));
    assert.equal(await dflt.broker.size(q), 0);
  });

  test('closing one transport removes only its own subscriptions, watchers, servers and listeners', async () => {
    const name = uniqueName('hub');
    const a = new MemoryTransport(`memory://${name}`);
    const b = new MemoryTransport(`memory://${name}`);
    const got: string[] = [];
    a.broker.subscribe('q', (d) => got.push(`a:${new TextDecoder().decode(d.frame)}`)).request(10);
    const bDeliveries: Delivery[] = [];
    b.broker.subscribe('q', (d) => bDeliveries.push(d)).request(10);
    a.backend!.watch('t', () => got.push('a:watch'));
    b.backend!.watch('t', () => got.push('b:watch'));
    a.control.serve('wa', () => 'a');
    b.control.serve('wb', () => 'b');
    a.events.subscribe('*', () => got.push('a:event'));
    b.events.subscribe('*', () => got.push('b:event'));
    await a.close();
    assert.deepEqual(a.hub.control.hostnames(), ['wb']);
    assert.equal(a.hub.events.listenerCount, 1);
    await b.broker.publish('q', f('1'));
    await b.broker.publish('q', f('2'));
    await b.backend!.set(meta('t'));
    b.events.publish({ type: 'task-sent', hostname: 'h', timestamp: 0, clock: 0, pid: 0, uuid: 'u' });
    await settle();
    assert.deepEqual(got, ['b:watch', 'b:event']);
    assert.equal(bDeliveries.length, 2);
    await assert.rejects(a.broker.publish('q', f('x')), ClosedError);
    await assert.rejects(a.backend!.get('t'), ClosedError);
    await assert.rejects(a.control.broadcast({ command: 'ping', args: {}, id: 'r' }, { timeout: 10 }), ClosedError);
    assert.throws(() => a.events.subscribe('*', () => {}), ClosedError);
    await b.close();
  });

  test('a subscription closed by its owner is forgotten by the view', async () => {
    const t1 = new MemoryTransport(`memory://${uniqueName('hub')}`);
    const got: string[] = [];
    const sub = t1.broker.subscribe('q', () => got.push('x'));
    sub.request(5);
    await sub.close();
    assert.equal(sub.credit, 0);
    await t1.broker.publish('q', f('x'));
    await settle();
    assert.deepEqual(got, []);
    await t1.close();
  });

  test('the first opener configures the hub', async () => {
    const name = uniqueName('hub');
    const clock = new SimulatedClock(0);
    const a = acquireHub(name, { clock, visibilityTimeout: 1_000 });
    const b = acquireHub(name, { visibilityTimeout: 99_000 });
    const got: Delivery[] = [];
    b.hub.broker.subscribe('q', (d) => got.push(d)).request(5);
    await b.hub.broker.publish('q', f('x'));
    await settle();
    clock.advance(1_000);
    await settle();
    assert.equal(got.length, 2, 'the first lease set the clock and visibility timeout');
    await b.release();
    await b.release();
    assert.equal(hubRefCount(name), 1);
    await a.release();
    assert.equal(hubRefCount(name), 0);
    assert.equal(clock.pendingCount, 0, 'the last release closed the hub and its timers');
  });

  test("each transport's visibilityTimeout applies to its own subscriptions", async () => {
    const name = uniqueName('hub');
    const clock = new SimulatedClock(0);
    const a = new MemoryTransport(`memory://${name}`, { clock, visibilityTimeout: 1_000 });
    const b = new MemoryTransport(`memory://${name}`, { visibilityTimeout: 5_000 });
    const got: string[] = [];
    a.broker.subscribe('qa', () => got.push('a')).request(10);
    b.broker.subscribe('qb', () => got.push('b')).request(10);
    await a.broker.publish('qa', f('x'));
    await a.broker.publish('qb', f('y'));
    await settle();
    clock.advance(1_000);
    await settle();
    assert.deepEqual(got.sort(), ['a', 'a', 'b']);
    for (let i = 0; i < 4; i++) {
      clock.advance(1_000);
      await settle();
    }
    // a every second (0, 1, 2, 3, 4, 5 s), b at 0 and 5 s
    assert.deepEqual(got.sort(), ['a', 'a', 'a', 'a', 'a', 'a', 'b', 'b']);
    await a.close();
    await b.close();
    assert.equal(clock.pendingCount, 0);
  });

  test('MemoryTransport refuses a non-memory URL', () => {
    assert.throws(() => new MemoryTransport('nats://localhost'), ConfigError);
    assert.throws(() => new MemoryTransport('memory://bad name'), ConfigError);
  });
});

describe('openTransport with memory://', () => {
  test('opens a memory transport; backendUrl disabled gives no backend', async (t) => {
    const url = `memory://${uniqueName('hub')}`;
    const withBackend = await openTransport(url);
    const without = await openTransport(url, { backendUrl: 'disabled' });
    t.after(() => withBackend.close());
    t.after(() => without.close());
    assert.ok(withBackend instanceof MemoryTransport);
    assert.equal(withBackend.url, url);
    assert.ok(withBackend.backend);
    assert.equal(without.backend, null);
    assert.ok(without.broker);
  });

  test('a backend on another hub is composed in and closed with the transport', async () => {
    const brokerHub = uniqueName('hub');
    const resultHub = uniqueName('results');
    const tr = await openTransport(`memory://${brokerHub}`, { backendUrl: `memory://${resultHub}` });
    assert.equal(hubRefCount(brokerHub), 1);
    assert.equal(hubRefCount(resultHub), 1);
    await tr.backend!.set(meta('t'));
    const direct = new MemoryTransport(`memory://${resultHub}`);
    assert.equal((await direct.backend!.get('t'))?.result, 1);
    const brokerSide = new MemoryTransport(`memory://${brokerHub}`);
    assert.equal(await brokerSide.backend!.get('t'), undefined);
    await tr.close();
    assert.equal(hubRefCount(brokerHub), 1);
    assert.equal(hubRefCount(resultHub), 1);
    await direct.close();
    await brokerSide.close();
  });

  test('a backendUrl naming the broker hub shares it', async (t) => {
    const url = `memory://${uniqueName('hub')}`;
    const tr = await openTransport(url, { backendUrl: `${url}/` });
    t.after(() => tr.close());
    assert.ok(tr instanceof MemoryTransport);
    assert.ok(tr.backend);
  });

  test('an unsupported or malformed URL rejects with ConfigError', async () => {
    await assert.rejects(openTransport('redis://localhost:6379'), ConfigError);
    await assert.rejects(openTransport('nats://'), ConfigError);
    await assert.rejects(openTransport('memory://x', { backendUrl: 'amqp://guest@localhost' }), ConfigError);
  });
});
