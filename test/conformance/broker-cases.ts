/** Broker conformance: ordering, credit, delays, redelivery, dedup, dead letters, purge. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ClosedError } from '../../src/errors.ts';
import { Latch } from '../helpers/latch.ts';
import { uniqueName } from '../helpers/ns.ts';
import { frame, Inbox, label, type MakeTransport, openFor, quiet } from './support.ts';

export function brokerCases(make: MakeTransport): void {
  describe('broker', () => {
    test('serves the highest priority first', async (t) => {
      const { broker } = await openFor(t, make);
      const q = uniqueName('prio');
      const sent: [string, number][] = [['a', 0], ['b', 5], ['c', 9], ['d', 5], ['e', 0], ['f', 9]];
      for (const [l, priority] of sent) await broker.publish(q, frame(l), { priority });
      const inbox = new Inbox(broker, q);
      inbox.sub.request(6);
      const got = await inbox.until(6, 'all six');
      assert.deepEqual(inbox.labels, ['c', 'f', 'b', 'd', 'a', 'e']);
      assert.deepEqual(got.map((d) => d.priority), [9, 9, 5, 5, 0, 0]);
      await Promise.all(got.map((d) => d.ack()));
    });

    test('keeps FIFO order within a priority', async (t) => {
      const { broker } = await openFor(t, make);
      const q = uniqueName('fifo');
      const labels = Array.from({ length: 20 }, (_, i) => `m${i}`);
      for (const l of labels) await broker.publish(q, frame(l), { priority: 3 });
      const inbox = new Inbox(broker, q);
      inbox.sub.request(20);
      const got = await inbox.until(20, 'twenty in order');
      assert.deepEqual(inbox.labels, labels);
      assert.ok(got.every((d) => d.deliveryCount === 1 && !d.redelivered));
      await Promise.all(got.map((d) => d.ack()));
    });

    test('never delivers beyond the credit requested', async (t) => {
      const { broker } = await openFor(t, make);
      const q = uniqueName('credit');
      for (let i = 0; i < 10; i++) await broker.publish(q, frame(`m${i}`));
      const inbox = new Inbox(broker, q);
      inbox.sub.request(3);
      await inbox.until(3, 'first three');
      await quiet(150);
      assert.equal(inbox.deliveries.length, 3);
      assert.equal(inbox.sub.credit, 0);
      inbox.sub.request(2);
      await inbox.until(5, 'two more');
      await quiet(150);
      assert.equal(inbox.deliveries.length, 5);
      await Promise.all(inbox.deliveries.map((d) => d.ack()));
      assert.equal(await broker.size(q), 5);
    });

    test('hands deliveries over asynchronously, never inside publish or request', async (t) => {
      const { broker } = await openFor(t, make);
      const q = uniqueName('async');
      let inside = false;
      let reentrant = false;
      const inbox = new Inbox(broker, q, { onDelivery: () => void (reentrant ||= inside) });
      inside = true;
      inbox.sub.request(1);
      const published = broker.publish(q, frame('x'));
      inside = false;
      await published;
      const [d] = await inbox.until(1, 'the delivery');
      assert.equal(reentrant, false);
      await d!.ack();
    });

    test('holds a notBefore message until it is due', async (t) => {
      const { broker } = await openFor(t, make);
      const q = uniqueName('eta');
      const notBefore = Date.now() + 300;
      await broker.publish(q, frame('later'), { notBefore });
      await broker.publish(q, frame('now'));
      assert.equal(await broker.size(q), 2);
      const inbox = new Inbox(broker, q);
      inbox.sub.request(2);
      await inbox.until(2, 'both messages');
      assert.deepEqual(inbox.labels, ['now', 'later']);
      assert.ok(inbox.times[1]! >= notBefore - 5, `delivered ${notBefore - inbox.times[1]!} ms early`);
      await Promise.all(inbox.deliveries.map((d) => d.ack()));
    });

    test('nack with a delay redelivers after the delay', async (t) => {
      const { broker } = await openFor(t, make);
      const q = uniqueName('nack-delay');
      await broker.publish(q, frame('x'));
      const inbox = new Inbox(broker, q);
      inbox.sub.request(2);
      const [first] = await inbox.until(1, 'first delivery');
      assert.equal(first!.deliveryCount, 1);
      assert.equal(first!.redelivered, false);
      const nackedAt = Date.now();
      await first!.nack({ delay: 250 });
      const [, second] = await inbox.until(2, 'redelivery after the delay');
      assert.ok(inbox.times[1]! - nackedAt >= 240, `redelivered after ${inbox.times[1]! - nackedAt} ms`);
      assert.equal(second!.deliveryCount, 2);
      assert.equal(second!.redelivered, true);
      assert.equal(label(second!), 'x');
      await second!.ack();
    });

    test('nack without a delay redelivers at once', async (t) => {
      const { broker } = await openFor(t, make);
      const q = uniqueName('nack');
      await broker.publish(q, frame('x'));
      const inbox = new Inbox(broker, q);
      inbox.sub.request(2);
      const [first] = await inbox.until(1, 'first delivery');
      await first!.nack();
      const [, second] = await inbox.until(2, 'immediate redelivery', 1_000);
      assert.equal(second!.deliveryCount, 2);
      assert.equal(second!.redelivered, true);
      await second!.ack();
    });

    test('redelivers to another consumer after the visibility timeout', async (t) => {
      const { broker } = await openFor(t, make, { visibilityTimeout: 250 });
      const q = uniqueName('visibility');
      const holder = new Inbox(broker, q);
      holder.sub.request(1);
      await broker.publish(q, frame('x'));
      const [stale] = await holder.until(1, 'first delivery');
      const other = new Inbox(broker, q);
      other.sub.request(1);
      const [fresh] = await other.until(1, 'redelivery after the visibility timeout', 1_500);
      assert.equal(fresh!.deliveryCount, 2);
      assert.equal(fresh!.redelivered, true);
      assert.equal(label(fresh!), 'x');
      // The stale holder's ack neither fails nor disturbs the new holder's claim.
      await stale!.ack();
      await fresh!.ack();
      holder.sub.request(1);
      await quiet(100);
      assert.equal(holder.deliveries.length + other.deliveries.length, 2);
      assert.equal(await broker.size(q), 0);
    });

    test('working() extends the visibility deadline', async (t) => {
      const { broker } = await openFor(t, make, { visibilityTimeout: 250 });
      const q = uniqueName('working');
      const holder = new Inbox(broker, q);
      holder.sub.request(1);
      await broker.publish(q, frame('long'));
      const [d] = await holder.until(1, 'the delivery');
      const other = new Inbox(broker, q);
      other.sub.request(1);
      for (let i = 0; i < 5; i++) {
        await quiet(100);
        await d!.working();
      }
      assert.equal(other.deliveries.length, 0, 'redelivered although working() was called');
      await d!.ack();
      await quiet(100);
      assert.equal(other.deliveries.length, 0);
    });

    test('drops a second publish with the same msgId', async (t) => {
      const { broker } = await openFor(t, make);
      const q = uniqueName('dedup');
      const msgId = uniqueName('task');
      await broker.publish(q, frame('one'), { msgId });
      await broker.publish(q, frame('two'), { msgId });
      await broker.publish(q, frame('other'), { msgId: `${msgId}-b` });
      assert.equal(await broker.size(q), 2);
      const inbox = new Inbox(broker, q);
      inbox.sub.request(3);
      await inbox.until(2, 'two distinct messages');
      await quiet(100);
      assert.deepEqual(inbox.labels, ['one', 'other']);
      await Promise.all(inbox.deliveries.map((d) => d.ack()));
    });

    test('publishMany stores every message', async (t) => {
      const { broker } = await openFor(t, make);
      const q = uniqueName('many');
      await broker.publishMany([0, 1, 2].map((i) => ({ queue: q, frame: frame(`m${i}`), opts: { msgId: uniqueName('id') } })));
      assert.equal(await broker.size(q), 3);
      const inbox = new Inbox(broker, q);
      inbox.sub.request(3);
      await inbox.until(3, 'the batch');
      assert.deepEqual(inbox.labels, ['m0', 'm1', 'm2']);
      await Promise.all(inbox.deliveries.map((d) => d.ack()));
    });

    test('reject moves the message to the dead letters', async (t) => {
      const { broker } = await openFor(t, make);
      const q = uniqueName('dead');
      await broker.publish(q, frame('poison'));
      const inbox = new Inbox(broker, q);
      inbox.sub.request(2);
      const [d] = await inbox.until(1, 'the delivery');
      const before = Date.now();
      await d!.reject('cannot decode');
      const dead = await broker.deadLetters(q);
      assert.equal(dead.length, 1);
      assert.equal(dead[0]!.queue, q);
      assert.equal(dead[0]!.reason, 'cannot decode');
      assert.equal(new TextDecoder().decode(dead[0]!.frame), 'poison');
      assert.ok(Math.abs(dead[0]!.at - before) < 1_000);
      assert.ok((await broker.deadLetters()).some((x) => x.queue === q));
      await quiet(100);
      assert.equal(inbox.deliveries.length, 1, 'a rejected message came back');
      assert.equal(await broker.size(q), 0);
    });

    test('size counts waiting messages and purge removes them', async (t) => {
      const { broker } = await openFor(t, make);
      const q = uniqueName('purge');
      assert.equal(await broker.size(q), 0);
      for (let i = 0; i < 3; i++) await broker.publish(q, frame(`m${i}`), { priority: i });
      await broker.publish(q, frame('later'), { notBefore: Date.now() + 60_000 });
      assert.equal(await broker.size(q), 4);
      assert.equal(await broker.purge(q), 4);
      assert.equal(await broker.size(q), 0);
      const inbox = new Inbox(broker, q);
      inbox.sub.request(5);
      await quiet(150);
      assert.equal(inbox.deliveries.length, 0);
    });

    test('two subscriptions share a queue and the load spreads', async (t) => {
      const { broker } = await openFor(t, make);
      const q = uniqueName('shared');
      const total = 20;
      const worker = (onDone: () => void) => {
        const inbox: Inbox = new Inbox(broker, q, {
          onDelivery: (d) => {
            // A short piece of work before asking for the next one, as a worker would.
            setTimeout(() => {
              void d.ack().then(() => {
                inbox.sub.request(1);
                onDone();
              });
            }, 5);
          },
        });
        return inbox;
      };
      const done = new Latch(total, 'all shared messages acked');
      const a = worker(() => done.countDown());
      const b = worker(() => done.countDown());
      for (let i = 0; i < total; i++) await broker.publish(q, frame(`m${i}`));
      a.sub.request(1);
      b.sub.request(1);
      await done.wait(3_000);
      const labels = [...a.labels, ...b.labels];
      assert.equal(labels.length, total);
      assert.equal(new Set(labels).size, total, 'a message was delivered twice');
      assert.ok(a.deliveries.length > 0 && b.deliveries.length > 0, `a got ${a.deliveries.length}, b got ${b.deliveries.length}`);
    });

    test('two transports on the same URL share queues', async (t) => {
      const one = await openFor(t, make);
      const two = await openFor(t, make);
      const q = uniqueName('cross');
      await one.broker.publish(q, frame('hello'));
      const inbox = new Inbox(two.broker, q);
      inbox.sub.request(1);
      const [d] = await inbox.until(1, 'delivery on the other transport');
      assert.equal(label(d!), 'hello');
      await d!.ack();
    });

    test('a closed transport rejects publish with ClosedError', async () => {
      const transport = await make();
      await transport.close();
      await assert.rejects(transport.broker.publish(uniqueName('closed'), frame('x')), ClosedError);
      await transport.close(); // idempotent
    });
  });
}
