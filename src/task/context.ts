/**
 * `self` of a bound task (Celery's `Task` seen from inside a run): the request, an abort signal,
 * `retry()` and `updateState()`. It is built inside a pool thread, so it imports only util/,
 * errors.ts and protocol/ (DESIGN.md §2: a thread never opens a connection).
 */
import { Retry } from '../errors.ts';
import type { ExecEvent, TaskRequestInfo } from '../protocol/execution.ts';

/** Options of `self.retry()`; durations in seconds, as in Celery. */
export interface RetryOptions {
  /** The error to record as the reason (state RETRY), and to raise when retries are exhausted. */
  exc?: unknown;
  /** Seconds before the retry runs. @default the task's defaultRetryDelay (180) */
  countdown?: number;
  /** When the retry may run; ignored if `countdown` is given. */
  eta?: Date;
  /**
   * Overrides the task's maxRetries for this decision. As Celery's `max_retries=None`, `null`
   * (or leaving it out) means "the task's own limit".
   */
  maxRetries?: number | null;
}

export interface TaskContextInit {
  /** Where `updateState` sends its events (a thread's channel, or the inline pool). */
  sink: (ev: ExecEvent) => void;
  /**
   * Aborted on the soft time limit (SoftTimeLimitExceeded) or a revoke (TaskRevokedError).
   * @default a signal that never aborts
   */
  signal?: AbortSignal;
}

const NEVER = new AbortController().signal;

export class TaskContext {
  /** The request being run (`self.request` in Celery). */
  readonly request: TaskRequestInfo;
  /**
   * Aborts with a `SoftTimeLimitExceeded` reason when the soft time limit passes, or with a
   * `TaskRevokedError` reason when the task is revoked with `terminate`. Pass it to fetch,
   * timers and streams so that async work stops; a task may also catch the abort and return.
   */
  readonly signal: AbortSignal;
  readonly #sink: (ev: ExecEvent) => void;

  constructor(request: TaskRequestInfo, init: TaskContextInit) {
    this.request = request;
    this.signal = init.signal ?? NEVER;
    this.#sink = init.sink;
  }

  /**
   * Asks to run this task again later: throws a `Retry` that the tracer turns into a retry
   * decision (or a failure once retries are exhausted). Use it as `throw self.retry(...)` or
   * just `self.retry(...)`: it never returns.
   */
  retry(opts: RetryOptions = {}): never {
    const when: { exc?: unknown; countdown?: number; eta?: Date; maxRetries?: number } = {};
    if (opts.exc !== undefined) when.exc = opts.exc;
    if (opts.countdown !== undefined) when.countdown = opts.countdown;
    if (opts.eta !== undefined) when.eta = opts.eta;
    // null is Celery's None: "use the task's limit", the same as leaving it out.
    if (opts.maxRetries !== undefined && opts.maxRetries !== null) when.maxRetries = opts.maxRetries;
    const reason = opts.exc instanceof Error ? `${opts.exc.name}: ${opts.exc.message}` : 'retry requested';
    throw new Retry(`Retry of ${this.request.task}[${this.request.id}]: ${reason}`, when);
  }

  /**
   * Records a custom state (e.g. `'PROGRESS'`) with its meta. Fire-and-forget: the event is
   * sent synchronously to the worker, which writes it to the result backend. `meta` must be
   * cloneable (plain data).
   */
  updateState(state: string, meta?: unknown): void {
    this.#sink({ type: 'state', id: this.request.id, state, meta });
  }
}
