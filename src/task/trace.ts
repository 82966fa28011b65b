/**
 * Runs one task and turns whatever happens into an ExecOutcome (Celery's `build_tracer`): a
 * value, a failure, a retry decision or a revocation. It never rejects, so the pools can run
 * it without a try/catch of their own. Imports only util/, errors.ts, protocol/ and task/, so a
 * pool thread can load it.
 */
import {
  MaxRetriesExceededError,
  Retry,
  SoftTimeLimitExceeded,
  TaskRevokedError,
  toWire,
} from '../errors.ts';
import { exponentialBackoff } from '../util/backoff.ts';
import type { ExecEvent, ExecOutcome, ExecRequest } from '../protocol/execution.ts';
import { TaskContext } from './context.ts';
import type { TaskDefinition } from './registry.ts';

export interface TraceDeps {
  /** Receives `started` and `state` events, in order. */
  sink: (ev: ExecEvent) => void;
  /** Aborted on revoke: the task's own signal aborts too, and a throw after it is `revoked`. */
  signal?: AbortSignal;
  /** Epoch milliseconds, for `started.at` and `eta` countdowns. @default Date.now */
  now?: () => number;
  /** For retry jitter. @default Math.random */
  random?: () => number;
  /** Reported in the `started` event. @default process.pid */
  pid?: number;
}

const DEFAULT_MAX_RETRIES = 3;
const DEFAULT_RETRY_DELAY = 180;
const DEFAULT_BACKOFF_MAX = 600;

/**
 * Runs `def.fn` for `exec`. Arguments: `(ctx, ...args)` with `bind`, else `(...args)`; a
 * non-empty `kwargs` object is passed as one extra last argument (JavaScript has no keyword
 * arguments; this is for messages sent by Python producers).
 */
export async function traceTask(
  def: TaskDefinition,
  exec: ExecRequest,
  deps: TraceDeps,
): Promise<ExecOutcome> {
  const now = deps.now ?? Date.now;
  const t0 = performance.now();
  const runtime = (): number => (performance.now() - t0) / 1000;
  const { request } = exec;
  const revoke = deps.signal;
  if (revoke?.aborted) {
    return { status: 'revoked', error: toWire(revokeReason(revoke)), runtime: 0 };
  }

  const controller = new AbortController();
  // The task sees the revoker's reason (a pool may abort with TimeLimitExceeded at a hard limit).
  const onRevoke = (): void => controller.abort(signalReason(revoke!));
  revoke?.addEventListener('abort', onRevoke, { once: true });
  let softTimer: ReturnType<typeof setTimeout> | undefined;
  if (exec.softTimeLimit !== null && exec.softTimeLimit > 0) {
    const limit = exec.softTimeLimit;
    softTimer = setTimeout(() => {
      controller.abort(new SoftTimeLimitExceeded(`soft time limit (${limit}s) exceeded`));
    }, limit * 1000);
    softTimer.unref?.();
  }

  try {
    if (exec.trackStarted) {
      deps.sink({ type: 'started', id: request.id, pid: deps.pid ?? process.pid, at: now() });
    }
    const args: unknown[] = [...request.args];
    if (Object.keys(request.kwargs).length > 0) args.push(request.kwargs);
    const fn = def.fn as (...a: unknown[]) => unknown;
    const value = def.options.bind
      ? await fn(new TaskContext(request, { signal: controller.signal, sink: deps.sink }), ...args)
      : await fn(...args);
    return { status: 'success', value, runtime: runtime() };
  } catch (err) {
    if (revoke?.aborted) {
      return { status: 'revoked', error: toWire(revokeReason(revoke)), runtime: runtime() };
    }
    return failureOrRetry(def, exec, err, now, deps.random ?? Math.random, runtime());
  } finally {
    if (softTimer !== undefined) clearTimeout(softTimer);
    revoke?.removeEventListener('abort', onRevoke);
  }
}

function signalReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error && reason.name !== 'AbortError' ? reason : new TaskRevokedError('revoked');
}

function revokeReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof TaskRevokedError ? reason : new TaskRevokedError('revoked');
}

/** Retry, autoretry or plain failure, decided exactly as Celery's `Task.retry`. */
function failureOrRetry(
  def: TaskDefinition,
  exec: ExecRequest,
  err: unknown,
  now: () => number,
  random: () => number,
  runtime: number,
): ExecOutcome {
  const o = def.options;
  if (err instanceof Retry) {
    const { exc, countdown, eta, maxRetries } = err.when;
    if (exhausted(def, exec, maxRetries)) {
      const final = exc ?? maxRetriesError(exec);
      return { status: 'failure', error: toWire(final), runtime };
    }
    const delay =
      countdown ?? (eta !== undefined ? Math.max(0, (eta.getTime() - now()) / 1000) : (o.defaultRetryDelay ?? DEFAULT_RETRY_DELAY));
    return { status: 'retry', countdown: delay, error: toWire(exc ?? err), runtime };
  }
  const auto = o.autoretryFor ?? [];
  if (auto.length > 0 && auto.some((cls) => err instanceof cls)) {
    // CELERY-BEHAVIOUR.md #20: once exhausted, the final error is the task's own exception.
    if (exhausted(def, exec, undefined)) return { status: 'failure', error: toWire(err), runtime };
    const backoff = o.retryBackoff ?? false;
    const delay =
      backoff === false
        ? (o.defaultRetryDelay ?? DEFAULT_RETRY_DELAY)
        : exponentialBackoff(
            backoff === true ? 1 : backoff,
            exec.request.retries,
            o.retryBackoffMax ?? DEFAULT_BACKOFF_MAX,
            o.retryJitter ?? true,
            random,
          );
    return { status: 'retry', countdown: delay, error: toWire(err), runtime };
  }
  return { status: 'failure', error: toWire(err), runtime };
}

/**
 * Celery: `retries = request.retries + 1`; the limit is the call's, else the message's, else
 * the task's (where `null` means no limit), else 3.
 */
function exhausted(def: TaskDefinition, exec: ExecRequest, callMax: number | undefined): boolean {
  const retries = exec.request.retries + 1;
  const max =
    callMax ??
    (exec.maxRetries !== undefined
      ? exec.maxRetries
      : def.options.maxRetries !== undefined
        ? def.options.maxRetries
        : DEFAULT_MAX_RETRIES);
  return max !== null && retries > max;
}

function maxRetriesError(exec: ExecRequest): MaxRetriesExceededError {
  const { task, id, args, kwargs } = exec.request;
  let shown: string;
  try {
    shown = `args:${JSON.stringify(args)} kwargs:${JSON.stringify(kwargs)}`;
  } catch {
    shown = '';
  }
  return new MaxRetriesExceededError(`Can't retry ${task}[${id}] ${shown}`);
}
