import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../../src/errors.ts';
import { parseBrokerUrl } from '../../../src/transport/open.ts';

test('memory URLs name a hub', () => {
  assert.deepEqual(parseBrokerUrl('memory://'), { scheme: 'memory', hosts: [], urls: ['memory://'], name: '' });
  assert.equal(parseBrokerUrl('memory://conf-1a2b').name, 'conf-1a2b');
  assert.equal(parseBrokerUrl('memory://a.b_c/').name, 'a.b_c');
  assert.equal(parseBrokerUrl('MEMORY://x').scheme, 'memory');
});

test('nats URLs list servers, with the default port and credentials kept', () => {
  assert.deepEqual(parseBrokerUrl('nats://127.0.0.1:4223'), {
    scheme: 'nats',
    hosts: ['127.0.0.1:4223'],
    urls: ['nats://127.0.0.1:4223'],
    name: '',
  });
  const cluster = parseBrokerUrl('nats://a:4222, nats://b ,c:5000');
  assert.deepEqual(cluster.hosts, ['a:4222', 'b:4222', 'c:5000']);
  assert.deepEqual(cluster.urls, ['nats://a:4222', 'nats://b:4222', 'nats://c:5000']);
  const auth = parseBrokerUrl('nats://user:secret@host/celeriac');
  assert.deepEqual(auth.urls, ['nats://user:secret@host:4222']);
  assert.equal(auth.name, 'celeriac');
  assert.deepEqual(parseBrokerUrl('nats://[::1]:4222').hosts, ['[::1]:4222']);
});

test('garbage is a ConfigError', () => {
  for (const bad of ['', '   ', 'localhost:4222', 'redis://x', 'memory:x', 'memory://a b', 'memory://a/b', 'nats://', 'nats://a,,b', 'nats://a:notaport', 'nats:a']) {
    assert.throws(() => parseBrokerUrl(bad), ConfigError, bad);
  }
  assert.throws(() => parseBrokerUrl(undefined as unknown as string), ConfigError);
});
