import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { SimulatedClock } from '../../../src/actors/clock.ts';
import { ClosedError, ConfigError } from '../../../src/errors.ts';
import type { Logger } from '../../../src/log/logger.ts';
import { MemoryBroker, type MemoryBrokerOptions } from '../../../src/transport/memory/broker.ts';
import type { Delivery } from '../../../src/transport/types.ts';

const enc = new TextEncoder();
const dec = new TextDecoder();
const f = (s: string): Uint8Array => enc.encode(s);
const text = (d: Delivery): string => dec.decode(d.frame);
/** Lets microtasks (the dispatch pass) run. */
const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

function setup(t: TestContext, opts: MemoryBrokerOptions = {}) {
  const clock = new SimulatedClock(1_000_000);
  const broker = new MemoryBroker({ clock, ...opts });
  t.after(() => broker.close());
  const got: Delivery[] = [];
  const consume = (queue: string, credit: number, visibilityTimeout?: number) => {
    const sub = broker.subscribe(queue, (d) => got.push(d), { visibilityTimeout });
    sub.request(credit);
    return sub;
  };
  return { clock, broker, got, consume };
}

describe('MemoryBroker (simulated clock)', () => {
  test('delivers a notBefore message exactly when due, with one timer for many', async (t) => {
    const { clock, broker, got, consume } = setup(t);
    const now = clock.now();
    for (let i = 0; i < 1_000; i++) await broker.publish('q', f(`m${i}`), { notBefore: now + 1_000 + i });
    assert.equal(clock.pendingCount, 1, 'one clock timer for a thousand delayed messages');
    assert.equal(await broker.size('q'), 1_000);
    consume('q', 2_000);
    clock.advance(999);
    await settle();
    assert.equal(got.length, 0);
    clock.advance(1);
    await settle();
    assert.deepEqual(got.map(text), ['m0']);
    clock.advance(999);
    await settle();
    assert.equal(got.length, 1_000);
    assert.equal(got[999] && text(got[999]), 'm999');
  });

  test('nack with a delay holds the message for that long', async (t) => {
    const { clock, broker, got, consume } = setup(t);
    await broker.publish('q', f('x'));
    consume('q', 5);
    await settle();
    await got[0]!.nack({ delay: 500 });
    assert.equal(await broker.size('q'), 1);
    clock.advance(499);
    await settle();
    assert.equal(got.length, 1);
    clock.advance(1);
    await settle();
    assert.equal(got.length, 2);
    assert.equal(got[1]!.deliveryCount, 2);
  });

  test('redelivers after the visibility timeout; a subscription may set its own', async (t) => {
    const { clock, broker, got, consume } = setup(t, { visibilityTimeout: 10_000 });
    await broker.publish('short', f('s'));
    await broker.publish('long', f('l'));
    consume('short', 5, 1_000);
    consume('long', 5);
    await settle();
    assert.equal(got.length, 2);
    assert.equal(broker.inFlight(), 2);
    clock.advance(1_000);
    await settle();
    assert.deepEqual(got.map(text), ['s', 'l', 's']);
    assert.equal(got[2]!.redelivered, true);
    clock.advance(9_000);
    await settle();
    assert.deepEqual(got.map(text), ['s', 'l', 's', 's', 'l']);
    assert.deepEqual(got.map((d) => d.deliveryCount), [1, 1, 2, 3, 2]);
  });

  test('working() pushes the deadline back by the visibility timeout', async (t) => {
    const { clock, broker, got, consume } = setup(t);
    await broker.publish('q', f('x'));
    consume('q', 5, 1_000);
    await settle();
    for (let i = 0; i < 5; i++) {
      clock.advance(900);
      await got[0]!.working();
    }
    await settle();
    assert.equal(got.length, 1);
    clock.advance(999);
    await settle();
    assert.equal(got.length, 1);
    clock.advance(1);
    await settle();
    assert.equal(got.length, 2);
  });

  test('a stale holder cannot ack, nack, reject or extend a redelivered message', async (t) => {
    const { clock, broker, got, consume } = setup(t);
    await broker.publish('q', f('x'));
    consume('q', 5, 1_000);
    await settle();
    clock.advance(1_000);
    await settle();
    const [stale, holder] = got;
    assert.equal(holder!.deliveryCount, 2);
    await stale!.ack();
    await stale!.nack();
    await stale!.reject('stale');
    await stale!.working();
    await settle();
    assert.equal(got.length, 2, 'a stale nack redelivered');
    assert.equal(broker.inFlight('q'), 1, 'a stale ack removed the message');
    assert.deepEqual(await broker.deadLetters(), []);
    clock.advance(1_000); // a stale working() did not extend the new holder's deadline
    await settle();
    assert.equal(got.length, 3);
    await got[2]!.ack();
    await got[2]!.ack(); // settling twice is a no-op
    assert.equal(broker.inFlight('q'), 0);
  });

  test('settles synchronously inside the handler and keeps flowing with credit 1', async (t) => {
    const { broker } = setup(t);
    let n = 0;
    const sub = broker.subscribe('q', (d) => {
      n++;
      void d.ack();
      sub.request(1);
    });
    sub.request(1);
    for (let i = 0; i < 10_000; i++) await broker.publish('q', f(`${i}`));
    while (n < 10_000) await settle();
    assert.equal(n, 10_000);
    assert.equal(await broker.size('q'), 0);
  });

  test('a handler that throws is logged and its message comes back after the visibility timeout', async (t) => {
    const errors: unknown[] = [];
    const logger = { error: (o: unknown) => errors.push(o), debug() {}, warn() {} } as unknown as Logger;
    const { clock, broker } = setup(t, { logger });
    let calls = 0;
    const sub = broker.subscribe('q', () => {
      calls++;
      throw new Error('handler bug');
    }, { visibilityTimeout: 100 });
    sub.request(2);
    await broker.publish('q', f('x'));
    await settle();
    assert.equal(calls, 1);
    assert.equal(errors.length, 1);
    clock.advance(100);
    await settle();
    assert.equal(calls, 2);
  });

  test('round robin spreads a queue across subscriptions with credit', async (t) => {
    const { broker } = setup(t);
    const a: string[] = [];
    const b: string[] = [];
    broker.subscribe('q', (d) => a.push(text(d))).request(5);
    broker.subscribe('q', (d) => b.push(text(d))).request(5);
    for (let i = 0; i < 12; i++) await broker.publish('q', f(`${i}`));
    await settle();
    assert.deepEqual([a.length, b.length], [5, 5]);
    assert.equal(await broker.size('q'), 2);
  });

  test('request ignores n < 1 and floors fractions', async (t) => {
    const { broker, got } = setup(t);
    const sub = broker.subscribe('q', (d) => got.push(d));
    sub.request(0);
    sub.request(-3);
    sub.request(Number.NaN);
    sub.request(2.9);
    assert.equal(sub.credit, 2);
    for (let i = 0; i < 5; i++) await broker.publish('q', f(`${i}`));
    await settle();
    assert.equal(got.length, 2);
  });

  test('a closed subscription leaves its deliveries with their holder', async (t) => {
    const { broker, got, consume } = setup(t);
    for (let i = 0; i < 3; i++) await broker.publish('q', f(`${i}`));
    const sub = consume('q', 1);
    await settle();
    await sub.close();
    sub.request(5);
    await settle();
    assert.equal(got.length, 1);
    assert.equal(broker.inFlight('q'), 1);
    await got[0]!.ack();
    assert.equal(broker.inFlight('q'), 0);
    assert.equal(await broker.size('q'), 2);
  });

  test('msgId dedup lasts the window, then the id is accepted again', async (t) => {
    const { clock, broker } = setup(t, { dedupWindow: 60_000 });
    await broker.publish('q', f('a'), { msgId: 'id' });
    clock.advance(59_999);
    await broker.publish('q', f('b'), { msgId: 'id' });
    assert.equal(await broker.size('q'), 1);
    clock.advance(1);
    await broker.publish('q', f('c'), { msgId: 'id' });
    assert.equal(await broker.size('q'), 2);
  });

  test('dedupMaxEntries forgets the oldest ids first', async (t) => {
    const { broker } = setup(t, { dedupMaxEntries: 3 });
    for (const id of ['a', 'b', 'c', 'd']) await broker.publish('q', f(id), { msgId: id });
    await broker.publish('q', f('a2'), { msgId: 'a' }); // forgotten: stored again
    await broker.publish('q', f('d2'), { msgId: 'd' }); // remembered: dropped
    assert.equal(await broker.size('q'), 5);
  });

  test('dead letters are bounded, oldest dropped first, and logged', async (t) => {
    const warned: unknown[] = [];
    const logger = { warn: (o: unknown) => warned.push(o), debug() {}, error() {} } as unknown as Logger;
    const { broker, got, consume } = setup(t, { deadLetterLimit: 3, logger });
    for (let i = 0; i < 5; i++) await broker.publish(i % 2 === 0 ? 'even' : 'odd', f(`${i}`));
    consume('even', 5);
    consume('odd', 5);
    await settle();
    const reasons: string[] = [];
    for (const d of got) {
      reasons.push(`bad ${text(d)}`);
      await d.reject(`bad ${text(d)}`);
    }
    const all = await broker.deadLetters();
    assert.deepEqual(all.map((d) => d.reason), reasons.slice(2));
    assert.equal(warned.length, 5);
    const even = await broker.deadLetters('even');
    assert.deepEqual(even, all.filter((d) => d.queue === 'even'));
    assert.ok(even.every((d) => Number(dec.decode(d.frame)) % 2 === 0));
  });

  test('priorities are clamped into 0-9', async (t) => {
    const { broker, got, consume } = setup(t);
    await broker.publish('q', f('low'), { priority: -4 });
    await broker.publish('q', f('mid'), { priority: 4.6 });
    await broker.publish('q', f('high'), { priority: 42 });
    consume('q', 3);
    await settle();
    assert.deepEqual(got.map((d) => [text(d), d.priority]), [['high', 9], ['mid', 5], ['low', 0]]);
  });

  test('each delivery gets its own copy of the frame', async (t) => {
    const { clock, broker, got, consume } = setup(t);
    await broker.publish('q', f('abc'));
    consume('q', 2, 100);
    await settle();
    got[0]!.frame.fill(0);
    clock.advance(100);
    await settle();
    assert.equal(text(got[1]!), 'abc');
  });

  test('purge removes ready and delayed messages but not in-flight ones', async (t) => {
    const { clock, broker, got, consume } = setup(t);
    await broker.publish('q', f('taken'));
    consume('q', 1);
    await settle();
    await broker.publish('q', f('ready'));
    await broker.publish('q', f('later'), { notBefore: clock.now() + 1_000 });
    assert.equal(await broker.purge('q'), 2);
    assert.equal(await broker.purge('nothing-here'), 0);
    clock.advance(2_000);
    await settle();
    assert.equal(got.length, 1);
    assert.equal(broker.inFlight('q'), 1);
  });

  test('rejects bad options and arguments with ConfigError', async (t) => {
    assert.throws(() => new MemoryBroker({ visibilityTimeout: 0 }), ConfigError);
    assert.throws(() => new MemoryBroker({ dedupWindow: -1 }), ConfigError);
    const { broker } = setup(t);
    await assert.rejects(broker.publish('', f('x')), ConfigError);
    await assert.rejects(broker.publish('q', 'text' as unknown as Uint8Array), ConfigError);
    await assert.rejects(broker.publishMany([{ queue: 'q', frame: f('ok') }, { queue: '', frame: f('x') }]), ConfigError);
    assert.equal(await broker.size('q'), 0, 'a bad batch stores nothing');
    assert.throws(() => broker.subscribe('q', () => {}, { visibilityTimeout: -5 }), ConfigError);
  });

  test('close stops every timer and refuses further use', async (t) => {
    const { clock, broker, got, consume } = setup(t);
    await broker.publish('q', f('held'));
    await broker.publish('q', f('later'), { notBefore: clock.now() + 60_000 });
    consume('q', 5);
    await settle();
    assert.equal(clock.pendingCount, 1);
    await broker.close();
    assert.equal(clock.pendingCount, 0);
    await assert.rejects(broker.publish('q', f('x')), ClosedError);
    await assert.rejects(broker.size('q'), ClosedError);
    assert.throws(() => broker.subscribe('q', () => {}), ClosedError);
    await got[0]!.ack(); // settling after close resolves quietly
    assert.equal(broker.close(), broker.close(), 'close is memoised');
  });
});
