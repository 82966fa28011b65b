/**
 * A signature: one task call's name, arguments and options as plain data, so it can be passed
 * around, stored, or sent over the wire (`toJSON` / `Signature.fromJSON`). Call-time arguments
 * are prepended to its own (a partial); an immutable signature (`si`) ignores them.
 *
 * `A` is the list of arguments still to be given at call time, `R` the task's result: a chain
 * whose next step cannot take the previous result does not compile.
 */
import { ConfigError } from '../errors.ts';
import type { SignatureData } from '../protocol/task-message.ts';
import type { AppContext } from '../task/app-context.ts';
import { currentApp } from '../task/current-app.ts';
import type { ApplyOptions } from '../task/options.ts';
import { toSignatureData, type SignatureLike } from '../task/signature-like.ts';
import type { AsyncResult } from '../result/async-result.ts';
import { applySignature } from './apply.ts';

/** Signature options: every applyAsync option (taskId included). */
export type SignatureOptions = ApplyOptions;

export class Signature<A extends unknown[] = unknown[], R = unknown> {
  /** Phantom: makes `Signature<[number]>` and `Signature<[string]>` incompatible (contravariant). */
  declare readonly __args?: (args: A) => void;
  /** Phantom: the task's result type. */
  declare readonly __result?: () => R;

  readonly task: string;
  readonly args: unknown[];
  readonly kwargs: Record<string, unknown>;
  readonly options: Record<string, unknown>;
  readonly immutable: boolean;
  readonly subtaskType: string | null;
  #app: AppContext | undefined;

  constructor(data: SignatureData, app?: AppContext) {
    this.task = data.task;
    this.args = [...(data.args ?? [])];
    this.kwargs = { ...(data.kwargs ?? {}) };
    this.options = { ...(data.options ?? {}) };
    this.immutable = data.immutable ?? false;
    this.subtaskType = data.subtask_type ?? null;
    this.#app = app;
  }

  /** The app it publishes through: its own, else the current app. */
  get app(): AppContext {
    const app = this.#app ?? currentApp();
    if (app === undefined) {
      throw Object.assign(new ConfigError(`signature '${this.task}' has no app: create a Celeriac app first`), { key: 'app' });
    }
    return app;
  }

  /** Binds the signature to an app. */
  bind(app: AppContext): this {
    this.#app = app;
    return this;
  }

  /** A copy with more options merged in (the copy's own win). */
  set(options: SignatureOptions): Signature<A, R> {
    return new Signature<A, R>({ ...this.toJSON(), options: { ...this.options, ...options } }, this.#app);
  }

  /** Adds a callback that receives this task's result. Returns this signature. */
  link(callback: SignatureLike): this {
    appendOption(this.options, 'link', toSignatureData(callback));
    return this;
  }

  /** Adds an errback that receives the failed task's id. Returns this signature. */
  linkError(errback: SignatureLike): this {
    appendOption(this.options, 'linkError', toSignatureData(errback));
    return this;
  }

  /** Publishes the call: `args` are prepended to the signature's own (unless immutable). */
  delay(...args: A): Promise<AsyncResult<R>> {
    return this.applyAsync(args);
  }

  applyAsync(args?: A | unknown[], options: SignatureOptions = {}): Promise<AsyncResult<R>> {
    try {
      return applySignature(this.app, this.toJSON(), (args ?? []) as unknown[], options) as Promise<AsyncResult<R>>;
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Runs the task's function here and now, without a message (Celery's `sig()`). */
  call(...args: A): R {
    const def = this.app.lookup(this.task);
    if (def === undefined) throw new ConfigError(`task '${this.task}' is not registered in this process`);
    const all = this.immutable ? this.args : [...args, ...this.args];
    return (def.fn as (...a: unknown[]) => R)(...all);
  }

  toJSON(): SignatureData {
    const data: SignatureData = {
      task: this.task,
      args: this.args,
      kwargs: this.kwargs,
      options: this.options,
      immutable: this.immutable,
    };
    if (this.subtaskType !== null) data.subtask_type = this.subtaskType;
    return data;
  }

  static fromJSON<A extends unknown[] = unknown[], R = unknown>(data: SignatureData | string, app?: AppContext): Signature<A, R> {
    const parsed = typeof data === 'string' ? (JSON.parse(data) as SignatureData) : data;
    if (typeof parsed !== 'object' || parsed === null || typeof parsed.task !== 'string') {
      throw new ConfigError('not a signature: expected an object with a string `task`');
    }
    return new Signature<A, R>(parsed, app);
  }

  toString(): string {
    const args = this.args.map((a) => JSON.stringify(a)).join(', ');
    return `${this.task}(${args})`;
  }
}

function appendOption(options: Record<string, unknown>, key: 'link' | 'linkError', sig: SignatureData): void {
  const existing = options[key];
  const list = existing === undefined ? [] : Array.isArray(existing) ? existing : [existing];
  options[key] = [...list, sig];
}
