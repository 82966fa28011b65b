import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Retry, SoftTimeLimitExceeded, TaskRevokedError } from '../../../src/errors.ts';
import type { ExecEvent, ExecOutcome } from '../../../src/protocol/execution.ts';
import { TaskContext } from '../../../src/task/context.ts';
import type { TaskOptions } from '../../../src/task/options.ts';
import type { TaskDefinition } from '../../../src/task/registry.ts';
import { traceTask, type TraceDeps } from '../../../src/task/trace.ts';
import { delay } from '../../../src/util/delay.ts';
import { execRequest } from '../../helpers/exec-request.ts';

class FlakyError extends Error {
  override name = 'FlakyError';
}
class OtherError extends Error {
  override name = 'OtherError';
}

const def = (fn: (...args: never[]) => unknown, options: TaskOptions = {}): TaskDefinition => ({
  name: 't',
  fn,
  options,
});

function collect(): { events: ExecEvent[]; deps: TraceDeps } {
  const events: ExecEvent[] = [];
  return { events, deps: { sink: (ev) => events.push(ev), now: () => 1_000_000, pid: 4242 } };
}

function expectStatus<S extends ExecOutcome['status']>(o: ExecOutcome, status: S): Extract<ExecOutcome, { status: S }> {
  assert.equal(o.status, status, `expected ${status}, got ${JSON.stringify(o)}`);
  return o as Extract<ExecOutcome, { status: S }>;
}

describe('traceTask: calling and results', () => {
  test('plain task gets its args and its value is the outcome', async () => {
    const { deps } = collect();
    const o = expectStatus(await traceTask(def((a: number, b: number) => a + b), execRequest('t', [2, 3]), deps), 'success');
    assert.equal(o.value, 5);
    assert.ok(o.runtime >= 0 && o.runtime < 1);
  });

  test('a returned promise is awaited', async () => {
    const { deps } = collect();
    const o = await traceTask(def(async (a: number) => a * 2), execRequest('t', [21]), deps);
    assert.equal(expectStatus(o, 'success').value, 42);
  });

  test('non-empty kwargs are one extra last argument; empty kwargs are not passed', async () => {
    const { deps } = collect();
    const echo = def((...args: unknown[]) => args);
    const withKw = await traceTask(echo, execRequest('t', [1], { request: { kwargs: { x: 2 } } }), deps);
    assert.deepEqual(expectStatus(withKw, 'success').value, [1, { x: 2 }]);
    const without = await traceTask(echo, execRequest('t', [1]), deps);
    assert.deepEqual(expectStatus(without, 'success').value, [1]);
  });

  test('bind passes a TaskContext with the request first', async () => {
    const { deps } = collect();
    let seen: TaskContext | undefined;
    const fn = (self: TaskContext, a: number) => {
      seen = self;
      return a;
    };
    const exec = execRequest('t', [7], { request: { retries: 2 } });
    await traceTask(def(fn, { bind: true }), exec, deps);
    assert.ok(seen instanceof TaskContext);
    assert.equal(seen.request.id, exec.request.id);
    assert.equal(seen.request.retries, 2);
    assert.equal(seen.signal.aborted, false);
  });

  test('trackStarted sends started before any state event; updateState sends in order', async () => {
    const { events, deps } = collect();
    const fn = (self: TaskContext) => {
      self.updateState('PROGRESS', { current: 1 });
      self.updateState('PROGRESS', { current: 2 });
      return 'ok';
    };
    const exec = execRequest('t', [], { trackStarted: true });
    await traceTask(def(fn, { bind: true }), exec, deps);
    assert.deepEqual(events, [
      { type: 'started', id: exec.request.id, pid: 4242, at: 1_000_000 },
      { type: 'state', id: exec.request.id, state: 'PROGRESS', meta: { current: 1 } },
      { type: 'state', id: exec.request.id, state: 'PROGRESS', meta: { current: 2 } },
    ]);
  });

  test('no started event without trackStarted', async () => {
    const { events, deps } = collect();
    await traceTask(def(() => 1), execRequest('t'), deps);
    assert.deepEqual(events, []);
  });
});

describe('traceTask: failures', () => {
  test('an Error subclass keeps name, message, stack and own fields', async () => {
    class Detailed extends Error {
      override name = 'Detailed';
      detail = 'kept';
    }
    const { deps } = collect();
    const o = expectStatus(
      await traceTask(def(() => {
        throw new Detailed('bad input');
      }), execRequest('t'), deps),
      'failure',
    );
    assert.equal(o.error.name, 'Detailed');
    assert.equal(o.error.message, 'bad input');
    assert.match(o.error.stack ?? '', /Detailed/);
    assert.deepEqual(o.error.data, { detail: 'kept' });
  });

  test('a non-Error throw is wrapped and stays readable', async () => {
    const { deps } = collect();
    const o = expectStatus(
      await traceTask(def(() => {
        throw { reason: 'plain', n: 1 };
      }), execRequest('t'), deps),
      'failure',
    );
    assert.equal(o.error.name, 'NonErrorThrown');
    assert.deepEqual(o.error.data?.['value'], { reason: 'plain', n: 1 });
  });

  test('a rejected promise is a failure', async () => {
    const { deps } = collect();
    const o = await traceTask(def(async () => Promise.reject(new OtherError('later'))), execRequest('t'), deps);
    assert.equal(expectStatus(o, 'failure').error.name, 'OtherError');
  });
});

describe('traceTask: retry (Celery Task.retry)', () => {
  const retrying = (opts: Parameters<TaskContext['retry']>[0], options: TaskOptions = {}) =>
    def((self: TaskContext) => self.retry(opts), { bind: true, ...options });

  test('TaskContext.retry throws Retry carrying its options', () => {
    const ctx = new TaskContext(execRequest('t').request, { sink: () => {} });
    const exc = new FlakyError('x');
    assert.throws(
      () => ctx.retry({ exc, countdown: 3, maxRetries: null }),
      (err: unknown) => err instanceof Retry && err.when.exc === exc && err.when.countdown === 3 && err.when.maxRetries === undefined,
    );
  });

  test('countdown and exc are used; the error is the exc', async () => {
    const { deps } = collect();
    const o = expectStatus(await traceTask(retrying({ exc: new FlakyError('a'), countdown: 5 }), execRequest('t'), deps), 'retry');
    assert.equal(o.countdown, 5);
    assert.equal(o.error.name, 'FlakyError');
  });

  test('without countdown: defaultRetryDelay, else 180; without exc the error is the Retry', async () => {
    const { deps } = collect();
    const a = expectStatus(await traceTask(retrying({}, { defaultRetryDelay: 7 }), execRequest('t'), deps), 'retry');
    assert.equal(a.countdown, 7);
    const b = expectStatus(await traceTask(retrying({}), execRequest('t'), deps), 'retry');
    assert.equal(b.countdown, 180);
    assert.equal(b.error.name, 'Retry');
  });

  test('eta gives the countdown from now', async () => {
    const { deps } = collect();
    const o = expectStatus(await traceTask(retrying({ eta: new Date(1_000_000 + 12_500) }), execRequest('t'), deps), 'retry');
    assert.equal(o.countdown, 12.5);
  });

  test('exhausted (retries + 1 > maxRetries, default 3): the exc, else MaxRetriesExceededError', async () => {
    const { deps } = collect();
    const at = (retries: number) => execRequest('t', [], { request: { retries } });
    expectStatus(await traceTask(retrying({}), at(2), deps), 'retry');
    const withExc = expectStatus(await traceTask(retrying({ exc: new FlakyError('last') }), at(3), deps), 'failure');
    assert.equal(withExc.error.name, 'FlakyError');
    const bare = expectStatus(await traceTask(retrying({}), at(3), deps), 'failure');
    assert.equal(bare.error.name, 'MaxRetriesExceededError');
    assert.equal(bare.error.code, 'CELERIAC_MAX_RETRIES_EXCEEDED');
  });

  test('maxRetries: the call wins over the message, which wins over the task; task null is unlimited', async () => {
    const { deps } = collect();
    const at = (retries: number, maxRetries?: number | null) =>
      execRequest('t', [], { request: { retries }, ...(maxRetries !== undefined ? { maxRetries } : {}) });
    // call: 1 -> the second retry is refused even though the task allows 10
    expectStatus(await traceTask(retrying({ maxRetries: 1 }, { maxRetries: 10 }), at(1), deps), 'failure');
    // message: 5 over the task's 1
    expectStatus(await traceTask(retrying({}, { maxRetries: 1 }), at(3, 5), deps), 'retry');
    // task: 1
    expectStatus(await traceTask(retrying({}, { maxRetries: 1 }), at(1), deps), 'failure');
    // task: null = forever
    expectStatus(await traceTask(retrying({}, { maxRetries: null }), at(1000), deps), 'retry');
  });
});

describe('traceTask: autoretryFor', () => {
  const flaky = (options: TaskOptions) =>
    def(() => {
      throw new FlakyError('always');
    }, { autoretryFor: [FlakyError], ...options });

  test('a listed error retries after defaultRetryDelay with the error as reason', async () => {
    const { deps } = collect();
    const o = expectStatus(await traceTask(flaky({ defaultRetryDelay: 0.5 }), execRequest('t'), deps), 'retry');
    assert.equal(o.countdown, 0.5);
    assert.equal(o.error.name, 'FlakyError');
  });

  test('retryBackoff: factor * 2^retries, capped, with full jitter drawn from random', async () => {
    const { deps } = collect();
    const at = (retries: number) => execRequest('t', [], { request: { retries }, maxRetries: null });
    const noJitter = await traceTask(flaky({ retryBackoff: true, retryJitter: false }), at(2), deps);
    assert.equal(expectStatus(noJitter, 'retry').countdown, 4);
    const factor = await traceTask(flaky({ retryBackoff: 3, retryJitter: false }), at(2), deps);
    assert.equal(expectStatus(factor, 'retry').countdown, 12);
    const capped = await traceTask(flaky({ retryBackoff: true, retryJitter: false, retryBackoffMax: 5 }), at(6), deps);
    assert.equal(expectStatus(capped, 'retry').countdown, 5);
    const jitter = await traceTask(flaky({ retryBackoff: true }), at(2), { ...deps, random: () => 0.5 });
    assert.equal(expectStatus(jitter, 'retry').countdown, 2);
  });

  test('exhausted: the final error is the original exception (CELERY-BEHAVIOUR #20)', async () => {
    const { deps } = collect();
    const o = expectStatus(
      await traceTask(flaky({ maxRetries: 2 }), execRequest('t', [], { request: { retries: 2 } }), deps),
      'failure',
    );
    assert.equal(o.error.name, 'FlakyError');
  });

  test('an error not listed fails at once', async () => {
    const { deps } = collect();
    const task = def(() => {
      throw new OtherError('no');
    }, { autoretryFor: [FlakyError] });
    assert.equal(expectStatus(await traceTask(task, execRequest('t'), deps), 'failure').error.name, 'OtherError');
  });
});

describe('traceTask: soft time limit and revoke', () => {
  // The tracer's timers are unref'd (a library never holds its host open): hold the loop here.
  let keep: ReturnType<typeof setInterval>;
  before(() => (keep = setInterval(() => {}, 1_000)));
  after(() => clearInterval(keep));

  test('soft limit aborts self.signal with SoftTimeLimitExceeded; uncaught it fails', async () => {
    const { deps } = collect();
    let reason: unknown;
    const task = def(async (self: TaskContext) => {
      try {
        await delay(5_000, self.signal);
      } catch (err) {
        reason = err;
        throw err;
      }
    }, { bind: true });
    const o = expectStatus(await traceTask(task, execRequest('t', [], { softTimeLimit: 0.03 }), deps), 'failure');
    assert.ok(reason instanceof SoftTimeLimitExceeded);
    assert.equal(o.error.code, 'CELERIAC_SOFT_TIME_LIMIT_EXCEEDED');
  });

  test('a task that catches the soft limit and returns succeeds', async () => {
    const { deps } = collect();
    const task = def(async (self: TaskContext) => {
      await delay(5_000, self.signal).catch(() => undefined);
      return 'cleaned up';
    }, { bind: true });
    const o = await traceTask(task, execRequest('t', [], { softTimeLimit: 0.03 }), deps);
    assert.equal(expectStatus(o, 'success').value, 'cleaned up');
  });

  test('a revoke aborts self.signal with TaskRevokedError and the outcome is revoked', async () => {
    const { deps } = collect();
    const revoke = new AbortController();
    let reason: unknown;
    const task = def(async (self: TaskContext) => {
      queueMicrotask(() => revoke.abort());
      await delay(5_000, self.signal).catch((err: unknown) => {
        reason = err;
        throw err;
      });
    }, { bind: true });
    const o = await traceTask(task, execRequest('t'), { ...deps, signal: revoke.signal });
    assert.ok(reason instanceof TaskRevokedError);
    assert.equal(expectStatus(o, 'revoked').error.code, 'CELERIAC_TASK_REVOKED');
  });

  test('already revoked: the task never runs', async () => {
    const { deps } = collect();
    let ran = false;
    const revoke = new AbortController();
    revoke.abort();
    const o = await traceTask(def(() => (ran = true)), execRequest('t'), { ...deps, signal: revoke.signal });
    expectStatus(o, 'revoked');
    assert.equal(ran, false);
  });
});
