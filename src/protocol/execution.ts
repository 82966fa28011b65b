/**
 * What the worker hands a pool to run, and what comes back: plain data that crosses into a
 * thread and back by structured clone (or stays on the host's loop for the inline pool).
 */
import type { WireError } from '../errors.ts';

/** The request fields a bound task sees in `self.request` (Celery's `Context`). */
export interface TaskRequestInfo {
  id: string;
  task: string;
  args: unknown[];
  kwargs: Record<string, unknown>;
  retries: number;
  hostname: string;
  queue: string;
  eta: string | null;
  expires: string | null;
  parentId: string | null;
  rootId: string | null;
  groupId: string | null;
  /** Delivery info: true when the broker handed this message out before. */
  redelivered: boolean;
}

export interface ExecRequest {
  request: TaskRequestInfo;
  /** Seconds; the soft limit aborts `self.signal` and raises SoftTimeLimitExceeded. */
  softTimeLimit: number | null;
  /** Seconds; the hard limit terminates the thread (enforced by the pool). */
  timeLimit: number | null;
  /** Write STARTED when the task starts. */
  trackStarted: boolean;
  /** Overrides the task's maxRetries (from `self.retry({ maxRetries })` chains, message options). */
  maxRetries?: number | null;
}

export type ExecOutcome =
  | { status: 'success'; value: unknown; runtime: number }
  | { status: 'failure'; error: WireError; runtime: number }
  /** The task asked to run again: publish a copy with `retries + 1` not before `countdown`. */
  | { status: 'retry'; countdown: number; error: WireError; runtime: number }
  /** The task was revoked before or while it ran. */
  | { status: 'revoked'; error: WireError; runtime: number }
  /** Cut short by a cold shutdown: the message goes back to the broker, no state is written. */
  | { status: 'aborted'; runtime: number };

/** Side messages a running task sends to its worker (thread → host). */
export type ExecEvent =
  | { type: 'started'; id: string; pid: number; at: number }
  | { type: 'state'; id: string; state: string; meta: unknown };
