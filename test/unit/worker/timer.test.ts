import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { SimulatedClock, systemClock, type Clock } from '../../../src/actors/clock.ts';
import { silentLogger, type Logger } from '../../../src/log/logger.ts';
import type { TaskRequest } from '../../../src/worker/request.ts';
import { TaskTimer } from '../../../src/worker/timer.ts';

const req = (id: string): TaskRequest => ({ id }) as TaskRequest;

function setup(clock: Clock = new SimulatedClock(1_000), logger: Logger = silentLogger()) {
  const due: string[] = [];
  let holds = 0;
  const timer = new TaskTimer({
    clock,
    logger,
    onDue: (r, kind) => due.push(`${r.id}:${kind}@${clock.now()}`),
    onHold: () => void holds++,
  });
  return { clock, due, timer, holds: () => holds };
}

describe('TaskTimer', () => {
  test('hands held tasks back in time order, equal times in hold order, with one clock timer', () => {
    const { clock, due, timer, holds } = setup();
    timer.hold(req('b'), 1_200, 'eta');
    timer.hold(req('a'), 1_100, 'rate');
    timer.hold(req('c'), 1_200, 'eta');
    assert.equal(holds(), 3);
    assert.equal(timer.size, 3);
    assert.equal((clock as SimulatedClock).pendingCount, 1);
    (clock as SimulatedClock).advance(150);
    assert.deepEqual(due, ['a:rate@1100']);
    (clock as SimulatedClock).advance(100);
    assert.deepEqual(due.slice(1), ['b:eta@1200', 'c:eta@1200']);
    assert.equal(timer.size, 0);
  });

  test('scheduled lists eta tasks soonest first; cancel takes tasks out', () => {
    const { clock, due, timer } = setup();
    timer.hold(req('late'), 1_300, 'eta');
    timer.hold(req('rate'), 1_050, 'rate');
    timer.hold(req('soon'), 1_100, 'eta');
    assert.deepEqual(timer.scheduled().map((s) => [s.req.id, s.dueAt]), [['soon', 1_100], ['late', 1_300]]);
    assert.deepEqual(timer.held().map((r) => r.id).sort(), ['late', 'rate', 'soon']);
    assert.deepEqual(timer.cancel((r) => r.id !== 'late').map((r) => r.id), ['rate', 'soon']);
    (clock as SimulatedClock).advance(1_000);
    assert.deepEqual(due, ['late:eta@1300']);
  });

  test('close stops the timer and returns what it held, soonest first; later holds are ignored', () => {
    const { clock, due, timer } = setup();
    timer.hold(req('b'), 1_200, 'eta');
    timer.hold(req('a'), 1_100, 'eta');
    assert.deepEqual(timer.close().map((r) => r.id), ['a', 'b']);
    assert.equal((clock as SimulatedClock).pendingCount, 0);
    timer.hold(req('c'), 1_100, 'eta');
    assert.equal(timer.size, 0);
    (clock as SimulatedClock).advance(1_000);
    assert.deepEqual(due, []);
  });

  test('a throwing onDue is logged with the task id and the other due tasks still run', () => {
    const clock = new SimulatedClock(0);
    const errors: Record<string, unknown>[] = [];
    const logger = { error: (obj: Record<string, unknown>) => errors.push(obj) } as unknown as Logger;
    const ran: string[] = [];
    const timer = new TaskTimer({
      clock,
      logger,
      onDue: (r) => {
        if (r.id === 'bad') throw new Error('boom');
        ran.push(r.id);
      },
      onHold: () => {},
    });
    timer.hold(req('bad'), 10, 'eta');
    timer.hold(req('good'), 10, 'eta');
    clock.advance(10);
    assert.deepEqual(ran, ['good']);
    assert.equal(errors.length, 1);
    assert.equal(errors[0]!.taskId, 'bad');
  });

  test('an eta beyond the 24.8-day timer limit does not fire early or warn', async (t) => {
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    t.after(() => process.off('warning', onWarning));
    const { due, timer } = setup(systemClock);
    t.after(() => timer.close());
    timer.hold(req('far'), Date.now() + 40 * 86_400_000, 'eta');
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(due, []);
    assert.deepEqual(warnings.map((w) => w.name), []);
  });
});
