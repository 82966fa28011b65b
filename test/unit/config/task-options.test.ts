import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../../src/errors.ts';
import { Config } from '../../../src/config/config.ts';
import {
  resolveTaskOptions,
  validateApplyOptions,
  validateTaskOptions,
} from '../../../src/config/task-options.ts';
import type { ApplyOptions, TaskOptions } from '../../../src/task/options.ts';

type Fields = { key?: string; suggestion?: string; task?: string };

function refuses(fn: () => unknown, key: string, label: string): ConfigError & Fields {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `${label}: expected ConfigError, got ${String(err)}`);
    assert.equal(err.code, 'CELERIAC_CONFIG');
    assert.equal((err as Fields).key, key, label);
    return err as ConfigError & Fields;
  }
  assert.fail(`${label}: accepted`);
}

class Boom extends Error {}

describe('validateTaskOptions', () => {
  test('fills fixed defaults and leaves config-backed options undefined', () => {
    const o = validateTaskOptions('proj.add', undefined);
    assert.ok(Object.isFrozen(o));
    assert.equal(o.bind, false);
    assert.deepEqual(o.autoretryFor, []);
    assert.equal(o.retryBackoff, false);
    assert.equal(o.retryBackoffMax, 600);
    assert.equal(o.retryJitter, true);
    assert.equal(o.rateLimit, null);
    assert.equal(o.expires, null);
    assert.equal(o.maxRetries, undefined);
    assert.equal(o.acksLate, undefined);
    assert.equal(o.queue, undefined);
  });

  test('keeps valid options and normalises retryBackoff', () => {
    const input: TaskOptions = {
      bind: true, maxRetries: 5, defaultRetryDelay: 1, autoretryFor: [Boom], retryBackoff: true,
      rateLimit: '10/m', timeLimit: 30, softTimeLimit: 20, ignoreResult: true, trackStarted: true,
      acksLate: true, queue: 'hipri', priority: 9, serializer: 'json', expires: 60,
    };
    const o = validateTaskOptions('proj.add', input);
    assert.equal(o.bind, true);
    assert.equal(o.maxRetries, 5);
    assert.deepEqual(o.autoretryFor, [Boom]);
    assert.notEqual(o.autoretryFor, input.autoretryFor);
    assert.equal(o.retryBackoff, 1);
    assert.equal(o.rateLimit, '10/m');
    assert.equal(o.priority, 9);
    assert.equal(validateTaskOptions('t', { retryBackoff: 3 }).retryBackoff, 3);
    assert.equal(validateTaskOptions('t', { maxRetries: null }).maxRetries, null);
    assert.equal(validateTaskOptions('t', { rateLimit: 0 }).rateLimit, null);
    // The result is usable where TaskOptions is expected.
    const asOptions: TaskOptions = o;
    assert.ok(asOptions);
  });

  test('refuses bad values with ConfigError naming the option and the task', () => {
    const bad: [string, unknown][] = [
      ['bind', 'yes'], ['maxRetries', -1], ['maxRetries', 1.5], ['defaultRetryDelay', -1],
      ['autoretryFor', Boom], ['autoretryFor', ['Boom']], ['retryBackoff', -1], ['retryBackoff', 'yes'],
      ['retryBackoffMax', null], ['retryJitter', 1], ['rateLimit', '10/d'], ['timeLimit', 0],
      ['softTimeLimit', -5], ['ignoreResult', 'no'], ['trackStarted', 1], ['acksLate', null],
      ['queue', ''], ['queue', 'a b'], ['priority', 10], ['priority', -1], ['priority', 2.5],
      ['serializer', 'pickle'], ['expires', -1], ['expires', 'soon'],
    ];
    for (const [key, value] of bad) {
      const err = refuses(() => validateTaskOptions('proj.add', { [key]: value }), key, `${key}=${String(value)}`);
      assert.equal(err.task, 'proj.add');
    }
  });

  test('an unknown option gives a did-you-mean suggestion', () => {
    const err = refuses(() => validateTaskOptions('proj.add', { max_retries: 3 }), 'max_retries', 'max_retries');
    assert.equal(err.suggestion, 'maxRetries');
    assert.equal(refuses(() => validateTaskOptions('t', { acks_late: true }), 'acks_late', 'x').suggestion, 'acksLate');
  });

  test('refuses a bad name or a non-object', () => {
    refuses(() => validateTaskOptions('', {}), 'name', 'empty name');
    refuses(() => validateTaskOptions(42, {}), 'name', 'number name');
    refuses(() => validateTaskOptions('t', 'opts'), 'options', 'string options');
  });

  test('resolveTaskOptions fills unset options from the config; explicit null wins', () => {
    const conf = new Config({ taskAcksLate: true, taskTimeLimit: 60, taskMaxRetries: 7, taskSerializer: 'json' });
    const r = resolveTaskOptions(validateTaskOptions('t', { timeLimit: null, priority: 3 }), conf);
    assert.equal(r.acksLate, true);
    assert.equal(r.timeLimit, null);
    assert.equal(r.maxRetries, 7);
    assert.equal(r.serializer, 'json');
    assert.equal(r.priority, 3);
    assert.equal(r.defaultRetryDelay, 180);
    assert.equal(r.softTimeLimit, null);
    assert.ok(Object.isFrozen(r));
  });
});

describe('validateApplyOptions', () => {
  test('keeps only given options, frozen, and normalises', () => {
    const eta = new Date('2030-01-01T00:00:00Z');
    const sig = { toJSON: () => ({ task: 't', args: [], kwargs: {}, options: {}, immutable: false }) };
    const input = {
      taskId: 'abc', countdown: 10, eta, expires: 120, queue: 'hipri', priority: 9, link: sig,
      linkError: [sig], retry: false, retryPolicy: { max_retries: 1, intervalMax: 2 }, serializer: 'json',
      compression: 'zlib', headers: { a: 1 }, ignoreResult: true, timeLimit: 5, softTimeLimit: 4,
    };
    const o = validateApplyOptions(input);
    assert.ok(Object.isFrozen(o));
    assert.deepEqual(o.link, [sig]);
    assert.deepEqual(o.linkError, [sig]);
    assert.deepEqual(o.retryPolicy, { maxRetries: 1, intervalMax: 2 });
    assert.equal(o.compression, 'deflate');
    assert.equal(o.eta?.getTime(), eta.getTime());
    assert.notEqual(o.headers, input.headers);
    const asOptions: ApplyOptions = o;
    assert.ok(asOptions);
    assert.deepEqual(validateApplyOptions({ queue: undefined }), {});
    assert.deepEqual(validateApplyOptions(undefined), {});
  });

  test('takes ISO strings for eta and expires (signature options after JSON)', () => {
    const o = validateApplyOptions({ eta: '2030-01-01T00:00:00Z', expires: '2030-01-02T00:00:00Z' });
    assert.ok(o.eta instanceof Date);
    assert.ok(o.expires instanceof Date);
  });

  test('refuses bad values with ConfigError naming the option', () => {
    const bad: [string, unknown][] = [
      ['taskId', ''], ['taskId', 5], ['countdown', NaN], ['countdown', '10'], ['eta', new Date('nope')],
      ['eta', 5], ['eta', 'tomorrow'], ['expires', Infinity], ['expires', true], ['expires', new Date(NaN)],
      ['queue', 'a*'], ['priority', 10], ['link', 5], ['link', [{}]], ['linkError', 'sig'],
      ['retry', 'yes'], ['retryPolicy', { tries: 1 }], ['retryPolicy', { maxRetries: -1 }], ['retryPolicy', 3],
      ['serializer', 'yaml'], ['compression', 'lz4'], ['compression', null], ['headers', [1]],
      ['headers', 'h'], ['ignoreResult', 1], ['timeLimit', 0], ['softTimeLimit', -1],
    ];
    for (const [key, value] of bad) refuses(() => validateApplyOptions({ [key]: value }), key, `${key}=${String(value)}`);
  });

  test('an unknown option gives a did-you-mean suggestion', () => {
    assert.equal(refuses(() => validateApplyOptions({ task_id: 'x' }), 'task_id', 'task_id').suggestion, 'taskId');
    assert.equal(refuses(() => validateApplyOptions({ link_error: [] }), 'link_error', 'link_error').suggestion, 'linkError');
    refuses(() => validateApplyOptions('x'), 'options', 'string');
  });
});
