import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { Actor, type ActorOptions, type Reply } from '../../../src/actors/actor.ts';
import type { ExitReason } from '../../../src/actors/child.ts';
import { SimulatedClock } from '../../../src/actors/clock.ts';
import { ClosedError, OverflowError, TimeoutError } from '../../../src/errors.ts';
import { deferred } from '../../../src/util/deferred.ts';
import { captureLogger, turn, unhandledRejections, until, WARN } from './support.ts';

type Msg =
  | { type: 'add'; n: number }
  | { type: 'get'; reply: Reply<number> }
  | { type: 'slow'; tag: string; gate: Promise<void> }
  | { type: 'hold'; reply: Reply<number> } // never answered by the handler
  | { type: 'throw'; error: Error }
  | { type: 'reject'; error: Error };

class Counter extends Actor<Msg> {
  total = 0;
  seen: string[] = [];
  active = 0;
  maxActive = 0;
  events: string[] = [];

  constructor(options: ActorOptions<Msg> = {}) {
    super(options);
  }

  protected override preStart(): void {
    this.events.push('preStart');
  }

  protected override postStop(): void {
    this.events.push('postStop');
  }

  protected override receive(msg: Msg): void | Promise<void> {
    switch (msg.type) {
      case 'add':
        this.total += msg.n;
        return;
      case 'get':
        msg.reply.resolve(this.total);
        return;
      case 'slow':
        return this.#slow(msg.tag, msg.gate);
      case 'hold':
        return;
      case 'throw':
        throw msg.error;
      case 'reject':
        return Promise.reject(msg.error);
    }
  }

  async #slow(tag: string, gate: Promise<void>): Promise<void> {
    this.active++;
    this.maxActive = Math.max(this.maxActive, this.active);
    this.seen.push(`start ${tag}`);
    await gate;
    this.seen.push(`end ${tag}`);
    this.active--;
  }

  crashFromOutside(err: unknown): void {
    this.fail(err);
  }
}

function exits(actor: Actor<Msg>): ExitReason[] {
  const out: ExitReason[] = [];
  actor.onExit((r) => out.push(r));
  return out;
}

describe('Actor', () => {
  test('holds messages sent before start and handles them in order after', async (t) => {
    const a = new Counter();
    t.after(() => a.stop());
    assert.equal(a.tell({ type: 'add', n: 1 }), true);
    assert.equal(a.tell({ type: 'add', n: 2 }), true);
    await turn();
    assert.equal(a.total, 0);
    await a.start();
    assert.equal(await a.ask<number>((reply) => ({ type: 'get', reply })), 3);
    assert.equal(a.status, 'running');
    assert.deepEqual(a.events, ['preStart']);
  });

  test('a slow async handler never overlaps with the next message', async (t) => {
    const a = new Counter();
    t.after(() => a.stop());
    await a.start();
    const gates = [deferred<void>(), deferred<void>(), deferred<void>()];
    gates.forEach((g, i) => a.tell({ type: 'slow', tag: String(i), gate: g.promise }));
    await until(() => a.seen.length === 1, 'first handler running');
    await turn();
    assert.deepEqual(a.seen, ['start 0']); // the second waits although the first is suspended
    gates[2]!.resolve();
    gates[1]!.resolve();
    gates[0]!.resolve();
    assert.equal(await a.ask<number>((reply) => ({ type: 'get', reply })), 0);
    assert.deepEqual(a.seen, ['start 0', 'end 0', 'start 1', 'end 1', 'start 2', 'end 2']);
    assert.equal(a.maxActive, 1);
  });

  test('handles a long burst of sync messages, yielding to the loop', async (t) => {
    const a = new Counter();
    t.after(() => a.stop());
    await a.start();
    for (let i = 0; i < 2000; i++) a.tell({ type: 'add', n: 1 });
    assert.equal(await a.ask<number>((reply) => ({ type: 'get', reply })), 2000);
  });

  test('a full mailbox refuses, counts, logs and reports the overflow', async (t) => {
    const { logger, lines } = captureLogger();
    const refused: Msg[] = [];
    const a = new Counter({ mailboxCapacity: 2, logger, onOverflow: (m) => refused.push(m) });
    t.after(() => a.stop());
    assert.equal(a.tell({ type: 'add', n: 1 }), true);
    assert.equal(a.tell({ type: 'add', n: 2 }), true);
    const extra: Msg = { type: 'add', n: 4 };
    assert.equal(a.tell(extra), false);
    assert.equal(a.overflowCount, 1);
    assert.deepEqual(refused, [extra]);
    assert.ok(lines.some((l) => l.level === WARN && l['overflowCount'] === 1 && l['actor'] === 'Counter'));
    await assert.rejects(
      a.ask<number>((reply) => ({ type: 'get', reply })),
      (e: unknown) => e instanceof OverflowError,
    );
    assert.equal(a.overflowCount, 2);
    await a.start();
    assert.equal(await a.ask<number>((reply) => ({ type: 'get', reply })), 3);
  });

  test('ask times out on the injected clock, and a late reply is ignored', async (t) => {
    const clock = new SimulatedClock();
    const a = new Counter({ clock });
    t.after(() => a.stop());
    await a.start();
    let held: Reply<number> | undefined;
    const p = a.ask<number>((reply) => {
      held = reply;
      return { type: 'hold', reply };
    }, 100);
    clock.advance(99);
    await turn();
    clock.advance(1);
    await assert.rejects(p, (e: unknown) => e instanceof TimeoutError);
    held!.resolve(5); // no effect, no throw
    assert.equal(clock.pendingCount, 0);
  });

  test('an answered ask cancels its timer', async (t) => {
    const clock = new SimulatedClock();
    const a = new Counter({ clock });
    t.after(() => a.stop());
    await a.start();
    assert.equal(await a.ask<number>((reply) => ({ type: 'get', reply }), 1000), 0);
    assert.equal(clock.pendingCount, 0);
  });

  test('stop rejects pending asks with ClosedError, runs postStop once, reports shutdown', async () => {
    const a = new Counter();
    const seen = exits(a);
    await a.start();
    const gate = deferred<void>();
    a.tell({ type: 'slow', tag: 'x', gate: gate.promise });
    const held = assert.rejects(
      a.ask<number>((reply) => ({ type: 'hold', reply })),
      (e: unknown) => e instanceof ClosedError,
    );
    const queued = assert.rejects(
      a.ask<number>((reply) => ({ type: 'get', reply })),
      (e: unknown) => e instanceof ClosedError,
    );
    await until(() => a.seen.length === 1, 'slow handler running');
    const s1 = a.stop();
    const s2 = a.stop();
    assert.equal(s1, s2);
    assert.equal(a.status, 'stopping');
    assert.equal(a.tell({ type: 'add', n: 1 }), false);
    assert.equal(a.overflowCount, 0); // refused because stopped, not an overflow
    gate.resolve();
    await s1;
    await held;
    await queued;
    assert.deepEqual(a.seen, ['start x', 'end x']); // the message in hand finished
    assert.deepEqual(a.events, ['preStart', 'postStop']);
    assert.equal(a.status, 'stopped');
    assert.deepEqual(seen, [{ kind: 'shutdown' }]);
    await assert.rejects(a.ask<number>((reply) => ({ type: 'get', reply })), (e: unknown) => e instanceof ClosedError);
    await a.stop();
  });

  for (const kind of ['throw', 'reject'] as const) {
    test(`a handler that ${kind}s crashes the actor and reports a failure, never an unhandled rejection`, async () => {
      const a = new Counter();
      const seen = exits(a);
      await a.start();
      const boom = new Error('boom');
      const pending = assert.rejects(
        a.ask<number>((reply) => ({ type: 'hold', reply })),
        (e: unknown) => e instanceof ClosedError && e.cause === boom,
      );
      a.tell({ type: kind, error: boom });
      a.tell({ type: 'add', n: 1 }); // queued behind the crash: never handled
      await until(() => seen.length === 1, 'exit reported');
      assert.deepEqual(seen, [{ kind: 'failure', error: boom }]);
      assert.equal(a.status, 'crashed');
      assert.equal(a.total, 0);
      assert.deepEqual(a.events, ['preStart', 'postStop']);
      await pending;
      assert.equal(a.tell({ type: 'add', n: 1 }), false);
      await a.stop(); // resolves after a crash
      await turn();
      assert.deepEqual(unhandledRejections(), []);
    });
  }

  test('fail() crashes the actor from outside a handler', async () => {
    const a = new Counter();
    const seen = exits(a);
    await a.start();
    const err = new Error('lost');
    a.crashFromOutside(err);
    await a.stop();
    assert.deepEqual(seen, [{ kind: 'failure', error: err }]);
    assert.equal(a.status, 'crashed');
  });

  test('a listener registered after the exit still hears it', async () => {
    const a = new Counter();
    await a.start();
    await a.stop();
    const seen = exits(a);
    assert.deepEqual(seen, []);
    await turn();
    assert.deepEqual(seen, [{ kind: 'shutdown' }]);
  });

  test('a failing preStart rejects start, handles nothing, and reports no exit', async () => {
    const err = new Error('no');
    class Broken extends Counter {
      protected override preStart(): void {
        throw err;
      }
    }
    const a = new Broken();
    const seen = exits(a);
    const pending = assert.rejects(
      a.ask<number>((reply) => ({ type: 'get', reply })),
      (e: unknown) => e instanceof ClosedError && e.cause === err,
    );
    await assert.rejects(a.start(), (e: unknown) => e === err);
    await pending;
    assert.equal(a.status, 'crashed');
    await a.stop();
    await turn();
    assert.deepEqual(seen, []);
    assert.deepEqual(a.events, []);
  });

  test('stop before start reports shutdown without running hooks', async () => {
    const a = new Counter();
    const seen = exits(a);
    await a.stop();
    assert.equal(a.status, 'stopped');
    assert.deepEqual(seen, [{ kind: 'shutdown' }]);
    assert.deepEqual(a.events, []);
    await assert.rejects(a.start(), (e: unknown) => e instanceof ClosedError);
  });

  test('await using stops the actor', async () => {
    let ref: Counter | undefined;
    {
      await using a = new Counter();
      ref = a;
      await a.start();
    }
    assert.equal(ref.status, 'stopped');
  });

  test('ids are unique and names default to the class name', async () => {
    const a = new Counter();
    const b = new Counter({ name: 'other' });
    assert.equal(a.name, 'Counter');
    assert.equal(b.name, 'other');
    assert.notEqual(a.id, b.id);
    await Promise.all([a.stop(), b.stop()]);
  });
});
