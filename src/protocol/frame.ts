/**
 * The layout of a task frame: one msgpack array whose positions are the fields of Celery's
 * message protocol v2 (kombu's envelope), in a fixed order. Packing a 17-key map cost ~3× an
 * array of the same values, and the frame was four times larger; the frame never leaves our own
 * transports, and a transport that speaks to Python Celery (Redis, AMQP) builds kombu's envelope
 * with `toCeleryEnvelope` (the body bytes are already kombu's: `[args, kwargs, embed]`).
 *
 * `FRAME_FIELDS[i]` names what position `i` holds, as `headers.<name>`, `properties.<name>` or
 * the envelope key. Constants of v2 are not carried: `properties.correlation_id` is the task id,
 * `properties.delivery_mode` is 2 and `properties.delivery_info` is `{}`.
 */
import { isPlainObject } from './wire-check.ts';

type Obj = Record<string, unknown>;

/** Position 0: the layout's version; a frame with another value is refused. */
export const FRAME_VERSION = 1;

/** What each position of the frame holds, by its Celery v2 name. */
export const FRAME_FIELDS = Object.freeze([
  'version',
  'content-type',
  'content-encoding',
  /** null when the body is not compressed. */
  'headers.compression',
  'headers.lang',
  'headers.task',
  /** Also `properties.correlation_id`. */
  'headers.id',
  /** null when it is the task's own id (a task that starts a workflow). */
  'headers.root_id',
  'headers.parent_id',
  'headers.group',
  'headers.group_index',
  'headers.retries',
  'headers.eta',
  'headers.expires',
  /** `[hard, soft]` as Celery writes it, or null when neither is set. */
  'headers.timelimit',
  'headers.ignore_result',
  'headers.argsrepr',
  'headers.kwargsrepr',
  'headers.origin',
  /** `{ options }`, or null when there are no options. */
  'headers.x_celeriac',
  /** The user's own headers: a map, or null when there are none. */
  'headers.*',
  'properties.reply_to',
  'properties.priority',
  /** The serialized (and maybe compressed) `[args, kwargs, { callbacks, errbacks, chain, chord }]`. */
  'body',
] as const);

/** Positions by name, for the encoder and decoder (kept in step with FRAME_FIELDS by a test). */
export const F = {
  version: 0,
  contentType: 1,
  contentEncoding: 2,
  compression: 3,
  lang: 4,
  task: 5,
  id: 6,
  rootId: 7,
  parentId: 8,
  group: 9,
  groupIndex: 10,
  retries: 11,
  eta: 12,
  expires: 13,
  timelimit: 14,
  ignoreResult: 15,
  argsrepr: 16,
  kwargsrepr: 17,
  origin: 18,
  xCeleriac: 19,
  userHeaders: 20,
  replyTo: 21,
  priority: 22,
  body: 23,
} as const;

export const FRAME_LENGTH = FRAME_FIELDS.length;

/** kombu's envelope for a frame, as a Python Celery peer reads one. */
export interface CeleryEnvelope {
  headers: Record<string, unknown>;
  properties: Record<string, unknown>;
  'content-type': unknown;
  'content-encoding': unknown;
  body: unknown;
}

/**
 * The v2 envelope a decoded frame stands for (no validation: for adapters and tests). Absent
 * optional values are written as v2 writes them (`None`), the user headers merged in.
 */
export function toCeleryEnvelope(frame: readonly unknown[]): CeleryEnvelope {
  const headers: Record<string, unknown> = {};
  const user = frame[F.userHeaders];
  if (isPlainObject(user)) for (const k of Object.keys(user)) headers[k] = user[k];
  for (let i: number = F.compression; i <= F.xCeleriac; i++) {
    const name = FRAME_FIELDS[i]!.slice('headers.'.length);
    const v = frame[i];
    if (i === F.compression && (v === null || v === undefined)) continue;
    if (i === F.xCeleriac && (v === null || v === undefined)) continue;
    headers[name] = v === undefined ? null : v;
  }
  if (headers.root_id === null) headers.root_id = headers.id;
  if (headers.timelimit === null) headers.timelimit = [null, null];
  const properties: Record<string, unknown> = {
    correlation_id: frame[F.id],
    priority: frame[F.priority],
    delivery_mode: 2,
    delivery_info: {},
  };
  const replyTo = frame[F.replyTo];
  if (replyTo !== null && replyTo !== undefined) properties.reply_to = replyTo;
  return {
    headers,
    properties,
    'content-type': frame[F.contentType],
    'content-encoding': frame[F.contentEncoding],
    body: frame[F.body],
  };
}

/**
 * The frame for a v2 envelope (no validation: `decodeTask` checks the result). Headers that
 * are not v2's own become user headers; `headers.id` falls back to `properties.correlation_id`.
 */
export function fromCeleryEnvelope(env: Partial<CeleryEnvelope>): unknown[] {
  const h: Obj = isPlainObject(env.headers) ? env.headers : {};
  const p: Obj = isPlainObject(env.properties) ? env.properties : {};
  const frame: unknown[] = new Array<unknown>(FRAME_LENGTH).fill(null);
  frame[F.version] = FRAME_VERSION;
  frame[F.contentType] = env['content-type'] ?? null;
  frame[F.contentEncoding] = env['content-encoding'] ?? null;
  const own = new Set<string>();
  for (let i: number = F.compression; i <= F.xCeleriac; i++) {
    const name = FRAME_FIELDS[i]!.slice('headers.'.length);
    own.add(name);
    frame[i] = h[name] ?? null;
  }
  frame[F.id] = h.id ?? p.correlation_id ?? null;
  const user: Obj = {};
  let any = false;
  for (const k of Object.keys(h)) {
    if (own.has(k)) continue;
    user[k] = h[k];
    any = true;
  }
  frame[F.userHeaders] = any ? user : null;
  frame[F.replyTo] = p.reply_to ?? null;
  frame[F.priority] = p.priority ?? null;
  frame[F.body] = env.body ?? null;
  return frame;
}
