/**
 * Validation of one call's options (`applyAsync(args, options)`, signature options, beat
 * entry options). Input is `unknown`: JS callers and wire data are not type-checked. The
 * result is a frozen copy holding only the options given, normalised: `link`/`linkError`
 * become arrays, `eta`/`expires` ISO strings become Dates, snake_case retry policy fields
 * become camelCase, `'zlib'` becomes `'deflate'`.
 */
import type { Seconds } from '../util/time.ts';
import type { RetryPolicy } from '../util/backoff.ts';
import type { Compression, SerializerName, SignatureData } from '../protocol/task-message.ts';
import { checkRetryPolicy } from './retry-policy.ts';
import { unknownNameError } from './suggest.ts';
import {
  checkBoolean,
  checkCompression,
  checkDate,
  checkFinite,
  checkPriority,
  checkQueueName,
  checkSeconds,
  checkSerializer,
  checkString,
  fail,
  isObjectLike,
  isPlainObject,
  type Where,
} from './validate.ts';

/** Structurally the same as task/signature-like.ts `SignatureLike` (config/ may not import task/). */
export type SignatureLikeShape = { toJSON(): SignatureData } | SignatureData;

/** `ApplyOptions` (src/task/options.ts) after validation; assignable to it. */
export interface ValidatedApplyOptions {
  readonly taskId?: string;
  readonly countdown?: Seconds;
  readonly eta?: Date;
  readonly expires?: Seconds | Date;
  readonly queue?: string;
  readonly priority?: number;
  readonly link?: SignatureLikeShape[];
  readonly linkError?: SignatureLikeShape[];
  readonly retry?: boolean;
  readonly retryPolicy?: Partial<RetryPolicy>;
  readonly serializer?: SerializerName;
  readonly compression?: Compression;
  readonly headers?: Record<string, unknown>;
  readonly ignoreResult?: boolean;
  readonly timeLimit?: Seconds;
  readonly softTimeLimit?: Seconds;
}

type Check = (w: Where, v: unknown) => unknown;

const APPLY_CHECKS: Readonly<Record<keyof ValidatedApplyOptions, Check>> = {
  taskId: checkString,
  countdown: checkFinite,
  eta: checkDate,
  expires: (w, v) => (typeof v === 'number' ? checkFinite(w, v) : checkExpiresDate(w, v)),
  queue: checkQueueName,
  priority: checkPriority,
  link: checkSignatures,
  linkError: checkSignatures,
  retry: checkBoolean,
  retryPolicy: checkRetryPolicy,
  serializer: checkSerializer,
  compression: checkCompression,
  headers: (w, v) => {
    if (!isPlainObject(v)) fail(w, v, 'a plain object');
    return Object.freeze({ ...v });
  },
  ignoreResult: checkBoolean,
  timeLimit: (w, v) => checkSeconds(w, v, true),
  softTimeLimit: (w, v) => checkSeconds(w, v, true),
};

/** Every apply option name, in declaration order. */
export const APPLY_OPTION_NAMES: readonly string[] = Object.freeze(Object.keys(APPLY_CHECKS));
const APPLY_SPELLINGS: ReadonlyMap<string, string> = new Map(APPLY_OPTION_NAMES.map((n) => [n, n]));

/**
 * Validates one call's options. `undefined` and `null` input mean "no options"; an option
 * whose value is `undefined` is treated as not given. Throws `ConfigError` (with `key`,
 * `value`, `rule`, or `suggestion`/`hint` for an unknown option).
 */
export function validateApplyOptions(opts: unknown): ValidatedApplyOptions {
  if (opts === undefined || opts === null) return Object.freeze({});
  if (!isObjectLike(opts)) fail({ key: 'options' }, opts, 'an options object');
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(opts)) {
    const check = (APPLY_CHECKS as Record<string, Check | undefined>)[name];
    if (check === undefined || !Object.hasOwn(APPLY_CHECKS, name)) {
      throw unknownNameError(name, APPLY_SPELLINGS, 'apply option');
    }
    if (value === undefined) continue;
    out[name] = check({ key: name }, value);
  }
  return Object.freeze(out) as ValidatedApplyOptions;
}

function checkExpiresDate(w: Where, v: unknown): Date {
  if (v instanceof Date || typeof v === 'string') return checkDate(w, v);
  return fail(w, v, 'a number of seconds or a valid Date');
}

/** A Signature (has `toJSON()`) or its wire form (has a string `task`). */
export function isSignatureLike(v: unknown): v is SignatureLikeShape {
  if (!isObjectLike(v)) return false;
  return typeof v['toJSON'] === 'function' || (typeof v['task'] === 'string' && v['task'].length > 0);
}

function checkSignatures(w: Where, v: unknown): SignatureLikeShape[] {
  const list = Array.isArray(v) ? v : [v];
  list.forEach((s, i) => {
    if (!isSignatureLike(s)) {
      fail(Array.isArray(v) ? { ...w, field: String(i) } : w, s, 'a Signature (or its JSON) or an array of them');
    }
  });
  return Object.freeze([...list]) as SignatureLikeShape[];
}
