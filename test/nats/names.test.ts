/** Pure parts of the NATS transport: naming and escaping, bands, ack subjects, options. No server. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../src/errors.ts';
import { bandOf, bandOfSubject, escapeToken, NatsNames, sanitizePrefix } from '../../src/transport/nats/names.ts';
import { displayUrl, resolveOptions } from '../../src/transport/nats/options.ts';
import { parseAckSubject } from '../../src/transport/nats/pull.ts';

describe('NATS names', () => {
  test('escapeToken keeps plain names and makes anything else one valid, distinct token', () => {
    assert.equal(escapeToken('celery'), 'celery');
    assert.equal(escapeToken('hi_pri-2'), 'hi_pri-2');
    const odd = ['a.b', 'a b', 'a=2Eb', 'a*', 'a>', 'ø', '', '=', '=3D', 'a\tb', 'a/b'];
    const out = odd.map(escapeToken);
    assert.equal(new Set(out).size, odd.length, out.join(' '));
    for (const t of out) assert.match(t, /^[A-Za-z0-9_=-]+$/);
    assert.equal(escapeToken('a.b'), 'a=2Eb');
    assert.equal(escapeToken('ø'), '=C3=B8');
  });

  test('priorities map to ten bands, clamped and rounded', () => {
    assert.deepEqual([undefined, 0, 3, 9, 12, -1, 4.6, Number.NaN].map(bandOf), [0, 0, 3, 9, 9, 0, 5, 0]);
  });

  test('subjects, streams and buckets derive from a sanitised prefix', () => {
    assert.equal(sanitizePrefix('my app.v2'), 'my_app_v2');
    const n = new NatsNames('proj');
    assert.equal(n.tasksStream, 'PROJ_TASKS');
    assert.equal(n.delayedStream, 'PROJ_DELAYED');
    assert.equal(n.dlqStream, 'PROJ_DLQ');
    assert.equal(n.resultsBucket, 'proj-results');
    assert.equal(n.taskSubjects, 'proj.task.>');
    const q = n.queue('a.b');
    assert.equal(q.taskSubject[7], 'proj.task.a=2Eb.7');
    assert.equal(q.consumer[0], 'q_a=2Eb_0');
    assert.equal(q.delayedSubject, 'proj.delayed.a=2Eb');
    assert.equal(q.dlqSubject, 'proj.dlq.a=2Eb');
    assert.equal(n.bellOfTaskSubject(q.taskSubject[7]!), q.bellSubject);
    assert.equal(bandOfSubject(q.taskSubject[7]!), 7);
    assert.equal(n.eventSubject('task-succeeded'), 'proj.event.task-succeeded');
  });
});

describe('JetStream ack subjects', () => {
  test('reads the classic and the domain/account-hash forms', () => {
    assert.deepEqual(parseAckSubject('$JS.ACK.S.c0.3.17.5.1795316128391504818.2'), {
      stream: 'S',
      consumer: 'c0',
      deliveryCount: 3,
      streamSeq: 17,
      pending: 2,
    });
    assert.deepEqual(parseAckSubject('$JS.ACK.dom.ACCHASH.S.c0.1.9.9.1795316128391504818.0.token'), {
      stream: 'S',
      consumer: 'c0',
      deliveryCount: 1,
      streamSeq: 9,
      pending: 0,
    });
  });
});

describe('NATS connection options', () => {
  test('defaults: reconnect for ever, no async traces, our tuning', () => {
    const { nats, tuning } = resolveOptions(['127.0.0.1:4333']);
    assert.deepEqual(nats.servers, ['nats://127.0.0.1:4333']);
    assert.equal(nats.maxReconnectAttempts, -1);
    assert.equal(nats.noAsyncTraces, true);
    assert.equal(nats.name, 'celeriac');
    assert.deepEqual(tuning, { publishTimeout: 5000, apiTimeout: 5000, maxDeliver: 5 });
  });

  test('credentials in the URL become options and leave the URL', () => {
    const up = resolveOptions(['nats://me:p%40ss@h1:4222', 'nats://h2:4222']).nats;
    assert.deepEqual(up.servers, ['nats://h1:4222', 'nats://h2:4222']);
    assert.equal(up.user, 'me');
    assert.equal(up.pass, 'p@ss');
    const tok = resolveOptions(['nats://s3cr3t@h1:4222']).nats;
    assert.equal(tok.token, 's3cr3t');
    assert.equal(tok.user, undefined);
    const explicit = resolveOptions(['nats://me:x@h1'], { user: 'other', pass: 'y' }).nats;
    assert.equal(explicit.user, 'other');
    assert.equal(displayUrl(['nats://me:secret@h1:4222']), 'nats://me:***@h1:4222');
  });

  test('passes nats.js options through; credsFile becomes an authenticator; bad values are ConfigError', () => {
    const { nats, tuning } = resolveOptions(['h'], {
      pingInterval: 5000,
      credsFile: '/nonexistent.creds',
      tls: { caFile: '/ca.pem' },
      publishTimeout: 250,
      maxDeliver: 3,
    });
    assert.equal((nats as { pingInterval?: number }).pingInterval, 5000);
    assert.equal(typeof nats.authenticator, 'function');
    assert.deepEqual(nats.tls, { caFile: '/ca.pem' });
    assert.equal('credsFile' in nats, false);
    assert.deepEqual(tuning, { publishTimeout: 250, apiTimeout: 5000, maxDeliver: 3 });
    assert.throws(() => resolveOptions(['h'], { publishTimeout: -1 }), ConfigError);
    assert.throws(() => resolveOptions(['h'], { credsFile: 42 }), ConfigError);
    assert.throws(() => resolveOptions([]), ConfigError);
  });
});
