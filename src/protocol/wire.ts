/**
 * The one place a TaskMessage meets the wire. A frame is a msgpack array laid out as
 * src/protocol/frame.ts documents: the fields of Celery's message protocol v2 (kombu's envelope)
 * at fixed positions, whatever the body's serializer. The body is the serialized (and maybe
 * compressed) `[args, kwargs, { callbacks, errbacks, chain, chord }]`, kept as bytes inside the
 * frame, so that a worker reads the headers, checks the content type and names a message it
 * refuses before it touches the body.
 */
import { ConfigError, MessageDecodeError } from '../errors.ts';
import { assertAccepted } from '../serialization/accept.ts';
import { codecFor, msgpackCodec } from '../serialization/codecs.ts';
import {
  beginArray,
  BinOf,
  endArray,
  Packed,
  packArray,
  packedString,
  putNull,
  putPacked,
  putString,
  putValue,
} from '../serialization/fast-pack.ts';
import { type ElementHint, unpackArray } from '../serialization/fast-unpack.ts';
import { COMPRESSION_CONTENT_TYPES, compress, decompress } from '../serialization/compression.ts';
import { F, FRAME_LENGTH, FRAME_VERSION } from './frame.ts';
import { shortRepr } from './repr.ts';
import type { Compression, EncodeOptions, SignatureData, TaskMessage } from './task-message.ts';
import {
  bad,
  chordRef,
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

const NO_EMBED = Object.freeze({ callbacks: null, errbacks: null, chain: null, chord: null });
/** The embed of a task with no links, chain or chord: the same bytes every time. */
const NO_EMBED_PACKED = new Packed(msgpackCodec.encode(NO_EMBED));

/** The last origin written (a producer's is the same every time) and its packed bytes. */
const ORIGIN: { of: unknown; packed: unknown } = { of: undefined, packed: undefined };

function packedOrigin(origin: unknown): unknown {
  if (typeof origin !== 'string') return origin;
  ORIGIN.of = origin;
  ORIGIN.packed = packedString(origin);
  return ORIGIN.packed;
}
const EMPTY_ARGS_REPR = packedString('[]');
const EMPTY_KWARGS_REPR = packedString('{}');

/** Frame positions whose strings repeat from message to message, read through a cache. */
const FRAME_HINTS: (ElementHint | undefined)[] = [];
for (const i of [F.contentType, F.contentEncoding, F.compression, F.lang, F.task, F.argsrepr, F.kwargsrepr, F.origin, F.replyTo]) {
  FRAME_HINTS[i] = { intern: true };
}

const hasKeys = (o: Record<string, unknown>): boolean => {
  for (const _ in o) return true;
  return false;
};

/** User headers without the reserved names, or null when none is left. */
function userHeaders(user: Record<string, unknown>): Record<string, unknown> | null {
  if (!hasKeys(user)) return null;
  let out: Record<string, unknown> | null = null;
  for (const key of Object.keys(user)) {
    if (RESERVED_HEADERS.has(key)) continue;
    out ??= {};
    out[key] = user[key];
  }
  return out;
}

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
  const linked = msg.callbacks.length > 0 || msg.errbacks.length > 0 || msg.chain.length > 0 || msg.chord !== null;
  const embed = linked
    ? { callbacks: listOrNull(msg.callbacks), errbacks: listOrNull(msg.errbacks), chain: listOrNull(msg.chain), chord: msg.chord }
    : NO_EMBED;
  const compression = opts.compression ?? null;
  let body: Uint8Array | BinOf;
  if (codec === msgpackCodec) {
    const values = [msg.args, msg.kwargs, linked ? embed : NO_EMBED_PACKED];
    // Uncompressed, the body is packed in place inside the frame.
    body = compression === null ? new BinOf(values) : compress(packArray(values), compression);
  } else {
    body = codec.encode([msg.args, msg.kwargs, embed]);
    if (compression !== null) body = compress(body, compression);
  }
  const [soft, hard] = msg.timeLimit;
  // One literal in FRAME_FIELDS order (see frame.ts). The strings that repeat from message to
  // message go pre-packed.
  // Written position by position in FRAME_FIELDS order (see frame.ts); the values that repeat
  // from message to message go pre-packed.
  beginArray(FRAME_LENGTH);
  putPacked(framePrefix(codec, compression));
  putPacked(packedString(msg.task));
  putString(msg.id);
  if (msg.rootId === msg.id) putNull();
  else putValue(msg.rootId);
  putValue(msg.parentId);
  putValue(msg.groupId);
  putValue(msg.groupIndex);
  putValue(msg.retries);
  putValue(msg.eta);
  putValue(msg.expires);
  // Celery's order is [hard, soft]: see timeLimitFromWire.
  putValue(soft === null && hard === null ? null : [hard, soft]);
  putValue(msg.ignoreResult);
  // Display only (Celery's saferepr): the common empty cases cost nothing.
  putValue(msg.args.length === 0 ? EMPTY_ARGS_REPR : shortRepr(msg.args));
  putValue(hasKeys(msg.kwargs) ? shortRepr(msg.kwargs) : EMPTY_KWARGS_REPR);
  putValue(msg.origin === ORIGIN.of ? ORIGIN.packed : packedOrigin(msg.origin));
  putValue(hasKeys(msg.options) ? { options: msg.options } : null);
  putValue(userHeaders(msg.headers));
  putValue(opts.replyTo ?? msg.replyTo ?? null);
  putValue(msg.priority);
  putValue(body);
  return endArray();
}

/**
 * The frame's first five positions (version, content type, content encoding, compression,
 * lang) depend only on the codec and the compression: packed once per pair.
 */
const prefixes = new Map<string, Packed>();

function framePrefix(codec: { contentType: string; contentEncoding: string }, compression: Compression | null): Packed {
  const key = compression === null ? codec.contentType : `${codec.contentType}|${compression}`;
  let p = prefixes.get(key);
  if (p === undefined) {
    const parts = [FRAME_VERSION, codec.contentType, codec.contentEncoding, compression === null ? null : COMPRESSION_CONTENT_TYPES[compression], 'js'];
    const bytes = parts.map((v) => msgpackCodec.encode(v));
    const all = new Uint8Array(bytes.reduce((n, b) => n + b.length, 0));
    let at = 0;
    for (const b of bytes) {
      all.set(b, at);
      at += b.length;
    }
    p = new Packed(all);
    prefixes.set(key, p);
  }
  return p;
}

const NONE: Record<string, unknown> = Object.freeze({}) as Record<string, unknown>;

function decodeFrame(frame: Uint8Array): unknown[] {
  let f: unknown[];
  try {
    // The body comes out as a view into the frame: it is decoded (or inflated) once, then dropped.
    f = unpackArray(frame, FRAME_LENGTH, 'view', FRAME_HINTS);
  } catch (err) {
    throw new MessageDecodeError(
      `task message is not a msgpack array of ${FRAME_LENGTH} fields: ${(err as Error).message.slice(0, 120)}`,
      { cause: err },
    );
  }
  if (f[F.version] !== FRAME_VERSION) return bad('frame version', String(FRAME_VERSION), f[F.version]);
  return f;
}

/** The body of a task with no links, chain or chord decodes to NONE without reading the map. */
const BODY_HINTS: (ElementHint | undefined)[] = [undefined, undefined, { constant: { bytes: NO_EMBED_PACKED.bytes, value: null } }];

/**
 * Decodes and validates a frame. ContentDisallowed when its content type is not in `accept`
 * (checked before the body is touched) or its compression is unknown; MessageDecodeError when
 * anything is malformed. The body is decoded exactly once.
 */
export function decodeTask(frame: Uint8Array, accept: ReadonlySet<string>): TaskMessage {
  const f = decodeFrame(frame);
  const contentType = f[F.contentType];
  if (typeof contentType !== 'string') bad("'content-type'", 'a string', contentType);
  assertAccepted(contentType, accept);

  const id = nonEmptyString(f[F.id], "header 'id'");
  const task = nonEmptyString(f[F.task], "header 'task'");
  const priority = optCount(f[F.priority], "property 'priority'", 0);
  if (priority > 9) bad("property 'priority'", 'an integer 0-9', priority);
  const xv = f[F.xCeleriac];
  const x = xv === undefined || xv === null ? NONE : plainObject(xv, "header 'x_celeriac'");
  const uv = f[F.userHeaders];
  const headers: Record<string, unknown> = {};
  if (uv !== null && uv !== undefined) {
    const u = plainObject(uv, 'user headers');
    for (const key of Object.keys(u)) {
      if (!RESERVED_HEADERS.has(key)) headers[key] = u[key];
    }
  }
  // Locals, then one object literal at the end: a spread of a partial object costs more than
  // the rest of the validation together.
  const rootId = optString(f[F.rootId], "header 'root_id'") ?? id;
  const parentId = optString(f[F.parentId], "header 'parent_id'");
  const groupId = optString(f[F.group], "header 'group'");
  const groupIndex = optCount(f[F.groupIndex], "header 'group_index'", null);
  const retries = optCount(f[F.retries], "header 'retries'", 0);
  const eta = optIsoTime(f[F.eta], "header 'eta'");
  const expires = optIsoTime(f[F.expires], "header 'expires'");
  const timeLimit = timeLimitFromWire(f[F.timelimit]);
  const ignoreResult = optBoolean(f[F.ignoreResult], "header 'ignore_result'", false);
  const origin = optString(f[F.origin], "header 'origin'") ?? '';
  const options = taskOptions(x.options, "header 'x_celeriac'.options");
  const replyTo = optString(f[F.replyTo], "property 'reply_to'");

  const rawBody = f[F.body];
  if (!(rawBody instanceof Uint8Array)) return bad('body', 'bytes', rawBody);
  let raw: Uint8Array = rawBody;
  const compression = optString(f[F.compression], "header 'compression'");
  if (compression !== null) raw = decompress(raw, compression);
  const codec = codecFor(contentType);
  let decoded: unknown;
  try {
    decoded = codec === msgpackCodec ? unpackArray(raw, -1, 'copy', BODY_HINTS) : codec.decode(raw);
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
    replyTo,
  };
}

/**
 * Best effort: the id and task name of a frame that may be malformed, to name a dead-lettered
 * message in logs and to write its FAILURE state. Never throws; null when no id can be found.
 */
export function peekTaskHeaders(frame: Uint8Array): { id: string; task: string | null; replyTo: string | null } | null {
  let f: unknown;
  try {
    f = msgpackCodec.decode(frame);
  } catch {
    return null;
  }
  if (!Array.isArray(f) || f[F.version] !== FRAME_VERSION) return null;
  const nonEmpty = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
  const id = nonEmpty(f[F.id]);
  return id === null ? null : { id, task: nonEmpty(f[F.task]), replyTo: nonEmpty(f[F.replyTo]) };
}
