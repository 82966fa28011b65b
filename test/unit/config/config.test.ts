import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../../src/errors.ts';
import { Config, type ConfigChange } from '../../../src/config/config.ts';
import { closest, editDistance } from '../../../src/config/suggest.ts';

type Fields = { key?: string; suggestion?: string; hint?: string; value?: unknown; rule?: string; field?: string };

function catchConfigError(fn: () => unknown): ConfigError & Fields {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    assert.equal(err.code, 'CELERIAC_CONFIG');
    return err as ConfigError & Fields;
  }
  assert.fail('expected a ConfigError');
}

describe('Config.update', () => {
  test('applies values by any spelling and reads them back typed', () => {
    const c = new Config();
    c.update({ taskSerializer: 'json', worker_prefetch_multiplier: 1, CELERY_TIMEZONE: 'Europe/Oslo' });
    const n: number = c.workerPrefetchMultiplier;
    assert.equal(n, 1);
    assert.equal(c.taskSerializer, 'json');
    assert.equal(c.timezone, 'Europe/Oslo');
  });

  test('is all or nothing: one bad value leaves every key unchanged', () => {
    const c = new Config();
    const err = catchConfigError(() =>
      c.update({ taskSerializer: 'json', timezone: 'Europe/Oslo', workerPrefetchMultiplier: -1 }),
    );
    assert.equal(err.key, 'workerPrefetchMultiplier');
    assert.equal(err.value, -1);
    assert.equal(err.rule, 'an integer >= 0');
    assert.equal(c.taskSerializer, 'msgpack');
    assert.equal(c.timezone, 'UTC');
  });

  test('an unknown key is refused with a did-you-mean suggestion, and nothing is applied', () => {
    const c = new Config();
    const cases: [string, string][] = [
      ['taskRoute', 'taskRoutes'],
      ['task_route', 'taskRoutes'],
      ['CELERY_ROUTE', 'taskRoutes'],
      ['taskroutes', 'taskRoutes'],
      ['workerPrefetchMultiplyer', 'workerPrefetchMultiplier'],
      ['timezon', 'timezone'],
      ['brokr', 'broker'],
    ];
    for (const [typo, suggestion] of cases) {
      const err = catchConfigError(() => c.update({ taskSerializer: 'json', [typo]: 1 }));
      assert.equal(err.key, typo);
      assert.equal(err.suggestion, suggestion, typo);
      assert.ok(err.hint?.includes(suggestion));
    }
    assert.equal(c.taskSerializer, 'msgpack');
    const far = catchConfigError(() => c.update({ somethingElseEntirely: 1 }));
    assert.equal(far.suggestion, undefined);
  });

  test('never mutates or keeps the caller object', () => {
    const routes = { 'proj.*': 'hipri' };
    const policy = { max_retries: 1 };
    const input = { taskRoutes: routes, taskPublishRetryPolicy: policy, brokerConnectionOptions: { user: 'u' } };
    const frozen = structuredClone(input);
    const c = new Config(input);
    assert.deepEqual(input, frozen);
    assert.notEqual(c.taskRoutes, routes);
    assert.deepEqual(c.taskRoutes, { 'proj.*': { queue: 'hipri' } });
    routes['proj.*'] = 'changed';
    assert.deepEqual(c.taskRoutes, { 'proj.*': { queue: 'hipri' } });
    assert.ok(Object.isFrozen(c.taskRoutes));
    assert.ok(Object.isFrozen(c.taskPublishRetryPolicy));
  });

  test('undefined resets a key to its default', () => {
    const c = new Config({ timezone: 'Europe/Oslo', backend: 'disabled' });
    c.update({ timezone: undefined, backend: undefined });
    assert.equal(c.timezone, 'UTC');
    assert.equal(c.backend, undefined);
  });

  test('two spellings of one key with different values are refused', () => {
    const err = catchConfigError(() => new Config({ task_routes: { a: 'x' }, CELERY_ROUTES: { a: 'y' } }));
    assert.equal(err.key, 'taskRoutes');
    const c = new Config({ timezone: 'Europe/Oslo', CELERY_TIMEZONE: 'Europe/Oslo' });
    assert.equal(c.timezone, 'Europe/Oslo');
  });

  test('an error for an alias names the camelCase key and keeps the spelling', () => {
    const err = catchConfigError(() => new Config({ CELERYD_PREFETCH_MULTIPLIER: -1 }));
    assert.equal(err.key, 'workerPrefetchMultiplier');
    assert.equal((err as { spelling?: string }).spelling, 'CELERYD_PREFETCH_MULTIPLIER');
  });

  test('takes another Config as its source', () => {
    const a = new Config({ timezone: 'Europe/Oslo', CELERY_ROUTES: { a: 'q' } });
    const b = new Config();
    b.update(a);
    assert.equal(b.timezone, 'Europe/Oslo');
    assert.deepEqual(b.taskRoutes, { a: { queue: 'q' } });
  });

  test('refuses a non-object', () => {
    const c = new Config();
    catchConfigError(() => c.update(null as never));
    catchConfigError(() => c.update('timezone=UTC' as never));
  });
});

describe('Config accessors', () => {
  test('setters validate like update', () => {
    const c = new Config();
    c.timezone = 'Europe/London';
    assert.equal(c.timezone, 'Europe/London');
    const err = catchConfigError(() => {
      c.timezone = 'Nowhere/Land';
    });
    assert.equal(err.key, 'timezone');
    assert.equal(c.timezone, 'Europe/London');
    catchConfigError(() => {
      c.workerPrefetchMultiplier = -1;
    });
    assert.equal(c.workerPrefetchMultiplier, 4);
  });

  test('timezones come back in canonical spelling', () => {
    const c = new Config({ timezone: 'europe/oslo' });
    assert.equal(c.timezone, 'Europe/Oslo');
  });

  test('get() takes any alias; an unknown name throws with a suggestion', () => {
    const c = new Config({ CELERY_DEFAULT_QUEUE: 'hipri' });
    assert.equal(c.get('taskDefaultQueue'), 'hipri');
    assert.equal(c.get('task_default_queue'), 'hipri');
    assert.equal(c.get('CELERY_DEFAULT_QUEUE'), 'hipri');
    const err = catchConfigError(() => c.get('task_default_queu'));
    assert.equal(err.suggestion, 'taskDefaultQueue');
  });

  test('instances do not share values', () => {
    const a = new Config({ timezone: 'Europe/Oslo' });
    const b = new Config();
    assert.equal(a.timezone, 'Europe/Oslo');
    assert.equal(b.timezone, 'UTC');
  });
});

describe('Config views', () => {
  test('snapshot() is frozen, stable until a change, and not affected by later changes', () => {
    const c = new Config();
    const s1 = c.snapshot();
    assert.ok(Object.isFrozen(s1));
    assert.equal(c.snapshot(), s1);
    c.update({ timezone: 'Europe/Oslo' });
    const s2 = c.snapshot();
    assert.notEqual(s2, s1);
    assert.equal(s1.timezone, 'UTC');
    assert.equal(s2.timezone, 'Europe/Oslo');
  });

  test('toJSON() shows functions as <function> and masks secrets', () => {
    const router = () => 'q';
    const c = new Config({
      broker: 'nats://alice:hunter2@h1:4222,nats://alice:hunter2@h2:4222',
      taskRoutes: [router, { a: 'q' }],
      brokerConnectionOptions: { user: 'alice', pass: 'hunter2', token: 't0k', tls: { key: 'PEM', ca: 'ca.pem' } },
      beatSchedule: { e: { task: 't', schedule: 5, options: { eta: new Date('2030-01-01T00:00:00Z') } } },
    });
    const json = c.toJSON();
    const text = JSON.stringify(json);
    assert.ok(!text.includes('hunter2'));
    assert.ok(!text.includes('t0k'));
    assert.ok(!text.includes('PEM'));
    assert.equal(json['broker'], 'nats://alice:***@h1:4222,nats://alice:***@h2:4222');
    assert.deepEqual(json['taskRoutes'], ['<function>', { a: { queue: 'q' } }]);
    assert.deepEqual(json['brokerConnectionOptions'], { user: 'alice', pass: '***', token: '***', tls: { key: '***', ca: 'ca.pem' } });
    assert.deepEqual(json['beatSchedule'], { e: { task: 't', schedule: 5, options: { eta: '2030-01-01T00:00:00.000Z' } } });
    // The live values keep the secret: masking is for display only.
    assert.equal((c.brokerConnectionOptions as { pass: string }).pass, 'hunter2');
  });

  test('toJSON() renders a schedule object through its own toJSON, if any', () => {
    const schedule = { next: (d: Date) => d, isDue: () => ({ due: false, nextInSeconds: 1 }), toJSON: () => 'crontab(*/5)' };
    const c = new Config({ beatSchedule: { e: { task: 't', schedule } } });
    assert.deepEqual(c.toJSON()['beatSchedule'], { e: { task: 't', schedule: 'crontab(*/5)' } });
  });
});

describe('Config.onChange', () => {
  test('tells listeners which keys changed, with the values before and after', () => {
    const c = new Config();
    const seen: ConfigChange[] = [];
    const off = c.onChange((ch) => seen.push(ch));
    c.update({ taskRoutes: { a: 'q' }, timezone: 'UTC' }); // timezone unchanged
    c.taskDefaultQueue = 'hipri';
    off();
    c.taskDefaultQueue = 'other';
    assert.equal(seen.length, 2);
    assert.deepEqual(seen[0]!.keys, ['taskRoutes']);
    assert.equal(seen[0]!.previous.taskRoutes, null);
    assert.deepEqual(seen[0]!.current.taskRoutes, { a: { queue: 'q' } });
    assert.deepEqual(seen[1]!.keys, ['taskDefaultQueue']);
  });

  test('is not called for a refused update', () => {
    const c = new Config();
    let calls = 0;
    c.onChange(() => calls++);
    assert.throws(() => c.update({ timezone: 'Europe/Oslo', taskDefaultPriority: 99 }), ConfigError);
    assert.equal(calls, 0);
  });

  test('a throwing listener does not stop the others, and its error surfaces', () => {
    const c = new Config();
    let second = 0;
    c.onChange(() => {
      throw new RangeError('listener bug');
    });
    c.onChange(() => second++);
    assert.throws(() => c.update({ timezone: 'Europe/Oslo' }), RangeError);
    assert.equal(second, 1);
    assert.equal(c.timezone, 'Europe/Oslo');
  });
});

describe('suggest', () => {
  test('editDistance counts inserts, deletes, substitutions and swaps', () => {
    assert.equal(editDistance('', 'abc'), 3);
    assert.equal(editDistance('abc', 'abc'), 0);
    assert.equal(editDistance('abc', 'abd'), 1);
    assert.equal(editDistance('abc', 'acb'), 1);
    assert.equal(editDistance('kitten', 'sitting'), 3);
  });

  test('closest gives nothing when no candidate is near', () => {
    assert.equal(closest('xyz', ['timezone', 'broker']), undefined);
    assert.equal(closest('brokre', ['timezone', 'broker']), 'broker');
  });
});
