/**
 * A signature: one task call's name, arguments and options as plain data, so it can be passed
 * around, stored, or sent over the wire (`toJSON` / `Signature.fromJSON`). Call-time arguments
 * are prepended to its own (a partial); an immutable signature (`si`) ignores them. Groups,
 * chains and chords are signatures too (their parts live in `kwargs`, as in Celery).
 *
 * `A` is the list of arguments still to be given at call time, `R` the result, `H` the handle
 * a call resolves to: a chain whose next step cannot take the previous result does not compile.
 */
import { ConfigError } from '../errors.ts';
import type { SignatureData } from '../protocol/task-message.ts';
import type { AppContext } from '../task/app-context.ts';
import { currentApp } from '../task/current-app.ts';
import type { ApplyOptions } from '../task/options.ts';
import { toSignatureData, type SignatureLike } from '../task/signature-like.ts';
import type { AsyncResult } from '../result/async-result.ts';
import { applySignature } from './apply.ts';
import { describe } from './shape.ts';

/** Signature options: every applyAsync option (taskId included). */
export type SignatureOptions = ApplyOptions;

/**
 * Any signature, whatever its types. `any`, not `unknown`: `A` is contravariant, so only `any`
 * admits every signature (a heterogeneous group or chain).
 */
export type AnySignature = Signature<any, any, any>;

/** The arguments a signature still needs. */
export type ArgsOf<S> = S extends Signature<infer A, infer _R, infer _H> ? A : never;
/** What a signature's task returns. */
export type ResultOf<S> = S extends Signature<infer _A, infer R, infer _H> ? R : never;
/** What calling a signature resolves to (AsyncResult, GroupResult). */
export type HandleOf<S> = S extends Signature<infer _A, infer _R, infer H> ? H : never;
/** A signature that can follow `S` in a chain: its one remaining argument takes `S`'s result. */
export type StepAfter<S> = Signature<[ResultOf<S>], any, any>;

type SignatureClass = new (data: SignatureData, app?: AppContext) => AnySignature;

/** Classes by `subtask_type`, registered by the modules that define them (no import cycle). */
const classes = new Map<string, SignatureClass>();
let composePipe: ((left: AnySignature, right: AnySignature) => AnySignature) | undefined;

export class Signature<A extends unknown[] = unknown[], R = unknown, H = AsyncResult<R>> {
  /** Phantom: makes `Signature<[number]>` and `Signature<[string]>` incompatible (contravariant). */
  declare readonly __args?: (args: A) => void;
  /** Phantom: the result type. */
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

  /** Lets a canvas module say which class `fromJSON` builds for its `subtask_type`. */
  static registerType(subtaskType: string, cls: SignatureClass): void {
    classes.set(subtaskType, cls);
  }

  /** Lets the chain module provide `pipe` (signature.ts cannot import it: no import cycles). */
  static registerPipe(fn: typeof composePipe): void {
    composePipe = fn;
  }

  /** The app it publishes through: its own, else the current app. */
  get app(): AppContext {
    const app = this.#app ?? currentApp();
    if (app === undefined) {
      throw Object.assign(new ConfigError(`signature '${this.task}' has no app: create a Celeriac app first`), { key: 'app' });
    }
    return app;
  }

  /** The app it was bound to, if any (composites take their members' app). */
  get boundApp(): AppContext | undefined {
    return this.#app;
  }

  /** Binds the signature to an app. */
  bind(app: AppContext): this {
    this.#app = app;
    return this;
  }

  /** A deep copy (same class, same app). */
  clone(): this {
    return this.#rebuild(structuredClone(this.toJSON()));
  }

  /** A copy with more options merged in (the given ones win). */
  set(options: SignatureOptions): this {
    const data = this.toJSON();
    return this.#rebuild({ ...data, options: { ...data.options, ...options } });
  }

  #rebuild(data: SignatureData): this {
    const Cls = this.constructor as new (data: SignatureData, app?: AppContext) => this;
    return new Cls(data, this.#app);
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

  /**
   * A chain of this signature then `next`, which receives this one's result first (Celery's
   * `|`). A group piped into a signature is a chord.
   */
  pipe<R2, H2>(next: Signature<[R], R2, H2>): Signature<A, R2, H2> {
    if (composePipe === undefined) throw new ConfigError('pipe() needs the canvas: import it from celeriac');
    return composePipe(this, next) as Signature<A, R2, H2>;
  }

  /** Publishes the call: `args` are prepended to the signature's own (unless immutable). */
  delay(...args: A): Promise<H> {
    return this.applyAsync(args);
  }

  applyAsync(args?: A | unknown[], options: SignatureOptions = {}): Promise<H> {
    try {
      return applySignature(this.app, this.toJSON(), (args ?? []) as unknown[], options) as Promise<H>;
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Runs the task's function here and now, without a message (Celery's `sig()`). */
  call(...args: A): R {
    if (this.subtaskType !== null) throw new ConfigError(`call() runs one task here; use delay() for a ${this.subtaskType}`);
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

  /** Rebuilds a signature (of the class its `subtask_type` names) from its JSON or wire form. */
  static fromJSON<A extends unknown[] = unknown[], R = unknown, H = AsyncResult<R>>(
    data: SignatureData | string,
    app?: AppContext,
  ): Signature<A, R, H> {
    const parsed = typeof data === 'string' ? (JSON.parse(data) as SignatureData) : data;
    if (typeof parsed !== 'object' || parsed === null || typeof parsed.task !== 'string') {
      throw new ConfigError('not a signature: expected an object with a string `task`');
    }
    const Cls = (parsed.subtask_type ? classes.get(parsed.subtask_type) : undefined) ?? Signature;
    return new Cls(parsed, app) as Signature<A, R, H>;
  }

  toString(): string {
    return describe(this.toJSON());
  }
}

function appendOption(options: Record<string, unknown>, key: 'link' | 'linkError', sig: SignatureData): void {
  const existing = options[key];
  const list = existing === undefined ? [] : Array.isArray(existing) ? existing : [existing];
  options[key] = [...list, sig];
}

/** The first app bound among `sigs` (a composite publishes through its members' app). */
export function appOf(sigs: readonly AnySignature[]): AppContext | undefined {
  for (const s of sigs) if (s.boundApp !== undefined) return s.boundApp;
  return undefined;
}
