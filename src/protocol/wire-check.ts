/**
 * Field checks for decoding a task message. Each returns the value with its proper type or
 * throws MessageDecodeError naming the field and the rule. They are plain `typeof` tests with no
 * allocation on the success path: decoding is on the worker's hot path.
 */
import { MessageDecodeError } from '../errors.ts';
import type { ChordRef, SignatureData, TaskMessage } from './task-message.ts';
import { shortRepr } from './repr.ts';

type Obj = Record<string, unknown>;

/** Throws MessageDecodeError: "`where` must be `rule`, got <value>". */
export function bad(where: string, rule: string, got: unknown): never {
  throw new MessageDecodeError(`task message ${where} must be ${rule}, got ${shortRepr(got, 80)}`);
}

/** A plain object (a msgpack map or JSON object), not an array, Date, Buffer or null. */
export function isPlainObject(v: unknown): v is Obj {
  if (typeof v !== 'object' || v === null) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

export function plainObject(v: unknown, where: string): Obj {
  return isPlainObject(v) ? v : bad(where, 'a map', v);
}

export function nonEmptyString(v: unknown, where: string): string {
  return typeof v === 'string' && v !== '' ? v : bad(where, 'a non-empty string', v);
}

/** A string, or null when absent or null. */
export function optString(v: unknown, where: string): string | null {
  if (v === undefined || v === null) return null;
  return typeof v === 'string' ? v : bad(where, 'a string or null', v);
}

/** A non-negative integer, or `dflt` when absent or null. */
export function optCount<D extends number | null>(v: unknown, where: string, dflt: D): number | D {
  if (v === undefined || v === null) return dflt;
  return Number.isSafeInteger(v) && (v as number) >= 0 ? (v as number) : bad(where, 'a non-negative integer', v);
}

export function optBoolean(v: unknown, where: string, dflt: boolean): boolean {
  if (v === undefined || v === null) return dflt;
  return typeof v === 'boolean' ? v : bad(where, 'a boolean', v);
}

// ISO 8601 date-time as Python's isoformat() and Date#toISOString() write it; Date.parse then
// rejects impossible dates (month 13) that the pattern lets through.
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?$/;

/** An ISO 8601 date-time string, or null. */
export function optIsoTime(v: unknown, where: string): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v === 'string' && ISO_DATE_TIME.test(v) && !Number.isNaN(Date.parse(v))) return v;
  return bad(where, 'an ISO 8601 date-time or null', v);
}

function optSeconds(v: unknown, where: string): number | null {
  if (v === undefined || v === null) return null;
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : bad(where, 'non-negative seconds or null', v);
}

/**
 * Celery's `timelimit` header is `[hard, soft]` (celery/app/amqp.py writes
 * `[time_limit, soft_time_limit]`, though its protocol page says "(soft, hard)"); the typed
 * message keeps `[soft, hard]`.
 */
export function timeLimitFromWire(v: unknown): TaskMessage['timeLimit'] {
  if (v === undefined || v === null) return [null, null];
  if (!Array.isArray(v) || v.length !== 2) return bad("header 'timelimit'", '[hard, soft] or null', v);
  return [optSeconds(v[1], "header 'timelimit' soft"), optSeconds(v[0], "header 'timelimit' hard")];
}

/** A signature dict as Celery writes one; absent fields are filled in place. */
export function signature(v: unknown, where: string): SignatureData {
  const s = plainObject(v, where);
  nonEmptyString(s.task, `${where}.task`);
  if (s.args === undefined) s.args = [];
  else if (!Array.isArray(s.args)) bad(`${where}.args`, 'a list', s.args);
  if (s.kwargs === undefined) s.kwargs = {};
  else plainObject(s.kwargs, `${where}.kwargs`);
  if (s.options === undefined) s.options = {};
  else plainObject(s.options, `${where}.options`);
  if (s.immutable === undefined) s.immutable = false;
  else if (typeof s.immutable !== 'boolean') bad(`${where}.immutable`, 'a boolean', s.immutable);
  optString(s.subtask_type, `${where}.subtask_type`);
  optCount(s.chord_size, `${where}.chord_size`, null);
  return s as unknown as SignatureData;
}

/** A list of signatures; null or absent is the empty list. */
export function signatureList(v: unknown, where: string): SignatureData[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) return bad(where, 'a list of signatures or null', v);
  for (let i = 0; i < v.length; i++) signature(v[i], `${where}[${i}]`);
  return v as SignatureData[];
}

export function chordRef(v: unknown, where: string): ChordRef | null {
  if (v === undefined || v === null) return null;
  const c = plainObject(v, where);
  nonEmptyString(c.id, `${where}.id`);
  signature(c.body, `${where}.body`);
  const size = optCount(c.size, `${where}.size`, null);
  if (size === null || size < 1) bad(`${where}.size`, 'an integer >= 1', c.size);
  const index = optCount(c.index, `${where}.index`, null);
  if (index === null || index >= size) bad(`${where}.index`, `an integer in [0, ${size})`, c.index);
  return c as unknown as ChordRef;
}

/** `x_celeriac.options`: known keys are type-checked; unknown keys are kept for newer peers. */
export function taskOptions(v: unknown, where: string): TaskMessage['options'] {
  if (v === undefined || v === null) return {};
  const o = plainObject(v, where);
  if (o.acksLate !== undefined && typeof o.acksLate !== 'boolean') bad(`${where}.acksLate`, 'a boolean', o.acksLate);
  if (o.trackStarted !== undefined && typeof o.trackStarted !== 'boolean') {
    bad(`${where}.trackStarted`, 'a boolean', o.trackStarted);
  }
  if (o.maxRetries !== undefined) optCount(o.maxRetries, `${where}.maxRetries`, null);
  return o as TaskMessage['options'];
}
