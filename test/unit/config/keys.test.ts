import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../../src/errors.ts';
import { Config } from '../../../src/config/config.ts';
import {
  DEFAULTS,
  KEYS,
  KEY_NAMES,
  SPELLINGS,
  keySpec,
  resolveKeyName,
  type KeyName,
} from '../../../src/config/keys.ts';

const schedule = { next: (d: Date) => d, isDue: () => ({ due: false, nextInSeconds: 1 }) };

/** For every key: values it must refuse, and values it must accept. */
const CASES: Record<KeyName, { bad: unknown[]; good: unknown[] }> = {
  broker: { bad: ['', 'redis://localhost', 'not a url', 42, null], good: ['memory://', 'nats://127.0.0.1:4222', 'nats://a:1,nats://b:2'] },
  backend: { bad: ['redis://x', null, 3], good: ['disabled', 'memory://', 'nats://h:4222', undefined] },
  taskSerializer: { bad: ['pickle', 'yaml', 1, null], good: ['json', 'msgpack'] },
  resultSerializer: { bad: ['pickle', null], good: ['json'] },
  acceptContent: { bad: [[], ['pickle'], 'json', [1], null], good: [['json'], ['application/json', 'application/x-msgpack']] },
  taskCompression: { bad: ['bzip2', 1, true], good: [null, 'gzip', 'deflate', 'brotli', 'zlib'] },
  resultCompression: { bad: ['lzma'], good: [null, 'gzip'] },
  timezone: { bad: ['Mars/Olympus_Mons', '', 5, null], good: ['Europe/Oslo', 'UTC', 'America/New_York'] },
  enableUtc: { bad: ['yes', 1, null], good: [false, true] },
  taskRoutes: {
    bad: [42, 'celery', { 'a.*': 5 }, { 'a.*': { queue: '' } }, { a: { queue: 'q', priority: 10 } }, { a: { queu: 'q' } }, [1]],
    good: [null, { 'proj.*': { queue: 'hipri' } }, { a: 'q' }, () => undefined, [{ a: 'q' }, () => null], { a: { queue: 'q', routing_key: 'q' } }],
  },
  taskDefaultQueue: { bad: ['', 'a b', 'a.*', 'a.>', 1], good: ['hipri', 'feeds.tasks'] },
  taskDefaultPriority: { bad: [-1, 10, 1.5, '5'], good: [0, 9] },
  taskAcksLate: { bad: ['true', 0], good: [true] },
  taskTrackStarted: { bad: [1], good: [true] },
  taskTimeLimit: { bad: [0, -1, Infinity, '30'], good: [null, 30, 0.5] },
  taskSoftTimeLimit: { bad: [0, NaN], good: [null, 10] },
  taskIgnoreResult: { bad: ['no'], good: [true] },
  resultExpires: { bad: [-1, Infinity, '1d'], good: [null, 0, 60] },
  workerConcurrency: { bad: [0, 1.5, -2, '4'], good: [null, 1, 16] },
  workerPrefetchMultiplier: { bad: [-1, 1.5, null, '4'], good: [0, 1, 16] },
  workerDisableRateLimits: { bad: [null], good: [true] },
  workerSendTaskEvents: { bad: ['on'], good: [true] },
  taskSendSentEvent: { bad: [1], good: [true] },
  taskPublishRetry: { bad: [null], good: [false] },
  taskPublishRetryPolicy: {
    bad: [null, 3, { maxRetries: -1 }, { intervalStep: -0.1 }, { max_retries: 1, maxRetries: 2 }, { tries: 3 }],
    good: [{}, { maxRetries: null }, { max_retries: 5, interval_start: 1 }],
  },
  taskDefaultRetryDelay: { bad: [-1, null], good: [0, 3] },
  taskMaxRetries: { bad: [-1, 2.5], good: [null, 0, 10] },
  brokerVisibilityTimeout: { bad: [0, null], good: [60] },
  brokerConnectionOptions: { bad: [null, 'user:pass', [1], new Map()], good: [{}, { user: 'a', pass: 'b' }] },
  brokerTransportOptions: { bad: [null, [1], { replicas: 0 }, { replicas: 6 }, { replicas: 2.5 }, { visibility_timeout: 60 }], good: [{}, { replicas: 3 }, { replicas: undefined }] },
  brokerConnectionTimeout: { bad: [0], good: [1] },
  transportPrefix: { bad: ['', 'a.b', 'a b', 'a*', 3], good: ['celeriac', 'test_abc-1'] },
  workerHeartbeatInterval: { bad: [0], good: [0.5] },
  workerShutdownTimeout: { bad: [-1], good: [0, 30] },
  workerMaxMemoryPerChild: { bad: [0, -5, '100'], good: [null, 256] },
  beatSchedule: {
    bad: [
      null,
      { e: 5 },
      { e: { task: 'a' } },
      { e: { task: '', schedule: 5 } },
      { e: { task: 'a', schedule: 0 } },
      { e: { task: 'a', schedule: { next: () => new Date() } } },
      { e: { task: 'a', schedule: 5, args: 'x' } },
      { e: { task: 'a', schedule: 5, kwargs: [] } },
      { e: { task: 'a', schedule: 5, options: { priority: 11 } } },
      { e: { task: 'a', schedule: 5, relative: true } },
    ],
    good: [{}, { e: { task: 'a', schedule: 30, args: [1], kwargs: { a: 1 }, options: { queue: 'q' } } }, { e: { task: 'a', schedule } }],
  },
  beatMaxLoopInterval: { bad: [0], good: [5] },
  controlReplyTimeout: { bad: [-1], good: [0.1] },
  eventQueueTtl: { bad: [0], good: [null, 5] },
  resultChordJoinTimeout: { bad: [0], good: [10] },
};

describe('config key table', () => {
  test('every key has a snake name, a doc, a type and a default that passes its own validator', () => {
    assert.ok(KEYS.length >= 39);
    for (const k of KEYS) {
      assert.match(k.snake, /^[a-z][a-z0-9_]*$/, k.name);
      assert.ok(k.doc.length > 10, k.name);
      assert.ok(k.type.length > 0, k.name);
      assert.deepEqual(k.validate({ key: k.name }, k.default), k.default, k.name);
      assert.equal(DEFAULTS[k.name], k.default);
    }
  });

  test('the bad/good value cases cover every key', () => {
    assert.deepEqual(Object.keys(CASES).sort(), [...KEY_NAMES].sort());
  });

  for (const name of Object.keys(CASES) as KeyName[]) {
    test(`${name}: bad values throw ConfigError naming the key; good values pass`, () => {
      const conf = new Config();
      for (const bad of CASES[name].bad) {
        assert.throws(
          () => conf.update({ [name]: bad }),
          (err: unknown) => err instanceof ConfigError && err.code === 'CELERIAC_CONFIG' && (err as { key?: string }).key === name,
          `${name} accepted ${String(bad)}`,
        );
        assert.throws(() => keySpec(name).validate({ key: name }, bad), ConfigError);
      }
      for (const good of CASES[name].good) conf.update({ [name]: good });
    });
  }

  test('defaults are the documented ones', () => {
    const c = new Config();
    assert.equal(c.broker, 'memory://');
    assert.equal(c.backend, undefined);
    assert.equal(c.taskSerializer, 'msgpack');
    assert.deepEqual(c.acceptContent, ['msgpack', 'json']);
    assert.equal(c.timezone, 'UTC');
    assert.equal(c.enableUtc, true);
    assert.equal(c.taskRoutes, null);
    assert.equal(c.taskDefaultQueue, 'celery');
    assert.equal(c.resultExpires, 86400);
    assert.equal(c.workerConcurrency, null);
    assert.equal(c.workerPrefetchMultiplier, 4);
    assert.equal(c.taskPublishRetry, true);
    assert.deepEqual(c.taskPublishRetryPolicy, { maxRetries: 3, intervalStart: 0, intervalStep: 0.2, intervalMax: 0.2 });
    assert.equal(c.taskDefaultRetryDelay, 180);
    assert.equal(c.taskMaxRetries, 3);
    assert.equal(c.brokerVisibilityTimeout, 3600);
    assert.equal(c.transportPrefix, 'celeriac');
    assert.equal(c.workerShutdownTimeout, 30);
    assert.deepEqual(c.beatSchedule, {});
    assert.equal(c.resultChordJoinTimeout, 3600);
  });
});

describe('aliases', () => {
  const cases: [string, KeyName, unknown][] = [
    ['CELERY_ROUTES', 'taskRoutes', { a: { queue: 'q' } }],
    ['task_routes', 'taskRoutes', { a: { queue: 'q' } }],
    ['CELERY_TASK_ROUTES', 'taskRoutes', { a: { queue: 'q' } }],
    ['CELERYBEAT_SCHEDULE', 'beatSchedule', { e: { task: 't', schedule: 5 } }],
    ['beat_schedule', 'beatSchedule', { e: { task: 't', schedule: 5 } }],
    ['CELERY_TIMEZONE', 'timezone', 'Europe/Oslo'],
    ['BROKER_URL', 'broker', 'nats://h:4222'],
    ['broker_url', 'broker', 'nats://h:4222'],
    ['brokerUrl', 'broker', 'nats://h:4222'],
    ['CELERY_BROKER_URL', 'broker', 'nats://h:4222'],
    ['CELERY_RESULT_BACKEND', 'backend', 'disabled'],
    ['result_backend', 'backend', 'disabled'],
    ['CELERY_TASK_SERIALIZER', 'taskSerializer', 'json'],
    ['CELERY_RESULT_SERIALIZER', 'resultSerializer', 'json'],
    ['CELERY_ACCEPT_CONTENT', 'acceptContent', ['json']],
    ['accept_content', 'acceptContent', ['json']],
    ['CELERY_ENABLE_UTC', 'enableUtc', false],
    ['CELERY_DEFAULT_QUEUE', 'taskDefaultQueue', 'q'],
    ['CELERY_ACKS_LATE', 'taskAcksLate', true],
    ['CELERY_TRACK_STARTED', 'taskTrackStarted', true],
    ['CELERYD_TASK_TIME_LIMIT', 'taskTimeLimit', 30],
    ['CELERYD_TASK_SOFT_TIME_LIMIT', 'taskSoftTimeLimit', 20],
    ['CELERY_IGNORE_RESULT', 'taskIgnoreResult', true],
    ['CELERY_TASK_RESULT_EXPIRES', 'resultExpires', 10],
    ['result_expires', 'resultExpires', 10],
    ['CELERYD_CONCURRENCY', 'workerConcurrency', 2],
    ['worker_concurrency', 'workerConcurrency', 2],
    ['CELERYD_PREFETCH_MULTIPLIER', 'workerPrefetchMultiplier', 1],
    ['worker_prefetch_multiplier', 'workerPrefetchMultiplier', 1],
    ['CELERY_DISABLE_RATE_LIMITS', 'workerDisableRateLimits', true],
    ['CELERY_TASK_PUBLISH_RETRY', 'taskPublishRetry', false],
    ['CELERY_SEND_TASK_SENT_EVENT', 'taskSendSentEvent', true],
    ['CELERY_SEND_EVENTS', 'workerSendTaskEvents', true],
    ['CELERYD_SEND_EVENTS', 'workerSendTaskEvents', true],
    ['worker_send_task_events', 'workerSendTaskEvents', true],
    ['CELERY_MESSAGE_COMPRESSION', 'taskCompression', 'gzip'],
    ['CELERYBEAT_MAX_LOOP_INTERVAL', 'beatMaxLoopInterval', 10],
  ];
  for (const [alias, name, value] of cases) {
    test(`${alias} lands on ${name}`, () => {
      assert.equal(resolveKeyName(alias), name);
      const c = new Config({ [alias]: value });
      assert.deepEqual(c.get(name), value);
      assert.deepEqual(c.get(alias), value);
    });
  }

  test('old retry policy alias takes snake_case fields and keeps defaults for the rest', () => {
    const c = new Config({ CELERY_TASK_PUBLISH_RETRY_POLICY: { max_retries: 10, interval_max: 1 } });
    assert.deepEqual(c.taskPublishRetryPolicy, { maxRetries: 10, intervalStart: 0, intervalStep: 0.2, intervalMax: 1 });
  });

  test('every spelling resolves to a real key', () => {
    for (const [spelling, name] of SPELLINGS) {
      assert.ok(KEY_NAMES.includes(name), spelling);
      assert.equal(resolveKeyName(spelling), name);
    }
    assert.equal(resolveKeyName('nope'), undefined);
  });
});
