/**
 * Validators for the config keys whose values have structure: transport URLs, content types,
 * time zones, task routes, the beat schedule and transport connection options. Each returns a
 * frozen, normalised copy and never mutates the caller's value.
 */
import type { Seconds } from '../util/time.ts';
import { validateApplyOptions, type ValidatedApplyOptions } from './apply-options.ts';
import {
  checkPriority,
  checkQueueName,
  checkString,
  fail,
  isObjectLike,
  isPlainObject,
  type Where,
} from './validate.ts';
import { unknownNameError } from './suggest.ts';

/** Where a task goes. Celery's `exchange`/`routing_key` are accepted and ignored. */
export interface Route {
  queue: string;
  /** 0-9, 9 highest. */
  priority?: number;
}

/** Celery's router function: a route, a queue name, or null/undefined to ask the next router. */
export type RouterFn = (
  name: string,
  args: readonly unknown[],
  options: Readonly<Record<string, unknown>>,
) => Route | string | null | undefined;

/** Task name or glob (`'proj.*'`) → route, or a bare queue name. Checked in insertion order. */
export type RouteMap = Readonly<Record<string, Route | string>>;
export type TaskRoutes = RouteMap | RouterFn | ReadonlyArray<RouteMap | RouterFn>;

/** A schedule object such as `crontab()`; a number means "every N seconds". */
export interface ScheduleLike {
  next(after: Date): Date;
  isDue(lastRun: Date, now?: Date): { due: boolean; nextInSeconds: Seconds };
}

export interface BeatEntry {
  task: string;
  schedule: Seconds | ScheduleLike;
  args?: readonly unknown[];
  kwargs?: Readonly<Record<string, unknown>>;
  options?: ValidatedApplyOptions;
}

/** Accepted serializer names and content types (see serialization/codecs.ts). */
export const ACCEPT_CONTENT = ['msgpack', 'json', 'application/x-msgpack', 'application/msgpack', 'application/json'] as const;
export type AcceptContent = (typeof ACCEPT_CONTENT)[number];

const BROKER_SCHEMES = ['memory:', 'nats:'];

/** One URL or a comma-separated list (a NATS cluster), each with a supported scheme. */
export function checkTransportUrl(w: Where, v: unknown): string {
  const rule = 'a memory:// or nats:// URL (comma-separated for a cluster)';
  if (typeof v !== 'string' || v.trim().length === 0) fail(w, v, rule);
  for (const part of v.split(',')) {
    let url: URL;
    try {
      url = new URL(part.trim());
    } catch {
      return fail(w, v, rule);
    }
    if (!BROKER_SCHEMES.includes(url.protocol)) fail(w, v, rule);
  }
  return v;
}

/** `undefined` (same kind as the broker), `'disabled'`, or a transport URL. */
export function checkBackend(w: Where, v: unknown): string | undefined {
  if (v === undefined || v === 'disabled') return v;
  if (v === null) fail(w, v, "a memory:// or nats:// URL, 'disabled', or undefined (same kind as the broker)");
  return checkTransportUrl(w, v);
}

export function checkAcceptContent(w: Where, v: unknown): readonly AcceptContent[] {
  const rule = `a non-empty array of ${ACCEPT_CONTENT.map((c) => `'${c}'`).join(', ')}`;
  if (!Array.isArray(v) || v.length === 0) fail(w, v, rule);
  v.forEach((item: unknown, i) => {
    if (typeof item !== 'string' || !(ACCEPT_CONTENT as readonly string[]).includes(item)) {
      fail({ ...w, field: String(i) }, item, rule);
    }
  });
  return Object.freeze([...(v as AcceptContent[])]);
}

/** An IANA zone name known to Intl, returned in its canonical spelling (`utc` → `UTC`). */
export function checkTimezone(w: Where, v: unknown): string {
  if (typeof v === 'string' && v.length > 0) {
    try {
      return new Intl.DateTimeFormat('en-US', { timeZone: v }).resolvedOptions().timeZone;
    } catch {
      // RangeError: unknown zone; reported below.
    }
  }
  return fail(w, v, 'an IANA time zone name known to Intl (e.g. "Europe/Oslo")');
}

const ROUTE_FIELDS = new Map([['queue', 'queue'], ['priority', 'priority']]);
const IGNORED_ROUTE_FIELDS = new Set(['exchange', 'exchange_type', 'routing_key', 'routingKey']);

/** `w` one level deeper: `taskRoutes.proj.*.queue`. */
const sub = (w: Where, field: string): Where => ({ ...w, field: w.field === undefined ? field : `${w.field}.${field}` });

/** A route as a router or route map gives it: a queue name or `{ queue, priority? }`. */
export function checkRoute(w: Where, v: unknown): Route {
  if (typeof v === 'string') return Object.freeze({ queue: checkQueueName(w, v) });
  if (!isObjectLike(v)) fail(w, v, 'a queue name or a route { queue, priority? }');
  const route: Route = { queue: checkQueueName(sub(w, 'queue'), v['queue']) };
  for (const name of Object.keys(v)) {
    if (ROUTE_FIELDS.has(name) || IGNORED_ROUTE_FIELDS.has(name)) continue;
    throw Object.assign(unknownNameError(name, ROUTE_FIELDS, 'route field'), sub(w, name));
  }
  if (v['priority'] !== undefined) route.priority = checkPriority(sub(w, 'priority'), v['priority']);
  return Object.freeze(route);
}

function checkRouteMap(w: Where, v: Record<string, unknown>): RouteMap {
  const out: Record<string, Route> = {};
  for (const [pattern, route] of Object.entries(v)) {
    out[pattern] = checkRoute({ ...w, field: pattern }, route);
  }
  return Object.freeze(out);
}

export function checkTaskRoutes(w: Where, v: unknown): TaskRoutes {
  const rule = 'a route map, a router function, or an array of them';
  const one = (item: unknown, at: Where): RouteMap | RouterFn => {
    if (typeof item === 'function') return item as RouterFn;
    if (isObjectLike(item)) return checkRouteMap(at, item);
    return fail(at, item, rule);
  };
  if (Array.isArray(v)) return Object.freeze(v.map((item: unknown, i) => one(item, { ...w, field: String(i) })));
  return one(v, w);
}

const ENTRY_FIELDS = new Map(['task', 'schedule', 'args', 'kwargs', 'options'].map((n) => [n, n]));

function checkSchedule(w: Where, v: unknown): Seconds | ScheduleLike {
  if (typeof v === 'number' && Number.isFinite(v) && v > 0) return v;
  if (isObjectLike(v) && typeof v['next'] === 'function' && typeof v['isDue'] === 'function') {
    return v as unknown as ScheduleLike;
  }
  return fail(w, v, 'a number of seconds > 0 or a schedule with next() and isDue() (e.g. crontab())');
}

/** name → `{ task, schedule, args?, kwargs?, options? }`; schedules are checked by shape only. */
export function checkBeatSchedule(w: Where, v: unknown): Readonly<Record<string, BeatEntry>> {
  if (!isObjectLike(v)) fail(w, v, 'an object of name → { task, schedule, args?, kwargs?, options? }');
  const out: Record<string, BeatEntry> = {};
  for (const [name, entry] of Object.entries(v)) {
    const at = (field: string): Where => ({ key: w.key, field: `${name}.${field}` });
    if (!isObjectLike(entry)) fail({ key: w.key, field: name }, entry, 'a beat entry { task, schedule, ... }');
    for (const f of Object.keys(entry)) {
      if (!ENTRY_FIELDS.has(f)) {
        throw Object.assign(unknownNameError(f, ENTRY_FIELDS, 'beat entry field'), { key: w.key, field: `${name}.${f}` });
      }
    }
    const e: BeatEntry = { task: checkString(at('task'), entry['task']), schedule: checkSchedule(at('schedule'), entry['schedule']) };
    const { args, kwargs, options } = entry;
    if (args !== undefined) {
      if (!Array.isArray(args)) fail(at('args'), args, 'an array');
      e.args = Object.freeze([...(args as unknown[])]);
    }
    if (kwargs !== undefined) {
      if (!isPlainObject(kwargs)) fail(at('kwargs'), kwargs, 'a plain object');
      e.kwargs = Object.freeze({ ...kwargs });
    }
    if (options !== undefined) {
      try {
        e.options = validateApplyOptions(options);
      } catch (err) {
        // Re-home the option error under this key so the message says where it came from.
        const k = (err as { key?: string }).key;
        throw Object.assign(err as Error, { key: w.key, field: `${name}.options${k === undefined ? '' : `.${k}`}` });
      }
    }
    out[name] = Object.freeze(e);
  }
  return Object.freeze(out);
}

const SECRET_FIELD = /pass|token|secret|seed|nkey|^key$|privatekey|creds$|authenticator/i;

/** Options passed through to the transport (`user`, `pass`, `token`, `credsFile`, `tls`, ...). */
export function checkConnectionOptions(w: Where, v: unknown): Readonly<Record<string, unknown>> {
  if (!isPlainObject(v)) fail(w, v, 'a plain object of transport connection options');
  return Object.freeze({ ...v });
}

/** A copy with secret-looking fields replaced by `'***'`, at any depth. */
export function maskSecrets(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(maskSecrets);
  if (!isObjectLike(v)) return v;
  const out: Record<string, unknown> = {};
  for (const [k, val] of Object.entries(v)) {
    out[k] = SECRET_FIELD.test(k) && val !== undefined && val !== null ? '***' : maskSecrets(val);
  }
  return out;
}
