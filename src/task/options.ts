/**
 * Options a task is declared with (`app.task(name, fn, options)`), and options of one call
 * (`applyAsync(args, options)`). Durations are seconds, as in Celery.
 */
import type { Seconds } from '../util/time.ts';
import type { RetryPolicy } from '../util/backoff.ts';
import type { Compression, SerializerName } from '../protocol/task-message.ts';
import type { SignatureLike } from './signature-like.ts';

export type ErrorClass = abstract new (...args: never[]) => Error;
/** `'10/s'`, `'10/m'`, `'10/h'`, or a number of tasks per second. */
export type RateLimit = string | number;

export interface TaskOptions {
  /** Pass a TaskContext as the first argument. @default false */
  bind?: boolean;
  /** Retries allowed before MaxRetriesExceededError; `null` for no limit. @default 3 */
  maxRetries?: number | null;
  /** Seconds before a retry when neither countdown nor eta is given. @default 180 */
  defaultRetryDelay?: Seconds;
  /** Errors that retry the task automatically. @default [] */
  autoretryFor?: ErrorClass[];
  /** Exponential backoff for automatic retries: true (factor 1 s) or the factor in seconds. @default false */
  retryBackoff?: boolean | Seconds;
  /** The longest backoff. @default 600 */
  retryBackoffMax?: Seconds;
  /** Full jitter on the backoff. @default true */
  retryJitter?: boolean;
  /** Per-worker rate limit, token bucket holding one token. @default null (none) */
  rateLimit?: RateLimit | null;
  /** Hard limit in seconds: the thread is terminated and the task fails TimeLimitExceeded. */
  timeLimit?: Seconds | null;
  /** Soft limit in seconds: `self.signal` aborts with SoftTimeLimitExceeded. */
  softTimeLimit?: Seconds | null;
  /** Do not store results. @default false */
  ignoreResult?: boolean;
  /** Write STARTED when the task starts. @default false (taskTrackStarted) */
  trackStarted?: boolean;
  /** Ack after the task ends instead of before it starts. @default false (taskAcksLate) */
  acksLate?: boolean;
  /** Queue used when no route and no call option names one. */
  queue?: string;
  /** Default priority 0-9 of its messages. */
  priority?: number;
  /** Serializer of its messages. */
  serializer?: SerializerName;
  /** Default expiry (seconds after publishing) of its messages. */
  expires?: Seconds | null;
}

export interface ApplyOptions {
  taskId?: string;
  /** Seconds from now before which the task must not run. */
  countdown?: Seconds;
  eta?: Date;
  /** Seconds after publishing, or a Date: an expired task is not run and ends REVOKED. */
  expires?: Seconds | Date;
  queue?: string;
  /** 0-9, 9 highest. */
  priority?: number;
  link?: SignatureLike | SignatureLike[];
  linkError?: SignatureLike | SignatureLike[];
  /** Retry publishing when the broker is unreachable. @default true (taskPublishRetry) */
  retry?: boolean;
  retryPolicy?: Partial<RetryPolicy>;
  serializer?: SerializerName;
  compression?: Compression;
  headers?: Record<string, unknown>;
  ignoreResult?: boolean;
  timeLimit?: Seconds;
  softTimeLimit?: Seconds;
}
