/**
 * Small checkers shared by the config key table and the task/apply option validators. Each
 * takes `unknown` (JS callers and config files are not type-checked) and either returns the
 * value, normalised, or throws a `ConfigError` that names the key, the value and the rule:
 * "`workerPrefetchMultiplier` must be an integer >= 0, got -1".
 */
import { ConfigError } from '../errors.ts';
import type { Seconds } from '../util/time.ts';
import type { Compression, SerializerName } from '../protocol/task-message.ts';

/** Fields set on every `ConfigError` raised here, for callers and tests to read. */
export interface ConfigErrorFields {
  /** The key (config key, task option or apply option) whose value was refused. */
  key: string;
  /** The sub-field inside the key's value, when the key holds an object. */
  field?: string;
  /** The refused value (as given; not stringified). */
  value?: unknown;
  /** The rule broken, e.g. `an integer >= 0`. */
  rule?: string;
  /** The closest known name, for an unknown key. */
  suggestion?: string;
  /** Human hint, e.g. "did you mean `taskRoutes`?". */
  hint?: string;
  /** The task whose options were refused. */
  task?: string;
}

export type ConfigErrorWithFields = ConfigError & ConfigErrorFields;

/** Makes a `ConfigError` carrying `fields` as own properties (they survive `toWire`). */
export function configError(message: string, fields: ConfigErrorFields): ConfigErrorWithFields {
  const err = new ConfigError(message);
  return Object.assign(err, stripUndefined(fields)) as ConfigErrorWithFields;
}

/** Where a value is being checked: the key, and the prefix for messages (a task's name). */
export interface Where {
  key: string;
  field?: string;
  task?: string;
}

export const where = (key: string, field?: string, task?: string): Where => ({ key, field, task });

function label(w: Where): string {
  const name = w.field === undefined ? w.key : `${w.key}.${w.field}`;
  return w.task === undefined ? `\`${name}\`` : `task \`${w.task}\`: \`${name}\``;
}

/** Throws the canonical "`key` must be RULE, got VALUE" error. */
export function fail(w: Where, value: unknown, rule: string): never {
  throw configError(`${label(w)} must be ${rule}, got ${describe(value)}`, {
    key: w.key,
    field: w.field,
    task: w.task,
    value,
    rule,
  });
}

/** A short, safe rendering of a value for an error message (URL passwords masked). */
export function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(maskUrlPasswords(value)).slice(0, 120);
  if (typeof value === 'function') return '<function>';
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return String(value);
  }
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  if (Array.isArray(value)) return `an array of ${value.length}`;
  const proto = Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null;
  const ctor = proto?.constructor?.name;
  return ctor !== undefined && ctor !== 'Object' ? `a ${ctor}` : 'an object';
}

/** `nats://user:secret@host` → `nats://user:***@host`, for each comma-separated URL. */
export function maskUrlPasswords(text: string): string {
  return text.replace(/(\/\/[^:/@,\s]*:)[^@/,\s]+@/g, '$1***@');
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/** Any non-null, non-array object (plain, class instance, module namespace). */
export function isObjectLike(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function checkBoolean(w: Where, v: unknown): boolean {
  if (typeof v !== 'boolean') fail(w, v, 'a boolean');
  return v;
}

export function checkString(w: Where, v: unknown): string {
  if (typeof v !== 'string' || v.length === 0) fail(w, v, 'a non-empty string');
  return v;
}

/** An integer in [min, max]. */
export function checkInteger(w: Where, v: unknown, min: number, max = Infinity): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    fail(w, v, max === Infinity ? `an integer >= ${min}` : `an integer from ${min} to ${max}`);
  }
  return v;
}

/** A finite number of seconds, `> 0` (`strict`) or `>= 0`. */
export function checkSeconds(w: Where, v: unknown, strict: boolean): Seconds {
  const ok = typeof v === 'number' && Number.isFinite(v) && (strict ? v > 0 : v >= 0);
  if (!ok) fail(w, v, strict ? 'a number of seconds > 0' : 'a number of seconds >= 0');
  return v as number;
}

export function checkFinite(w: Where, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(w, v, 'a finite number');
  return v;
}

/** Priority of a message: an integer 0-9, 9 highest. */
export const checkPriority = (w: Where, v: unknown): number => checkInteger(w, v, 0, 9);

/** `check` unless the value is null, which is kept. */
export function nullable<T>(check: (w: Where, v: unknown) => T): (w: Where, v: unknown) => T | null {
  return (w, v) => (v === null ? null : check(w, v));
}

export function checkOneOf<T extends string>(w: Where, v: unknown, allowed: readonly T[]): T {
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    fail(w, v, `one of ${allowed.map((a) => `'${a}'`).join(', ')}`);
  }
  return v as T;
}

export const SERIALIZERS: readonly SerializerName[] = ['msgpack', 'json'];
export const COMPRESSIONS: readonly Compression[] = ['gzip', 'deflate', 'brotli'];

export const checkSerializer = (w: Where, v: unknown): SerializerName => checkOneOf(w, v, SERIALIZERS);

/** A compression name; Celery's `'zlib'` is the same format as node:zlib's deflate. */
export function checkCompression(w: Where, v: unknown): Compression {
  if (v === 'zlib') return 'deflate';
  return checkOneOf(w, v, COMPRESSIONS);
}

/**
 * A queue name: non-empty, no whitespace and no NATS wildcard characters (`*`, `>`), since
 * queue names become subject tokens on the NATS transport.
 */
export function checkQueueName(w: Where, v: unknown): string {
  if (typeof v !== 'string' || !/^[^\s*>]+$/.test(v)) {
    fail(w, v, 'a queue name (non-empty, no spaces, `*` or `>`)');
  }
  return v;
}

/** A valid Date, or an ISO 8601 string (a signature's options after a JSON round trip). */
export function checkDate(w: Where, v: unknown): Date {
  const d = typeof v === 'string' ? new Date(v) : v;
  if (!(d instanceof Date) || Number.isNaN(d.getTime())) fail(w, v, 'a valid Date');
  return new Date(d.getTime());
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) {
    if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  }
  return out;
}
