/**
 * Validation of the options a task is declared with (`app.task(name, fn, options)`), once, at
 * declaration, into a frozen object. Options with a fixed default are resolved here; options
 * that fall back to a config key (`acksLate` → `taskAcksLate`, ...) stay `undefined` when not
 * given, so that a later `conf.update()` still applies: `resolveTaskOptions()` merges them
 * with the config when a task is published or run. An explicit `null` (`maxRetries`,
 * `timeLimit`, `softTimeLimit`) means "none", and overrides the config.
 */
import type { Seconds } from '../util/time.ts';
import type { SerializerName } from '../protocol/task-message.ts';
import {
  DEFAULT_RETRY_BACKOFF_FACTOR,
  DEFAULT_RETRY_BACKOFF_MAX,
  DEFAULT_RETRY_JITTER,
  type ConfigValues,
} from './keys.ts';
import { parseRateLimit } from './rate-limit.ts';
import { unknownNameError } from './suggest.ts';
import {
  checkBoolean,
  checkInteger,
  checkPriority,
  checkQueueName,
  checkSeconds,
  checkSerializer,
  fail,
  isObjectLike,
  type Where,
} from './validate.ts';

export { validateApplyOptions, APPLY_OPTION_NAMES, type ValidatedApplyOptions } from './apply-options.ts';

/** Structurally task/options.ts `ErrorClass` (config/ may not import task/). */
export type ErrorClassLike = abstract new (...args: never[]) => Error;

/** `TaskOptions` (src/task/options.ts) after validation; assignable to it. */
export interface ValidatedTaskOptions {
  readonly bind: boolean;
  /** `undefined`: `conf.taskMaxRetries`; `null`: no limit. */
  readonly maxRetries: number | null | undefined;
  /** `undefined`: `conf.taskDefaultRetryDelay`. */
  readonly defaultRetryDelay: Seconds | undefined;
  /** Frozen. */
  readonly autoretryFor: ErrorClassLike[];
  /** The backoff factor in seconds (`true` became 1), or `false` for none. */
  readonly retryBackoff: Seconds | false;
  readonly retryBackoffMax: Seconds;
  readonly retryJitter: boolean;
  /** As given (`'10/m'` or a number), `null` for none; parse with `parseRateLimit`. */
  readonly rateLimit: string | number | null;
  /** `undefined`: `conf.taskTimeLimit`; `null`: none. */
  readonly timeLimit: Seconds | null | undefined;
  /** `undefined`: `conf.taskSoftTimeLimit`; `null`: none. */
  readonly softTimeLimit: Seconds | null | undefined;
  /** `undefined`: `conf.taskIgnoreResult`. */
  readonly ignoreResult: boolean | undefined;
  /** `undefined`: `conf.taskTrackStarted`. */
  readonly trackStarted: boolean | undefined;
  /** `undefined`: `conf.taskAcksLate`. */
  readonly acksLate: boolean | undefined;
  /** `undefined`: routing decides (taskRoutes, then taskDefaultQueue). */
  readonly queue: string | undefined;
  /** `undefined`: `conf.taskDefaultPriority`. */
  readonly priority: number | undefined;
  /** `undefined`: `conf.taskSerializer`. */
  readonly serializer: SerializerName | undefined;
  /** Seconds after publishing; `null` for none. */
  readonly expires: Seconds | null;
}

type Check = (w: Where, v: unknown) => unknown;
const seconds = (strict: boolean) => (w: Where, v: unknown) => (v === null ? null : checkSeconds(w, v, strict));

const TASK_CHECKS: Readonly<Record<keyof ValidatedTaskOptions, Check>> = {
  bind: checkBoolean,
  maxRetries: (w, v) => (v === null ? null : checkInteger(w, v, 0)),
  defaultRetryDelay: (w, v) => checkSeconds(w, v, false),
  autoretryFor: (w, v) => {
    if (!Array.isArray(v)) fail(w, v, 'an array of error classes');
    v.forEach((c: unknown, i) => {
      if (typeof c !== 'function') fail({ ...w, field: String(i) }, c, 'an error class');
    });
    return Object.freeze([...(v as ErrorClassLike[])]);
  },
  retryBackoff: (w, v) => {
    if (typeof v === 'boolean') return v ? DEFAULT_RETRY_BACKOFF_FACTOR : false;
    const factor = checkSeconds(w, v, false);
    return factor === 0 ? false : factor;
  },
  retryBackoffMax: (w, v) => checkSeconds(w, v, false),
  retryJitter: checkBoolean,
  rateLimit: (w, v) => (parseRateLimit(v, w) === null ? null : v),
  timeLimit: seconds(true),
  softTimeLimit: seconds(true),
  ignoreResult: checkBoolean,
  trackStarted: checkBoolean,
  acksLate: checkBoolean,
  queue: checkQueueName,
  priority: checkPriority,
  serializer: checkSerializer,
  expires: seconds(false),
};

export const TASK_OPTION_NAMES: readonly string[] = Object.freeze(Object.keys(TASK_CHECKS));
const TASK_SPELLINGS: ReadonlyMap<string, string> = new Map(TASK_OPTION_NAMES.map((n) => [n, n]));

const TASK_DEFAULTS: ValidatedTaskOptions = Object.freeze({
  bind: false,
  maxRetries: undefined,
  defaultRetryDelay: undefined,
  autoretryFor: Object.freeze([]) as unknown as ErrorClassLike[],
  retryBackoff: false,
  retryBackoffMax: DEFAULT_RETRY_BACKOFF_MAX,
  retryJitter: DEFAULT_RETRY_JITTER,
  rateLimit: null,
  timeLimit: undefined,
  softTimeLimit: undefined,
  ignoreResult: undefined,
  trackStarted: undefined,
  acksLate: undefined,
  queue: undefined,
  priority: undefined,
  serializer: undefined,
  expires: null,
});

/**
 * Validates a task's declared options. Input is `unknown` (JS callers); `undefined`/`null`
 * mean none; an option set to `undefined` is not given. Throws ConfigError with `key`,
 * `task`, `value`, `rule`, or `suggestion`/`hint` for an unknown option.
 */
export function validateTaskOptions(name: unknown, opts: unknown): ValidatedTaskOptions {
  if (typeof name !== 'string' || name.length === 0) fail({ key: 'name' }, name, 'a non-empty task name');
  if (opts === undefined || opts === null) return TASK_DEFAULTS;
  if (!isObjectLike(opts)) fail({ key: 'options', task: name }, opts, 'an options object');
  const out: Record<string, unknown> = { ...TASK_DEFAULTS };
  for (const [option, value] of Object.entries(opts)) {
    if (!Object.hasOwn(TASK_CHECKS, option)) throw unknownNameError(option, TASK_SPELLINGS, 'task option', name);
    if (value === undefined) continue;
    out[option] = TASK_CHECKS[option as keyof ValidatedTaskOptions]({ key: option, task: name }, value);
  }
  return Object.freeze(out) as unknown as ValidatedTaskOptions;
}

/** The config keys that task options fall back to. */
export type TaskConfigDefaults = Pick<
  ConfigValues,
  | 'taskMaxRetries'
  | 'taskDefaultRetryDelay'
  | 'taskTimeLimit'
  | 'taskSoftTimeLimit'
  | 'taskIgnoreResult'
  | 'taskTrackStarted'
  | 'taskAcksLate'
  | 'taskDefaultPriority'
  | 'taskSerializer'
>;

/** Task options with every config fallback filled in (only `queue` may stay undefined). */
export interface EffectiveTaskOptions extends ValidatedTaskOptions {
  readonly maxRetries: number | null;
  readonly defaultRetryDelay: Seconds;
  readonly timeLimit: Seconds | null;
  readonly softTimeLimit: Seconds | null;
  readonly ignoreResult: boolean;
  readonly trackStarted: boolean;
  readonly acksLate: boolean;
  readonly priority: number;
  readonly serializer: SerializerName;
}

/** Fills a task's unset options from the config (`conf.snapshot()` or `conf` itself). */
export function resolveTaskOptions(opts: ValidatedTaskOptions, conf: TaskConfigDefaults): EffectiveTaskOptions {
  // `=== undefined`, not `??`: an explicit null (no limit) must not fall back to the config.
  const or = <T, U>(v: T | undefined, d: U): T | U => (v === undefined ? d : v);
  return Object.freeze({
    ...opts,
    maxRetries: or(opts.maxRetries, conf.taskMaxRetries),
    defaultRetryDelay: or(opts.defaultRetryDelay, conf.taskDefaultRetryDelay),
    timeLimit: or(opts.timeLimit, conf.taskTimeLimit),
    softTimeLimit: or(opts.softTimeLimit, conf.taskSoftTimeLimit),
    ignoreResult: or(opts.ignoreResult, conf.taskIgnoreResult),
    trackStarted: or(opts.trackStarted, conf.taskTrackStarted),
    acksLate: or(opts.acksLate, conf.taskAcksLate),
    priority: or(opts.priority, conf.taskDefaultPriority),
    serializer: or(opts.serializer, conf.taskSerializer),
  });
}
