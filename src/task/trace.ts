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
 *
 * The soft time limit aborts `self.signal`; JavaScript cannot raise inside running code as
 * Celery's signal handler does, so only a bound task (which has `self.signal`) can observe it,
 * and a synchronous CPU-bound task never does (the hard limit is the pool's job). A task that
 * catches the abort and returns normally succeeds, as in Celery.
 */
export async function traceTask(
  def: TaskDefinition,
  exec: ExecRequest,
  deps: TraceDeps,
): Promise<ExecOutcome> {
  const now = deps.now ?? Date.now;
  const t0 = performance.now();
  const { request } = exec;
  const revoke = deps.signal;
  if (revoke?.aborted) {
    return { status: 'revoked', error: toWire(revokeReason(revoke)), runtime: 0 };
  }
  // Only a bound task can see its signal: the controller, its soft-limit timer and the revoke
  // link are made for bound tasks alone (this is the hot path of every no-op task).
  const bound = def.options.bind === true;
  const controller = bound ? new AbortController() : null;
  // The task sees the revoker's reason (a pool may abort with TimeLimitExceeded at a hard limit).
  const onRevoke =
    controller !== null && revoke !== undefined ? (): void => controller.abort(signalReason(revoke)) : null;
  if (onRevoke !== null) revoke!.addEventListener('abort', onRevoke, { once: true });
  let softTimer: ReturnType<typeof setTimeout> | undefined;
  if (controller !== null && exec.softTimeLimit !== null && exec.softTimeLimit > 0) {
    softTimer = softLimitTimer(controller, exec.softTimeLimit);
  }

  try {
    if (exec.trackStarted) {
      deps.sink({ type: 'started', id: request.id, pid: deps.pid ?? process.pid, at: now() });
    }
    const fn = def.fn as (...a: unknown[]) => unknown;
    const args = hasKeys(request.kwargs) ? [...request.args, request.kwargs] : request.args;
    const value = controller !== null
      ? await fn(new TaskContext(request, { signal: controller.signal, sink: deps.sink }), ...args)
      : await fn(...args);
    return { status: 'success', value, runtime: (performance.now() - t0) / 1000 };
  } catch (err) {
    const runtime = (performance.now() - t0) / 1000;
    if (revoke?.aborted) {
      return { status: 'revoked', error: toWire(revokeReason(revoke)), runtime };
    }
    return failureOrRetry(def, exec, err, now, deps.random ?? Math.random, runtime);
  } finally {
    if (softTimer !== undefined) clearTimeout(softTimer);
    if (onRevoke !== null) revoke!.removeEventListener('abort', onRevoke);
  }
}

function softLimitTimer(controller: AbortController, limit: number): ReturnType<typeof setTimeout> {
  const timer = setTimeout(() => {
    controller.abort(new SoftTimeLimitExceeded(`soft time limit (${limit}s) exceeded`));
  }, limit * 1000);
  timer.unref?.();
  return timer;
}

function hasKeys(o: Record<string, unknown>): boolean {
  for (const _ in o) return true;
  return false;
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
