/**
 * Every error celeriac raises. Each class has a literal `name` and a stable `code`, so that
 * callers can test `instanceof` or `err.code` and never parse message text. Errors cross
 * threads and hosts as a plain `WireError` and are rebuilt on the other side by `fromWire`.
 */

export interface WireError {
  name: string;
  code?: string;
  message: string;
  stack?: string;
  /** Remote traceback, when the error came from a task. */
  traceback?: string;
  /** Extra own fields (e.g. `taskName`, `key`), kept as plain data. */
  data?: Record<string, unknown>;
}

export class CeleriacError extends Error {
  override name: string = 'CeleriacError';
  readonly code: string = 'CELERIAC_ERROR';
  /** The stack of the place that raised it, when it came from another thread or host. */
  traceback?: string;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

export class TimeoutError extends CeleriacError {
  override name = 'TimeoutError' as const;
  override readonly code = 'CELERIAC_TIMEOUT' as const;
}

/** The broker could not be reached after the publish retry policy ran out. */
export class OperationalError extends CeleriacError {
  override name = 'OperationalError' as const;
  override readonly code = 'CELERIAC_OPERATIONAL' as const;
}

export class NotRegistered extends CeleriacError {
  override name = 'NotRegistered' as const;
  override readonly code = 'CELERIAC_NOT_REGISTERED' as const;
  constructor(readonly taskName: string, options?: ErrorOptions) {
    super(`Task of kind '${taskName}' never registered, please make sure it's imported.`, options);
  }
}

export class TaskRevokedError extends CeleriacError {
  override name = 'TaskRevokedError' as const;
  override readonly code = 'CELERIAC_TASK_REVOKED' as const;
}

export class TimeLimitExceeded extends CeleriacError {
  override name = 'TimeLimitExceeded' as const;
  override readonly code = 'CELERIAC_TIME_LIMIT_EXCEEDED' as const;
}

export class SoftTimeLimitExceeded extends CeleriacError {
  override name = 'SoftTimeLimitExceeded' as const;
  override readonly code = 'CELERIAC_SOFT_TIME_LIMIT_EXCEEDED' as const;
}

/** The thread running a task died (process.exit, resource limits, a native crash). */
export class WorkerLostError extends CeleriacError {
  override name = 'WorkerLostError' as const;
  override readonly code = 'CELERIAC_WORKER_LOST' as const;
}

export class ContentDisallowed extends CeleriacError {
  override name = 'ContentDisallowed' as const;
  override readonly code = 'CELERIAC_CONTENT_DISALLOWED' as const;
}

export class ConfigError extends CeleriacError {
  override name = 'ConfigError' as const;
  override readonly code = 'CELERIAC_CONFIG' as const;
}

/** Thrown by `self.retry()`: not a failure, a request to run again later. */
export class Retry extends CeleriacError {
  override name = 'Retry' as const;
  override readonly code = 'CELERIAC_RETRY' as const;
  constructor(
    message: string,
    readonly when: { countdown?: number; eta?: Date; exc?: unknown; maxRetries?: number } = {},
  ) {
    super(message);
  }
}

export class MaxRetriesExceededError extends CeleriacError {
  override name = 'MaxRetriesExceededError' as const;
  override readonly code = 'CELERIAC_MAX_RETRIES_EXCEEDED' as const;
}

export class ChordError extends CeleriacError {
  override name = 'ChordError' as const;
  override readonly code = 'CELERIAC_CHORD' as const;
}

/** A message that could not be decoded or validated (it is dead-lettered, never run). */
export class MessageDecodeError extends CeleriacError {
  override name = 'MessageDecodeError' as const;
  override readonly code = 'CELERIAC_MESSAGE_DECODE' as const;
}

/**
 * A message the broker delivered more than `maxDeliver` times without it ever being settled
 * (say, its task kills its worker process each time under acksLate): it is dead-lettered
 * instead of run again, and its task ends FAILURE with this error.
 */
export class PoisonMessageError extends CeleriacError {
  override name = 'PoisonMessageError' as const;
  override readonly code = 'CELERIAC_POISON_MESSAGE' as const;
}

/**
 * A worker that answers but cannot consume (its broker subscription keeps failing, or hears
 * nothing): its reply to `ping`, so `celeriac status` and probes see it.
 */
export class WorkerUnhealthyError extends CeleriacError {
  override name = 'WorkerUnhealthyError' as const;
  override readonly code = 'CELERIAC_WORKER_UNHEALTHY' as const;
}

/** An operation on something already closed (an app, a worker, a transport). */
export class ClosedError extends CeleriacError {
  override name = 'ClosedError' as const;
  override readonly code = 'CELERIAC_CLOSED' as const;
}

/** A bounded mailbox or queue refused a message because it is full. */
export class OverflowError extends CeleriacError {
  override name = 'OverflowError' as const;
  override readonly code = 'CELERIAC_OVERFLOW' as const;
}

/**
 * An error raised by user code whose class is not known on this side: it keeps the task's own
 * `name` and `message`, and the remote stack in `traceback`.
 */
export class RemoteError extends Error {
  traceback?: string;
  code?: string;
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

type Ctor = new (...args: never[]) => CeleriacError;
const KNOWN: Record<string, Ctor> = {
  CeleriacError,
  TimeoutError,
  OperationalError,
  NotRegistered,
  TaskRevokedError,
  TimeLimitExceeded,
  SoftTimeLimitExceeded,
  WorkerLostError,
  ContentDisallowed,
  ConfigError,
  Retry,
  MaxRetriesExceededError,
  ChordError,
  MessageDecodeError,
  PoisonMessageError,
  WorkerUnhealthyError,
  ClosedError,
  OverflowError,
};

const OWN_SKIP = new Set(['name', 'message', 'stack', 'code', 'traceback', 'cause']);

/** Turns anything thrown into plain data that survives msgpack, JSON and structured clone. */
export function toWire(err: unknown): WireError {
  if (err instanceof Error) {
    const e = err as Error & { code?: unknown; traceback?: unknown };
    const data: Record<string, unknown> = {};
    for (const key of Object.keys(e)) {
      if (OWN_SKIP.has(key)) continue;
      const v = (e as unknown as Record<string, unknown>)[key];
      if (v === undefined || typeof v === 'function') continue;
      data[key] = isPlain(v) ? v : String(v);
    }
    const wire: WireError = { name: e.name, message: e.message };
    if (typeof e.code === 'string') wire.code = e.code;
    if (e.stack !== undefined) wire.stack = e.stack;
    if (typeof e.traceback === 'string') wire.traceback = e.traceback;
    if (Object.keys(data).length > 0) wire.data = data;
    return wire;
  }
  // A task that throws a non-Error: wrap it so it stays readable (Celery wraps it too).
  let text: string;
  try {
    text = typeof err === 'string' ? err : JSON.stringify(err) ?? String(err);
  } catch {
    text = String(err);
  }
  return { name: 'NonErrorThrown', message: text, data: { value: isPlain(err) ? err : text } };
}

/**
 * Rebuilds an error from its wire form: celeriac's own classes come back as themselves; any
 * other name comes back as a `RemoteError` with the same `name` and `message`. The remote
 * stack is kept in `.traceback`.
 */
export function fromWire(wire: WireError): Error {
  const Known = KNOWN[wire.name];
  let err: Error & { traceback?: string };
  if (Known !== undefined) {
    err = Object.create(Known.prototype) as CeleriacError;
    Object.defineProperty(err, 'message', { value: wire.message, writable: true, configurable: true });
    // Class fields (name, code) are not run by Object.create: set them explicitly.
    (err as { name: string }).name = wire.name;
    if (wire.code !== undefined) (err as unknown as { code: string }).code = wire.code;
  } else {
    err = new RemoteError(wire.name, wire.message);
    if (wire.code !== undefined) (err as RemoteError).code = wire.code;
  }
  if (wire.data) Object.assign(err, wire.data);
  err.traceback = wire.traceback ?? wire.stack;
  err.stack = `${wire.name}: ${wire.message}\n    at <remote>\n${wire.traceback ?? wire.stack ?? ''}`;
  return err;
}

function isPlain(v: unknown): boolean {
  if (v === null) return true;
  const t = typeof v;
  if (t === 'string' || t === 'number' || t === 'boolean') return true;
  if (Array.isArray(v)) return v.every(isPlain);
  if (t === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    return Object.values(v as object).every(isPlain);
  }
  return false;
}
