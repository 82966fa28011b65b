/**
 * The one place a TaskMessage meets the wire: a frame is a msgpack map shaped like Celery's
 * message protocol v2 (kombu's envelope), whatever the body's serializer:
 *
 *   { headers, properties, 'content-type', 'content-encoding', body }
 *
 * `body` is the serialized (and maybe compressed) `[args, kwargs, { callbacks, errbacks, chain,
 * chord }]`. The envelope is always msgpack so that a worker can read the headers, check the
 * content type and name a message it refuses before it touches the body.
 */
import { ConfigError, MessageDecodeError } from '../errors.ts';
import { assertAccepted } from '../serialization/accept.ts';
import { codecFor, msgpackCodec } from '../serialization/codecs.ts';
import { COMPRESSION_CONTENT_TYPES, compress, decompress } from '../serialization/compression.ts';
import { shortRepr } from './repr.ts';
import type { EncodeOptions, SignatureData, TaskMessage } from './task-message.ts';
import {
  bad,
  chordRef,
  isPlainObject,
  nonEmptyString,
  optBoolean,
  optCount,
  optIsoTime,
  optString,
  plainObject,
  signatureList,
  taskOptions,
  timeLimitFromWire,
} from './wire-check.ts';

/**
 * Header names celeriac writes itself; a user header with one of these names is dropped on
 * encode and never surfaces as a user header on decode. `__proto__` is here so that copying
 * user headers can never reach an object's prototype.
 */
export const RESERVED_HEADERS: ReadonlySet<string> = new Set([
  'lang',
  'task',
  'id',
  'root_id',
  'parent_id',
  'group',
  'group_index',
  'retries',
  'eta',
  'expires',
  'timelimit',
  'ignore_result',
  'argsrepr',
  'kwargsrepr',
  'origin',
  'compression',
  'x_celeriac',
  '__proto__',
]);

export interface EncodeTaskOptions extends EncodeOptions {
  /** `properties.reply_to`, for a backend that replies to a queue. Omitted when absent. */
  replyTo?: string | null;
}

/** Celery writes `None` for an empty link list; so do we (and read either). */
const listOrNull = (list: SignatureData[]): SignatureData[] | null => (list.length === 0 ? null : list);

/**
 * Encodes a task message as a frame. Throws ConfigError for a message no worker would accept
 * (empty id or task, priority outside 0-9) and ContentDisallowed for an unknown serializer or
 * compression; a value the serializer cannot write (a BigInt under JSON) throws its own error.
 */
export function encodeTask(msg: TaskMessage, opts: EncodeTaskOptions): Uint8Array {
  if (typeof msg.id !== 'string' || msg.id === '') {
    throw new ConfigError(`task message \`id\` must be a non-empty string, got ${shortRepr(msg.id, 80)}`);
  }
  if (typeof msg.task !== 'string' || msg.task === '') {
    throw new ConfigError(`task message \`task\` must be a non-empty string, got ${shortRepr(msg.task, 80)}`);
  }
  if (!Number.isInteger(msg.priority) || msg.priority < 0 || msg.priority > 9) {
    throw new ConfigError(`\`priority\` must be an integer 0-9, got ${shortRepr(msg.priority, 80)}`);
  }
  const codec = codecFor(opts.serializer);
  let body = codec.encode([
    msg.args,
    msg.kwargs,
    {
      callbacks: listOrNull(msg.callbacks),
      errbacks: listOrNull(msg.errbacks),
      chain: listOrNull(msg.chain),
      chord: msg.chord,
    },
  ]);
  const headers: Record<string, unknown> = {
    lang: 'js',
    task: msg.task,
    id: msg.id,
    root_id: msg.rootId,
    parent_id: msg.parentId,
    group: msg.groupId,
    group_index: msg.groupIndex,
    retries: msg.retries,
    eta: msg.eta,
    expires: msg.expires,
    // Celery's order is [hard, soft]: see timeLimitFromWire.
    timelimit: [msg.timeLimit[1], msg.timeLimit[0]],
    ignore_result: msg.ignoreResult,
    argsrepr: shortRepr(msg.args),
    kwargsrepr: shortRepr(msg.kwargs),
    origin: msg.origin,
    x_celeriac: { options: msg.options },
  };
  const compression = opts.compression ?? null;
  if (compression !== null) {
    body = compress(body, compression);
    headers.compression = COMPRESSION_CONTENT_TYPES[compression];
  }
  const user = msg.headers;
  for (const key of Object.keys(user)) {
    if (!RESERVED_HEADERS.has(key)) headers[key] = user[key];
  }
  const properties: Record<string, unknown> = {
    correlation_id: msg.id,
    priority: msg.priority,
    delivery_mode: 2,
    delivery_info: {},
  };
  if (opts.replyTo !== undefined && opts.replyTo !== null) properties.reply_to = opts.replyTo;
  return msgpackCodec.encode({
    headers,
    properties,
    'content-type': codec.contentType,
    'content-encoding': codec.contentEncoding,
    body,
  });
}

const NONE: Record<string, unknown> = Object.freeze({}) as Record<string, unknown>;

function decodeEnvelope(frame: Uint8Array): Record<string, unknown> {
  let env: unknown;
  try {
    env = msgpackCodec.decode(frame);
  } catch (err) {
    throw new MessageDecodeError(`task message is not a msgpack envelope: ${(err as Error).message.slice(0, 120)}`, {
      cause: err,
    });
  }
  return plainObject(env, 'envelope');
}

/**
 * Decodes and validates a frame. ContentDisallowed when its content type is not in `accept`
 * (checked before the body is touched) or its compression is unknown; MessageDecodeError when
 * anything is malformed. The body is decoded exactly once.
 */
export function decodeTask(frame: Uint8Array, accept: ReadonlySet<string>): TaskMessage {
  const env = decodeEnvelope(frame);
  const contentType = env['content-type'];
  if (typeof contentType !== 'string') bad("'content-type'", 'a string', contentType);
  assertAccepted(contentType, accept);

  const h = plainObject(env.headers, 'headers');
  const p = env.properties === undefined || env.properties === null ? NONE : plainObject(env.properties, 'properties');
  const id = nonEmptyString(h.id, "header 'id'");
  const task = nonEmptyString(h.task, "header 'task'");
  const priority = optCount(p.priority, "property 'priority'", 0);
  if (priority > 9) bad("property 'priority'", 'an integer 0-9', priority);
  const x = h.x_celeriac === undefined || h.x_celeriac === null ? NONE : plainObject(h.x_celeriac, "header 'x_celeriac'");
  const headers: Record<string, unknown> = {};
  for (const key of Object.keys(h)) {
    if (!RESERVED_HEADERS.has(key)) headers[key] = h[key];
  }
  // Locals, then one object literal at the end: a spread of a partial object costs more than
  // the rest of the validation together.
  const rootId = optString(h.root_id, "header 'root_id'") ?? id;
  const parentId = optString(h.parent_id, "header 'parent_id'");
  const groupId = optString(h.group, "header 'group'");
  const groupIndex = optCount(h.group_index, "header 'group_index'", null);
  const retries = optCount(h.retries, "header 'retries'", 0);
  const eta = optIsoTime(h.eta, "header 'eta'");
  const expires = optIsoTime(h.expires, "header 'expires'");
  const timeLimit = timeLimitFromWire(h.timelimit);
  const ignoreResult = optBoolean(h.ignore_result, "header 'ignore_result'", false);
  const origin = optString(h.origin, "header 'origin'") ?? '';
  const options = taskOptions(x.options, "header 'x_celeriac'.options");

  if (!(env.body instanceof Uint8Array)) return bad('body', 'bytes', env.body);
  let raw: Uint8Array = env.body;
  const compression = optString(h.compression, "header 'compression'");
  if (compression !== null) raw = decompress(raw, compression);
  const codec = codecFor(contentType);
  let decoded: unknown;
  try {
    decoded = codec.decode(raw);
  } catch (err) {
    throw new MessageDecodeError(`task message body is not valid ${codec.name}: ${(err as Error).message.slice(0, 120)}`, {
      cause: err,
    });
  }
  if (!Array.isArray(decoded) || decoded.length < 2 || decoded.length > 3) {
    return bad('body', '[args, kwargs, embed]', decoded);
  }
  const args: unknown = decoded[0];
  if (!Array.isArray(args)) bad('body args', 'a list', args);
  const kwargs = plainObject(decoded[1], 'body kwargs');
  const embed = decoded[2] === undefined || decoded[2] === null ? NONE : plainObject(decoded[2], 'body embed');
  return {
    id,
    task,
    args,
    kwargs,
    rootId,
    parentId,
    groupId,
    groupIndex,
    retries,
    eta,
    expires,
    timeLimit,
    ignoreResult,
    origin,
    priority,
    headers,
    callbacks: signatureList(embed.callbacks, 'embed.callbacks'),
    errbacks: signatureList(embed.errbacks, 'embed.errbacks'),
    chain: signatureList(embed.chain, 'embed.chain'),
    chord: chordRef(embed.chord, 'embed.chord'),
    options,
  };
}

/**
 * Best effort: the id and task name of a frame that may be malformed, to name a dead-lettered
 * message in logs and to write its FAILURE state. Never throws; null when no id can be found.
 */
export function peekTaskHeaders(frame: Uint8Array): { id: string; task: string | null } | null {
  let env: unknown;
  try {
    env = msgpackCodec.decode(frame);
  } catch {
    return null;
  }
  if (!isPlainObject(env)) return null;
  const h = isPlainObject(env.headers) ? env.headers : NONE;
  const p = isPlainObject(env.properties) ? env.properties : NONE;
  const nonEmpty = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
  const id = nonEmpty(h.id) ?? nonEmpty(p.correlation_id);
  return id === null ? null : { id, task: nonEmpty(h.task) };
}
