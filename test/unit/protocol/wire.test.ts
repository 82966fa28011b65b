import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { inflateSync } from 'node:zlib';
import { Packr } from 'msgpackr';
import { ConfigError, ContentDisallowed, MessageDecodeError } from '../../../src/errors.ts';
import { normalizeAccept } from '../../../src/serialization/accept.ts';
import { newTaskMessage } from '../../../src/protocol/task-message-defaults.ts';
import { decodeTask, encodeTask, peekTaskHeaders } from '../../../src/protocol/wire.ts';
import { F, FRAME_FIELDS, FRAME_VERSION, fromCeleryEnvelope, toCeleryEnvelope } from '../../../src/protocol/frame.ts';
import type { Compression, SerializerName, TaskMessage } from '../../../src/protocol/task-message.ts';

// A plain msgpack reader, as a non-celeriac peer would read the frame; `open` and `seal` go
// through the documented positional mapping (src/protocol/frame.ts) to kombu's v2 envelope.
const peer = new Packr({ useRecords: false, moreTypes: false });
type Envelope = { headers: Record<string, unknown>; properties: Record<string, unknown>; body: Uint8Array } & Record<
  string,
  unknown
>;
const raw = (frame: Uint8Array): unknown[] => peer.unpack(frame) as unknown[];
const open = (frame: Uint8Array): Envelope => toCeleryEnvelope(raw(frame)) as unknown as Envelope;
const seal = (env: Record<string, unknown>): Uint8Array => peer.pack(fromCeleryEnvelope(env));

const ACCEPT = normalizeAccept(['msgpack', 'json']);
const sig = (task: string) => ({ task, args: [1], kwargs: { k: 'v' }, options: {}, subtask_type: null, immutable: false });

function fullMessage(): TaskMessage {
  return {
    id: 'a1b2c3d4-0000-4000-8000-000000000001',
    task: 'proj.tasks.add',
    args: [1, 'two', { three: [3] }, null, true],
    kwargs: { x: 1.5, nested: { list: ['a', 'b'] } },
    rootId: 'root-1',
    parentId: 'parent-1',
    groupId: 'group-1',
    groupIndex: 2,
    retries: 3,
    eta: '2030-01-02T03:04:05.678Z',
    expires: '2030-01-03T00:00:00+00:00',
    timeLimit: [10, 20],
    ignoreResult: true,
    origin: 'gen123@host',
    priority: 7,
    headers: { tenant: 'acme', trace: { span: 'abc' } },
    callbacks: [sig('proj.tasks.cb')],
    errbacks: [sig('proj.tasks.eb')],
    chain: [sig('proj.tasks.last'), sig('proj.tasks.next')],
    chord: { id: 'chord-1', body: sig('proj.tasks.body'), size: 3, index: 1 },
    options: { acksLate: true, trackStarted: false, maxRetries: 5 },
    replyTo: null,
  };
}

describe('wire: round trip', () => {
  const serializers: SerializerName[] = ['msgpack', 'json'];
  const compressions: (Compression | null)[] = [null, 'gzip', 'deflate', 'brotli'];
  for (const serializer of serializers) {
    for (const compression of compressions) {
      test(`${serializer}, compression ${compression ?? 'none'}`, () => {
        const msg = fullMessage();
        const frame = encodeTask(msg, { serializer, compression });
        assert.deepEqual(decodeTask(frame, ACCEPT), msg);
      });
    }
  }

  test('a minimal message round-trips with its defaults', () => {
    const msg = newTaskMessage({ task: 't' });
    assert.deepEqual(decodeTask(encodeTask(msg, { serializer: 'msgpack' }), ACCEPT), msg);
  });
});

describe('wire: Celery v2 shape', () => {
  test('every v2 field sits at its documented position and maps back to its v2 name', () => {
    const msg = fullMessage();
    const frame = raw(encodeTask(msg, { serializer: 'json', compression: 'gzip', replyTo: 'reply.q' }));
    assert.ok(Array.isArray(frame));
    assert.equal(frame.length, FRAME_FIELDS.length);
    // The named positions the code uses are the documented ones.
    const byName: Record<string, string> = {
      version: 'version', contentType: 'content-type', contentEncoding: 'content-encoding',
      compression: 'headers.compression', lang: 'headers.lang', task: 'headers.task', id: 'headers.id',
      rootId: 'headers.root_id', parentId: 'headers.parent_id', group: 'headers.group',
      groupIndex: 'headers.group_index', retries: 'headers.retries', eta: 'headers.eta',
      expires: 'headers.expires', timelimit: 'headers.timelimit', ignoreResult: 'headers.ignore_result',
      argsrepr: 'headers.argsrepr', kwargsrepr: 'headers.kwargsrepr', origin: 'headers.origin',
      xCeleriac: 'headers.x_celeriac', userHeaders: 'headers.*', replyTo: 'properties.reply_to',
      priority: 'properties.priority', body: 'body',
    };
    assert.deepEqual(Object.keys(F).sort(), Object.keys(byName).sort());
    for (const [key, index] of Object.entries(F)) assert.equal(FRAME_FIELDS[index], byName[key], key);
    const expected: Record<string, unknown> = {
      version: FRAME_VERSION,
      'content-type': 'application/json',
      'content-encoding': 'utf-8',
      'headers.compression': 'application/x-gzip',
      'headers.lang': 'js',
      'headers.task': msg.task,
      'headers.id': msg.id,
      'headers.root_id': 'root-1',
      'headers.parent_id': 'parent-1',
      'headers.group': 'group-1',
      'headers.group_index': 2,
      'headers.retries': 3,
      'headers.eta': msg.eta,
      'headers.expires': msg.expires,
      'headers.timelimit': [20, 10], // Celery's [hard, soft]
      'headers.ignore_result': true,
      'headers.origin': 'gen123@host',
      'headers.x_celeriac': { options: msg.options },
      'headers.*': { tenant: 'acme', trace: { span: 'abc' } },
      'properties.reply_to': 'reply.q',
      'properties.priority': 7,
    };
    FRAME_FIELDS.forEach((name, i) => {
      if (name in expected) assert.deepEqual(frame[i], expected[name], name);
    });
    assert.equal(typeof frame[F.argsrepr], 'string');
    assert.equal(typeof frame[F.kwargsrepr], 'string');
    assert.ok(frame[F.body] instanceof Uint8Array);

    // As kombu's envelope: headers, properties and body as Celery names them.
    const env = toCeleryEnvelope(frame) as unknown as Envelope;
    assert.deepEqual(Object.keys(env).sort(), ['body', 'content-encoding', 'content-type', 'headers', 'properties']);
    assert.equal(env['content-type'], 'application/json');
    assert.equal(env['content-encoding'], 'utf-8');
    const h = env.headers;
    for (const key of ['lang', 'task', 'id', 'root_id', 'parent_id', 'group', 'group_index', 'retries', 'eta',
      'expires', 'timelimit', 'ignore_result', 'argsrepr', 'kwargsrepr', 'origin', 'compression']) {
      assert.ok(key in h, `header ${key}`);
    }
    assert.equal(h.lang, 'js');
    assert.equal(h.task, msg.task);
    assert.equal(h.id, msg.id);
    assert.equal(h.root_id, 'root-1');
    assert.equal(h.group_index, 2);
    assert.deepEqual(h.timelimit, [20, 10]);
    assert.equal(h.compression, 'application/x-gzip');
    assert.equal(h.tenant, 'acme');
    assert.deepEqual(h.x_celeriac, { options: msg.options });
    assert.equal(typeof h.argsrepr, 'string');
    assert.deepEqual(env.properties, {
      correlation_id: msg.id,
      reply_to: 'reply.q',
      priority: 7,
      delivery_mode: 2,
      delivery_info: {},
    });
    // Compressed as kombu does (a zlib stream), then JSON.
    const body = JSON.parse(new TextDecoder().decode(inflateSync(env.body))) as unknown[];
    assert.equal(body.length, 3);
    assert.deepEqual(body[0], msg.args);
    assert.deepEqual(Object.keys(body[2] as object).sort(), ['callbacks', 'chain', 'chord', 'errbacks']);
    assert.deepEqual((body[2] as { chord: unknown }).chord, msg.chord);
    // And back: the envelope makes the same frame, which decodes to the same message.
    assert.deepEqual(fromCeleryEnvelope(env), frame);
    assert.deepEqual(decodeTask(peer.pack(fromCeleryEnvelope(env)), ACCEPT), { ...msg, replyTo: 'reply.q' });
  });

  test('a root task writes null for root_id, and its envelope says its own id', () => {
    const msg = newTaskMessage({ task: 't' });
    const frame = raw(encodeTask(msg, { serializer: 'msgpack' }));
    assert.equal(frame[F.rootId], null);
    assert.equal(frame[F.timelimit], null);
    assert.equal(frame[F.xCeleriac], null);
    assert.equal(frame[F.userHeaders], null);
    const h = toCeleryEnvelope(frame).headers;
    assert.equal(h.root_id, msg.id);
    assert.deepEqual(h.timelimit, [null, null]);
    assert.equal('x_celeriac' in h, false);
  });

  test('empty link lists are written as null, as Celery writes None', () => {
    const env = open(encodeTask(newTaskMessage({ task: 't' }), { serializer: 'msgpack' }));
    const body = peer.unpack(env.body) as unknown[];
    assert.deepEqual(body[2], { callbacks: null, errbacks: null, chain: null, chord: null });
    assert.equal('compression' in env.headers, false);
    assert.equal('reply_to' in env.properties, false);
    assert.equal(env['content-type'], 'application/x-msgpack');
    assert.equal(env['content-encoding'], 'binary');
  });

  test('argsrepr is cut to about 1024 characters', () => {
    const env = open(encodeTask(newTaskMessage({ task: 't', args: ['x'.repeat(5000), ...Array(1000).fill(7)] }), {
      serializer: 'msgpack',
    }));
    assert.ok((env.headers.argsrepr as string).length <= 1024);
    assert.ok((env.headers.argsrepr as string).endsWith('...'));
  });

  test('user headers cannot override reserved ones', () => {
    const msg = newTaskMessage({
      task: 'real.task',
      headers: { id: 'forged', task: 'evil.task', retries: 99, lang: 'py', x_celeriac: {}, mine: 1 },
    });
    const env = open(encodeTask(msg, { serializer: 'msgpack' }));
    assert.equal(env.headers.id, msg.id);
    assert.equal(env.headers.task, 'real.task');
    assert.equal(env.headers.retries, 0);
    assert.equal(env.headers.lang, 'js');
    const back = decodeTask(encodeTask(msg, { serializer: 'msgpack' }), ACCEPT);
    assert.equal(back.id, msg.id);
    assert.deepEqual(back.headers, { mine: 1 });
  });
});

describe('wire: values', () => {
  test('binary arguments survive msgpack', () => {
    const bytes = new Uint8Array([0, 1, 2, 3, 254, 255]);
    const back = decodeTask(encodeTask(newTaskMessage({ task: 't', args: [bytes], kwargs: { b: bytes } }), { serializer: 'msgpack' }), ACCEPT);
    assert.ok(back.args[0] instanceof Uint8Array);
    assert.deepEqual(new Uint8Array(back.args[0]), bytes);
    assert.deepEqual(new Uint8Array(back.kwargs.b as Uint8Array), bytes);
  });

  test('a Date survives msgpack as a Date and JSON as an ISO string', () => {
    const when = new Date('2024-02-29T12:34:56.789Z');
    const msg = newTaskMessage({ task: 't', args: [when] });
    const viaMsgpack = decodeTask(encodeTask(msg, { serializer: 'msgpack' }), ACCEPT);
    assert.ok(viaMsgpack.args[0] instanceof Date);
    assert.equal((viaMsgpack.args[0] as Date).getTime(), when.getTime());
    const viaJson = decodeTask(encodeTask(msg, { serializer: 'json' }), ACCEPT);
    assert.equal(viaJson.args[0], '2024-02-29T12:34:56.789Z');
  });
});

describe('wire: refusals', () => {
  const good = () => open(encodeTask(fullMessage(), { serializer: 'msgpack' }));
  const isDecodeError = (err: unknown) => err instanceof MessageDecodeError && err.code === 'CELERIAC_MESSAGE_DECODE';

  test('a content type not accepted is ContentDisallowed, before the body is read', () => {
    const env = good();
    env['content-type'] = 'application/x-python-serialize';
    env.body = new Uint8Array([0x80, 0x04, 0x95]); // pickle bytes: never decoded
    assert.throws(() => decodeTask(seal(env), ACCEPT), ContentDisallowed);
    const jsonOnly = normalizeAccept(['json']);
    assert.throws(() => decodeTask(encodeTask(fullMessage(), { serializer: 'msgpack' }), jsonOnly), ContentDisallowed);
  });

  test('an unknown compression is ContentDisallowed', () => {
    const env = good();
    env.headers.compression = 'application/x-bz2';
    assert.throws(() => decodeTask(seal(env), ACCEPT), ContentDisallowed);
  });

  test('garbage, empty and truncated frames are MessageDecodeError', () => {
    const frame = encodeTask(fullMessage(), { serializer: 'msgpack' });
    assert.throws(() => decodeTask(new TextEncoder().encode('definitely not msgpack'), ACCEPT), isDecodeError);
    assert.throws(() => decodeTask(new Uint8Array(0), ACCEPT), isDecodeError);
    for (const cut of [1, 10, frame.length >> 1, frame.length - 1]) {
      assert.throws(() => decodeTask(frame.subarray(0, cut), ACCEPT), isDecodeError, `cut at ${cut}`);
    }
    assert.throws(() => decodeTask(peer.pack([1, 2, 3]), ACCEPT), isDecodeError);
  });

  test('a frame of another layout or version is MessageDecodeError', () => {
    const frame = raw(encodeTask(fullMessage(), { serializer: 'msgpack' }));
    assert.throws(() => decodeTask(peer.pack([2, ...frame.slice(1)]), ACCEPT), isDecodeError, 'version');
    assert.throws(() => decodeTask(peer.pack(frame.slice(0, -1)), ACCEPT), isDecodeError, 'too short');
    assert.throws(() => decodeTask(peer.pack([...frame, null]), ACCEPT), isDecodeError, 'too long');
    // The map envelope of earlier versions.
    assert.throws(() => decodeTask(peer.pack(toCeleryEnvelope(frame)), ACCEPT), isDecodeError, 'map');
    assert.equal(peekTaskHeaders(peer.pack([2, ...frame.slice(1)])), null);
  });

  test('ill-typed user headers are MessageDecodeError', () => {
    const frame = raw(encodeTask(fullMessage(), { serializer: 'msgpack' }));
    frame[F.userHeaders] = ['not', 'a', 'map'];
    assert.throws(() => decodeTask(peer.pack(frame), ACCEPT), isDecodeError);
  });

  test('a corrupt body is MessageDecodeError', () => {
    const env = good();
    env.body = env.body.subarray(0, env.body.length - 4);
    assert.throws(() => decodeTask(seal(env), ACCEPT), isDecodeError);
    const gz = open(encodeTask(fullMessage(), { serializer: 'json', compression: 'gzip' }));
    gz.body = gz.body.subarray(0, 8);
    assert.throws(() => decodeTask(seal(gz), ACCEPT), isDecodeError);
  });

  const headerCases: [string, (h: Record<string, unknown>) => void][] = [
    ['missing task', (h) => delete h.task],
    ['empty task', (h) => (h.task = '')],
    ['numeric id', (h) => (h.id = 42)],
    ['negative retries', (h) => (h.retries = -1)],
    ['fractional retries', (h) => (h.retries = 1.5)],
    ['unparseable eta', (h) => (h.eta = 'tomorrow')],
    ['impossible eta', (h) => (h.eta = '2024-13-45T00:00:00Z')],
    ['numeric expires', (h) => (h.expires = 1700000000)],
    ['timelimit not a pair', (h) => (h.timelimit = [1])],
    ['negative time limit', (h) => (h.timelimit = [-1, null])],
    ['ignore_result not boolean', (h) => (h.ignore_result = 'yes')],
    ['headers options ill-typed', (h) => (h.x_celeriac = { options: { acksLate: 'sure' } })],
  ];
  for (const [name, mutate] of headerCases) {
    test(`header: ${name}`, () => {
      const env = good();
      mutate(env.headers);
      assert.throws(() => decodeTask(seal(env), ACCEPT), isDecodeError);
    });
  }

  test('priority outside 0-9 is MessageDecodeError', () => {
    for (const priority of [10, -1, 2.5, '3']) {
      const env = good();
      env.properties.priority = priority;
      assert.throws(() => decodeTask(seal(env), ACCEPT), isDecodeError, String(priority));
    }
  });

  const bodyCases: [string, unknown][] = [
    ['args not an array', ['nope', {}, null]],
    ['kwargs an array', [[], [], null]],
    ['kwargs null', [[], null, null]],
    ['too short', [[]]],
    ['not a list', { args: [] }],
    ['callbacks not a list', [[], {}, { callbacks: 'x' }]],
    ['signature without task', [[], {}, { chain: [{ args: [] }] }]],
    ['chord index out of range', [[], {}, { chord: { id: 'c', body: { task: 'b' }, size: 2, index: 2 } }]],
    ['chord without body', [[], {}, { chord: { id: 'c', size: 2, index: 0 } }]],
  ];
  for (const [name, body] of bodyCases) {
    test(`body: ${name}`, () => {
      const env = good();
      env.body = peer.pack(body);
      assert.throws(() => decodeTask(seal(env), ACCEPT), isDecodeError);
    });
  }

  test('a Celery-style message with only the required fields decodes with defaults', () => {
    const frame = seal({
      headers: { task: 'proj.add', id: 'id-1' },
      'content-type': 'application/x-msgpack',
      body: peer.pack([[1, 2], {}]),
    });
    const msg = decodeTask(frame, ACCEPT);
    assert.equal(msg.rootId, 'id-1');
    assert.equal(msg.retries, 0);
    assert.equal(msg.priority, 0);
    assert.deepEqual(msg.timeLimit, [null, null]);
    assert.deepEqual(msg.chain, []);
    assert.deepEqual(msg.options, {});
    assert.deepEqual(msg.args, [1, 2]);
  });
});

describe('wire: peekTaskHeaders', () => {
  test('names a message whose body is broken', () => {
    const env = open(encodeTask(fullMessage(), { serializer: 'msgpack' }));
    env.body = new Uint8Array([1, 2, 3]);
    assert.deepEqual(peekTaskHeaders(seal(env)), { id: fullMessage().id, task: 'proj.tasks.add', replyTo: null });
  });

  test('falls back to correlation_id and a null task', () => {
    const frame = seal({ headers: { task: 7 }, properties: { correlation_id: 'cid' } });
    assert.deepEqual(peekTaskHeaders(frame), { id: 'cid', task: null, replyTo: null });
  });

  test('null for garbage or no id', () => {
    assert.equal(peekTaskHeaders(new TextEncoder().encode('garbage!')), null);
    assert.equal(peekTaskHeaders(new Uint8Array(0)), null);
    assert.equal(peekTaskHeaders(seal({ headers: { task: 't' } })), null);
  });
});

describe('wire: encode checks', () => {
  test('a message no worker would accept is refused at the producer', () => {
    assert.throws(() => encodeTask(newTaskMessage({ task: 't', priority: 10 }), { serializer: 'msgpack' }), ConfigError);
    assert.throws(() => encodeTask(newTaskMessage({ task: '' }), { serializer: 'msgpack' }), ConfigError);
    assert.throws(
      () => encodeTask(newTaskMessage({ task: 't' }), { serializer: 'pickle' as SerializerName }),
      ContentDisallowed,
    );
  });

  test('a __proto__ user header neither pollutes nor survives', () => {
    const headers = JSON.parse('{"__proto__": {"polluted": true}, "ok": 1}') as Record<string, unknown>;
    const back = decodeTask(encodeTask(newTaskMessage({ task: 't', headers }), { serializer: 'msgpack' }), ACCEPT);
    assert.deepEqual(back.headers, { ok: 1 });
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
});
