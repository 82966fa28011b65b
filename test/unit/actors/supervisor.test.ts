import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { Actor } from '../../../src/actors/actor.ts';
import type { ExitReason } from '../../../src/actors/child.ts';
import { SimulatedClock } from '../../../src/actors/clock.ts';
import {
  Supervisor,
  type EscalationReason,
  type SupervisorOptions,
  type ChildSpec,
} from '../../../src/actors/supervisor.ts';
import { CeleriacError, ClosedError, ConfigError } from '../../../src/errors.ts';
import { deferred } from '../../../src/util/deferred.ts';
import { Fleet } from './fake-child.ts';
import { captureLogger, turn, unhandledRejections, until, WARN } from './support.ts';

function supervise(specs: ChildSpec[], opts: SupervisorOptions = {}) {
  const clock = new SimulatedClock(1_000);
  const escalations: EscalationReason[] = [];
  const escalated = deferred<EscalationReason>();
  const sup = new Supervisor(specs, {
    clock,
    maxRestarts: 3,
    periodMs: 5_000,
    ...opts,
    onEscalate: (r) => {
      escalations.push(r);
      escalated.resolve(r);
    },
  });
  const exits: ExitReason[] = [];
  sup.onExit((r) => exits.push(r));
  return { sup, clock, escalations, escalated: escalated.promise, exits };
}

describe('Supervisor', () => {
  test('starts children in order and stops them in reverse order', async () => {
    const f = new Fleet();
    const { sup, exits } = supervise([f.spec('a'), f.spec('b'), f.spec('c')]);
    await sup.start();
    assert.equal(sup.status, 'running');
    assert.deepEqual(f.journal, ['start a', 'start b', 'start c']);
    await sup.stop();
    assert.deepEqual(f.journal.slice(3), ['stop c', 'stop b', 'stop a']);
    assert.equal(sup.status, 'stopped');
    assert.deepEqual(exits, [{ kind: 'shutdown' }]);
    assert.equal(sup.stop(), sup.stop());
  });

  test('one_for_one restarts only the failed child, within budget', async (t) => {
    const f = new Fleet();
    const { sup, escalations } = supervise([f.spec('a'), f.spec('b'), f.spec('c')]);
    t.after(() => sup.stop());
    await sup.start();
    const first = f.get('b');
    first.crash();
    await until(() => f.starts.get('b') === 2, 'b restarted');
    assert.deepEqual(f.journal.slice(3), ['crash b', 'start b']);
    assert.notEqual(f.get('b'), first);
    assert.equal(sup.child('b'), f.get('b'));
    assert.equal(sup.restarts, 1);
    assert.equal(sup.status, 'running');
    assert.deepEqual(escalations, []);
  });

  test('exceeding the restart budget stops everything in reverse order and escalates', async () => {
    const f = new Fleet();
    const { logger, lines } = captureLogger();
    const { sup, escalated, exits } = supervise([f.spec('a'), f.spec('b'), f.spec('c')], {
      maxRestarts: 2,
      logger,
      name: 'worker',
    });
    await sup.start();
    for (let i = 1; i <= 2; i++) {
      f.get('b').crash();
      await until(() => f.starts.get('b') === i + 1, `restart ${i}`);
    }
    const boom = new Error('third');
    f.get('b').crash(boom);
    const reason = await escalated;
    assert.deepEqual(reason, {
      supervisor: 'worker',
      childId: 'b',
      exit: { kind: 'failure', error: boom },
      maxRestarts: 2,
      periodMs: 5_000,
    });
    assert.deepEqual(f.journal.slice(-3), ['crash b', 'stop c', 'stop a']);
    assert.equal(f.starts.get('b'), 3);
    assert.equal(sup.status, 'escalated');
    await until(() => exits.length === 1, 'supervisor exit');
    const exit = exits[0]!;
    assert.ok(exit.kind === 'failure' && exit.error instanceof CeleriacError && exit.error.cause === boom);
    assert.ok(lines.some((l) => l.level >= WARN && l['supervisor'] === 'worker' && l['child'] === 'b'));
    await sup.stop(); // resolves; nothing left to stop
    assert.equal(sup.status, 'escalated');
  });

  test('restarts spread beyond the period do not escalate', async (t) => {
    const f = new Fleet();
    const { sup, clock, escalations } = supervise([f.spec('a')], { maxRestarts: 1, periodMs: 1_000 });
    t.after(() => sup.stop());
    await sup.start();
    for (let i = 1; i <= 3; i++) {
      f.get('a').crash();
      await until(() => f.starts.get('a') === i + 1, `restart ${i}`);
      clock.advance(1_001);
    }
    assert.deepEqual(escalations, []);
    assert.equal(sup.status, 'running');
  });

  test('a child that fails its first start rejects start() and is never retried', async () => {
    const f = new Fleet();
    const { sup, exits } = supervise([f.spec('a'), f.spec('b', { failOn: () => true }), f.spec('c')]);
    await assert.rejects(sup.start(), (e: unknown) => e instanceof Error && !(e instanceof CeleriacError));
    assert.deepEqual(f.journal, ['start a', 'startfail b', 'stop a']);
    for (let i = 0; i < 10; i++) await turn();
    assert.equal(f.starts.get('b'), 1);
    assert.equal(f.starts.get('c'), undefined);
    assert.equal(sup.status, 'stopped');
    await sup.stop();
    assert.deepEqual(exits, []);
  });

  test('a child that cannot restart uses up the budget and escalates instead of spinning', async () => {
    const f = new Fleet();
    const { sup, escalated } = supervise([f.spec('a'), f.spec('b', { failOn: (n) => n > 1 })], {
      maxRestarts: 3,
    });
    await sup.start();
    f.get('b').crash();
    const reason = await escalated;
    assert.equal(reason.childId, 'b');
    assert.equal(reason.exit.kind, 'failure');
    // initial start + 3 restart attempts, each counted against the budget of 3
    assert.equal(f.starts.get('b'), 4);
    assert.equal(f.journal.at(-1), 'stop a');
    for (let i = 0; i < 10; i++) await turn();
    assert.equal(f.starts.get('b'), 4);
  });

  test('rest_for_one restarts the failed child and those started after it, in order', async (t) => {
    const f = new Fleet();
    const { sup } = supervise([f.spec('a'), f.spec('b'), f.spec('c'), f.spec('d')], {
      strategy: 'rest_for_one',
    });
    t.after(() => sup.stop());
    await sup.start();
    const a = f.get('a');
    f.get('b').crash();
    await until(() => f.starts.get('d') === 2, 'd restarted');
    assert.deepEqual(f.journal.slice(4), ['crash b', 'stop d', 'stop c', 'start b', 'start c', 'start d']);
    assert.equal(f.get('a'), a);
    assert.equal(sup.restarts, 1); // one failure, one restart counted
  });

  test('rest_for_one drops a temporary sibling instead of restarting it', async (t) => {
    const f = new Fleet();
    const { sup } = supervise([f.spec('a'), f.spec('t', { restart: 'temporary' }), f.spec('c')], {
      strategy: 'rest_for_one',
    });
    t.after(() => sup.stop());
    await sup.start();
    f.get('a').crash();
    await until(() => f.starts.get('c') === 2, 'c restarted');
    assert.deepEqual(f.journal.slice(3), ['crash a', 'stop c', 'stop t', 'start a', 'start c']);
    assert.deepEqual(sup.children().map((c) => c.id), ['a', 'c']);
  });

  test('transient restarts on failure only; permanent on any exit; temporary never', async (t) => {
    const f = new Fleet();
    const { sup } = supervise([
      f.spec('p', { restart: 'permanent' }),
      f.spec('tr', { restart: 'transient' }),
      f.spec('tmp', { restart: 'temporary' }),
    ]);
    t.after(() => sup.stop());
    await sup.start();
    f.get('tr').finish();
    f.get('tmp').crash();
    f.get('p').finish();
    await until(() => f.starts.get('p') === 2, 'p restarted after a normal exit');
    for (let i = 0; i < 5; i++) await turn();
    assert.equal(f.starts.get('tr'), 1);
    assert.equal(f.starts.get('tmp'), 1);
    assert.equal(sup.child('tr'), undefined);
    assert.deepEqual(sup.children().map((c) => c.id), ['p', 'tr']); // temporary is forgotten
    // The transient child above is gone for good; a fresh one shows it does restart on a failure.
    const g = new Fleet();
    const s2 = supervise([g.spec('tr', { restart: 'transient' })]).sup;
    t.after(() => s2.stop());
    await s2.start();
    g.get('tr').crash();
    await until(() => g.starts.get('tr') === 2, 'transient restarted after a failure');
  });

  test('a hung child stop is abandoned after shutdownMs; a throwing stop does not halt teardown', async () => {
    const f = new Fleet();
    const { logger, lines } = captureLogger();
    const { sup, clock } = supervise(
      [f.spec('a'), f.spec('hung', { stopMode: 'hang', shutdownMs: 2_000 }), f.spec('bad', { stopMode: 'throw' })],
      { logger },
    );
    await sup.start();
    let stopped = false;
    const stopping = sup.stop().then(() => (stopped = true));
    await f.get('hung').stopCalled.promise;
    clock.advance(1_999);
    for (let i = 0; i < 5; i++) await turn();
    assert.equal(stopped, false);
    clock.advance(1);
    await stopping;
    assert.deepEqual(f.journal.slice(3), ['stop bad', 'stop hung', 'stop a']);
    assert.ok(lines.some((l) => l.level === WARN && l['child'] === 'hung' && l['shutdownMs'] === 2_000));
    assert.equal(clock.pendingCount, 0);
    assert.deepEqual(unhandledRejections(), []);
  });

  test('stop during a start finishes the start, then stops what started', async () => {
    const f = new Fleet();
    const gate = deferred<void>();
    const slow: ChildSpec = {
      id: 'slow',
      start: async () => {
        await gate.promise;
        return f.spec('slowchild').start();
      },
    };
    const { sup } = supervise([f.spec('a'), slow, f.spec('c')]);
    const starting = assert.rejects(sup.start(), (e: unknown) => e instanceof ClosedError);
    await until(() => f.journal.length === 1, 'a started');
    const stopping = sup.stop();
    gate.resolve();
    await starting;
    await stopping;
    assert.deepEqual(f.journal, ['start a', 'start slowchild', 'stop slowchild', 'stop a']);
    assert.equal(sup.status, 'stopped');
  });

  test('nested: an inner supervisor that escalates is restarted by the outer one', async (t) => {
    const f = new Fleet();
    let inners = 0;
    const innerSpec: ChildSpec = {
      id: 'inner',
      start: async () => {
        inners++;
        const inner = new Supervisor([f.spec(`x${inners}`)], { maxRestarts: 0, clock: new SimulatedClock() });
        await inner.start();
        return inner;
      },
    };
    const { sup } = supervise([f.spec('a'), innerSpec]);
    t.after(() => sup.stop());
    await sup.start();
    f.get('x1').crash();
    await until(() => inners === 2, 'inner restarted');
    await until(() => f.latest.has('x2'), 'x2 started');
    assert.deepEqual(f.journal, ['start a', 'start x1', 'crash x1', 'start x2']);
    assert.equal(sup.restarts, 1);
    await sup.stop();
    assert.deepEqual(f.journal.slice(4), ['stop x2', 'stop a']);
  });

  test('an actor child whose handler throws is restarted as a fresh actor', async (t) => {
    const created: Echo[] = [];
    class Echo extends Actor<'boom' | 'ping'> {
      handled = 0;
      protected override async receive(msg: 'boom' | 'ping'): Promise<void> {
        if (msg === 'boom') throw new Error('handler failed');
        this.handled++;
      }
    }
    const spec: ChildSpec = {
      id: 'echo',
      start: async () => {
        const a = new Echo();
        created.push(a);
        await a.start();
        return a;
      },
    };
    const { sup } = supervise([spec]);
    t.after(() => sup.stop());
    await sup.start();
    created[0]!.tell('boom');
    await until(() => created.length === 2, 'actor restarted');
    assert.equal(created[0]!.status, 'crashed');
    assert.equal(sup.child('echo'), created[1]);
    assert.equal(created[1]!.tell('ping'), true);
    await turn();
    assert.equal(created[1]!.handled, 1);
    assert.deepEqual(unhandledRejections(), []);
  });

  test('startChild appends and removeChild stops and forgets', async (t) => {
    const f = new Fleet();
    const { sup } = supervise([f.spec('a')]);
    t.after(() => sup.stop());
    await assert.rejects(sup.startChild(f.spec('early')), (e: unknown) => e instanceof ClosedError);
    await sup.start();
    const b = await sup.startChild(f.spec('b'));
    assert.equal(b, f.get('b'));
    await assert.rejects(sup.startChild(f.spec('b')), (e: unknown) => e instanceof ConfigError);
    await sup.removeChild('a');
    assert.deepEqual(sup.children().map((c) => c.id), ['b']);
    f.get('b').crash();
    await until(() => f.starts.get('b') === 2, 'b restarted');
    await sup.stop();
    assert.deepEqual(f.journal, ['start a', 'start b', 'stop a', 'crash b', 'start b', 'stop b']);
  });

  test('validates its specs and options', () => {
    const f = new Fleet();
    const bad: (() => unknown)[] = [
      () => new Supervisor([f.spec('a'), f.spec('a')]),
      () => new Supervisor([{ id: '', start: () => f.spec('x').start() }]),
      () => new Supervisor([f.spec('a', { shutdownMs: -1 })]),
      () => new Supervisor([{ ...f.spec('a'), restart: 'sometimes' as never }]),
      () => new Supervisor([], { maxRestarts: -1 }),
      () => new Supervisor([], { strategy: 'one_for_all' as never }),
    ];
    for (const make of bad) assert.throws(make, (e: unknown) => e instanceof ConfigError);
  });
});
