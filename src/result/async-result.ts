/**
 * A handle on a task's result. `get()` waits by watching the backend key, never by polling;
 * `onMessage` sees every state change after PENDING, in order, once each.
 */
import { ConfigError, TaskRevokedError, TimeoutError, fromWire, type WireError } from '../errors.ts';
import { States, isReady, type ResultMeta, type TaskState } from '../protocol/result-meta.ts';
import type { AppContext } from '../task/app-context.ts';
import type { ResultBackend } from '../transport/types.ts';
import type { Seconds } from '../util/time.ts';
import { toMillis } from '../util/time.ts';
import { metaKey } from './meta-key.ts';

export interface ResultMessage {
  taskId: string;
  state: TaskState;
  result: unknown;
  meta: unknown;
  traceback: string | null;
}

export interface GetOptions {
  /** Seconds to wait before rejecting with TimeoutError. @default wait forever */
  timeout?: Seconds;
  /** Reject with the task's error on FAILURE/REVOKED; false resolves to the error. @default true */
  propagate?: boolean;
  /** Called with every state change after PENDING, in order, once each. */
  onMessage?: (message: ResultMessage) => void;
  /** Abort waiting. */
  signal?: AbortSignal;
}

export interface ResultInfo {
  taskId: string;
  state: TaskState;
  result: unknown;
  traceback: string | null;
  dateDone: Date | null;
  meta: unknown;
}

export class AsyncResult<T = unknown> {
  readonly id: string;
  /** True when the call asked for no result (ignoreResult): `get()` resolves undefined at once. */
  readonly ignored: boolean;
  readonly #app: AppContext;

  constructor(id: string, app: AppContext, opts: { ignored?: boolean } = {}) {
    this.id = id;
    this.#app = app;
    this.ignored = opts.ignored ?? false;
  }

  async #backend(): Promise<ResultBackend> {
    const b = await this.#app.backend();
    if (b === null) {
      throw Object.assign(new ConfigError('no result backend is configured (`backend` is disabled)'), { key: 'backend' });
    }
    return b;
  }

  async #meta(): Promise<ResultMeta | undefined> {
    return (await this.#backend()).get(this.id);
  }

  async state(): Promise<TaskState> {
    return (await this.#meta())?.state ?? States.PENDING;
  }
  async ready(): Promise<boolean> {
    return isReady(await this.state());
  }
  async successful(): Promise<boolean> {
    return (await this.state()) === States.SUCCESS;
  }
  async failed(): Promise<boolean> {
    return (await this.state()) === States.FAILURE;
  }
  async traceback(): Promise<string | null> {
    return (await this.#meta())?.traceback ?? null;
  }

  async info(): Promise<ResultInfo> {
    const m = await this.#meta();
    if (m === undefined) {
      return { taskId: this.id, state: States.PENDING, result: null, traceback: null, dateDone: null, meta: null };
    }
    return {
      taskId: this.id,
      state: m.state,
      result: resultValue(m),
      traceback: m.traceback,
      dateDone: m.dateDone === null ? null : new Date(m.dateDone),
      meta: m.meta ?? null,
    };
  }

  /** Ids of the tasks this one started (links, the next chain step). */
  async children(): Promise<AsyncResult[]> {
    const m = await this.#meta();
    return (m?.children ?? []).map((id) => new AsyncResult(id, this.#app));
  }

  async forget(): Promise<void> {
    await (await this.#backend()).forget(this.id);
  }

  async revoke(opts: { terminate?: boolean } = {}): Promise<void> {
    await this.#app.revoke([this.id], opts);
  }

  /** Waits for the result; with `propagate: false` a failure resolves to its error. */
  get(opts: GetOptions & { propagate: false }): Promise<T | Error>;
  get(opts?: GetOptions): Promise<T>;
  get(opts: GetOptions = {}): Promise<T | Error> {
    if (this.ignored) return Promise.resolve(undefined as T);
    // With the transport open, no async hop to reach the backend (every caller's path).
    const open = this.#app.openBackend?.();
    if (open === undefined || open === null) return this.#getAfterOpen(opts);
    let waiting: Promise<ResultMeta>;
    try {
      // Stored already (the common case for a caller that published a batch first): settle now.
      if (open.peek !== undefined && opts.onMessage === undefined && opts.signal === undefined) {
        const now = open.peek(this.id);
        if (now !== undefined && isReady(now.state)) return Promise.resolve(settle<T>(now, opts.propagate ?? true));
        // Not stored yet: watch from here, with no await since the peek (see LocalWait).
        waiting = new Promise<ResultMeta>((resolve, reject) => new LocalWait(open, this.id, opts, resolve, reject));
      } else if (open.heard !== undefined && opts.onMessage === undefined && opts.signal === undefined) {
        // A task this process published (nats:// reply route): what was heard, or a local watch.
        const heard = open.heard(this.id);
        if (heard !== null && heard !== undefined && isReady(heard.state)) return Promise.resolve(settle<T>(heard, opts.propagate ?? true));
        waiting =
          heard === undefined
            ? waitReady(open, this.id, opts)
            : new Promise<ResultMeta>((resolve, reject) => new LocalWait(open, this.id, opts, resolve, reject));
      } else {
        waiting = waitReady(open, this.id, opts);
      }
    } catch (err) {
      return Promise.reject(err);
    }
    return waiting.then((final) => settle<T>(final, opts.propagate ?? true));
  }

  async #getAfterOpen(opts: GetOptions): Promise<T | Error> {
    const backend = await this.#backend();
    const final = await waitReady(backend, this.id, opts);
    return settle<T>(final, opts.propagate ?? true);
  }

  toString(): string {
    return this.id;
  }
  toJSON(): { id: string } {
    return { id: this.id };
  }
}

/** The value of a meta as users see it: errors rebuilt, custom states' meta. */
function resultValue(m: ResultMeta): unknown {
  if (m.state === States.FAILURE || m.state === States.REVOKED || m.state === States.RETRY) {
    return isWireError(m.result) ? fromWire(m.result) : m.result;
  }
  if (m.state === States.SUCCESS) return m.result;
  return m.meta ?? m.result;
}

function isWireError(v: unknown): v is WireError {
  return typeof v === 'object' && v !== null && typeof (v as WireError).name === 'string' && typeof (v as WireError).message === 'string';
}

/** Resolves or rejects from a ready meta, as Celery's `get(propagate=...)`. */
export function settle<T>(m: ResultMeta, propagate: boolean): T {
  if (m.state === States.SUCCESS) return m.result as T;
  let err: Error;
  if (isWireError(m.result)) err = fromWire(m.result);
  else if (m.state === States.REVOKED) err = new TaskRevokedError('revoked');
  else err = new Error(String(m.result));
  if (m.traceback !== null && m.traceback !== undefined) (err as { traceback?: string }).traceback = m.traceback;
  if (propagate) throw err;
  return err as T;
}

function toMessage(m: ResultMeta): ResultMessage {
  return { taskId: m.taskId, state: m.state, result: resultValue(m), meta: m.meta ?? null, traceback: m.traceback };
}

/** Watches the key until a ready state arrives; delivers every change to `onMessage`. */
export function waitReady(backend: ResultBackend, id: string, opts: GetOptions): Promise<ResultMeta> {
  if (backend.peek !== undefined && opts.onMessage === undefined) return waitLocal(backend, id, opts);
  return new Promise<ResultMeta>((resolve, reject) => {
    let done = false;
    let initialised = false;
    const buffered: ResultMeta[] = [];
    let timer: NodeJS.Timeout | undefined;
    const finish = (err: unknown, meta?: ResultMeta) => {
      if (done) return;
      done = true;
      unsubscribe();
      if (timer !== undefined) clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      if (err !== undefined) reject(err);
      else resolve(meta!);
    };
    const deliver = (m: ResultMeta) => {
      if (done) return;
      if (m.state !== States.PENDING && opts.onMessage !== undefined) {
        try {
          opts.onMessage(toMessage(m));
        } catch (e) {
          finish(e);
          return;
        }
      }
      if (isReady(m.state)) finish(undefined, m);
    };
    const unsubscribe = backend.watch(id, (m) => {
      if (initialised) deliver(m);
      else buffered.push(m);
    });
    const onAbort = () => finish(opts.signal!.reason);
    if (opts.signal?.aborted) {
      onAbort();
      return;
    }
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    if (opts.timeout !== undefined) {
      timer = setTimeout(
        () => finish(Object.assign(new TimeoutError(`result of ${id} not ready after ${opts.timeout}s`), { taskId: id })),
        toMillis(opts.timeout),
      );
    }
    backend.get(id).then(
      (current) => {
        initialised = true;
        // The current value may be a write the watch also saw: deliver it once.
        const seenInWatch = current !== undefined && buffered.some((b) => metaKey(b) === metaKey(current));
        if (current !== undefined && !seenInWatch) deliver(current);
        for (const m of buffered.splice(0)) deliver(m);
      },
      (err: unknown) => finish(err),
    );
  });
}

/**
 * waitReady for a backend that can `peek` (it holds its values here) and no `onMessage`: a
 * result already stored resolves at once, with no watch and no timer. Otherwise it watches:
 * such a backend writes synchronously, and nothing runs between the peek and the watch (no
 * await), so a write is either seen by the peek or heard by the watch.
 */
function waitLocal(backend: ResultBackend, id: string, opts: GetOptions): Promise<ResultMeta> {
  const signal = opts.signal;
  if (signal?.aborted) return Promise.reject(signal.reason);
  let current: ResultMeta | undefined;
  try {
    current = backend.peek!(id);
  } catch (err) {
    return Promise.reject(err);
  }
  if (current !== undefined && isReady(current.state)) return Promise.resolve(current);
  return new Promise<ResultMeta>((resolve, reject) => new LocalWait(backend, id, opts, resolve, reject));
}

/**
 * One pending waitLocal: its state in one object, with no closure beyond the watch listener.
 * Made right after a peek found no ready state, with nothing awaited in between.
 */
class LocalWait {
  readonly #resolve: (meta: ResultMeta) => void;
  readonly #reject: (err: unknown) => void;
  readonly #signal: AbortSignal | undefined;
  #unsubscribe: (() => void) | undefined;
  #onAbort: (() => void) | undefined;
  #timer: NodeJS.Timeout | undefined;
  #done = false;

  constructor(backend: ResultBackend, id: string, opts: GetOptions, resolve: (meta: ResultMeta) => void, reject: (err: unknown) => void) {
    this.#resolve = resolve;
    this.#reject = reject;
    this.#signal = opts.signal;
    this.#unsubscribe = backend.watch(id, (m) => {
      if (isReady(m.state)) this.#finish(undefined, m);
    });
    // A listener called inside watch() (not memory's way) found the watch not yet recorded.
    if (this.#done) {
      this.#unsubscribe();
      return;
    }
    if (this.#signal !== undefined) {
      this.#onAbort = () => this.#finish(this.#signal!.reason);
      this.#signal.addEventListener('abort', this.#onAbort, { once: true });
    }
    if (opts.timeout !== undefined) this.#timer = setTimeout(timedOut, toMillis(opts.timeout), this, id, opts.timeout);
  }

  static timeout(w: LocalWait, id: string, timeout: Seconds): void {
    w.#finish(Object.assign(new TimeoutError(`result of ${id} not ready after ${timeout}s`), { taskId: id }));
  }

  #finish(err: unknown, meta?: ResultMeta): void {
    if (this.#done) return;
    this.#done = true;
    this.#unsubscribe?.();
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    if (this.#onAbort !== undefined) this.#signal!.removeEventListener('abort', this.#onAbort);
    if (err !== undefined) this.#reject(err);
    else this.#resolve(meta!);
  }
}

/** A module-level timer callback: the timer carries its arguments instead of a closure. */
const timedOut = (w: LocalWait, id: string, timeout: Seconds): void => LocalWait.timeout(w, id, timeout);
