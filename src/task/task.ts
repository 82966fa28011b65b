/**
 * A task handle, typed by its function: `delay`, `applyAsync`, `run` (direct call), `apply`
 * (eager, with task semantics), the signature shortcuts `s`, `si`, `signature`, and the
 * canvas shortcuts `map`, `starmap`, `chunks`.
 */
import type { AppContext } from './app-context.ts';
import type { ApplyOptions, TaskOptions } from './options.ts';
import type { TaskDefinition } from './registry.ts';
import type { Leading, Suffixes } from './tuple.ts';
import { AsyncResult } from '../result/async-result.ts';
import { EagerResult } from '../result/eager-result.ts';
import { Signature } from '../canvas/signature.ts';
import { chunks, xmap, xstarmap } from '../canvas/map.ts';
import type { GroupResult } from '../result/group-result.ts';
import { uuid } from '../util/ids.ts';
import { runEager } from './eager.ts';

export class Task<A extends unknown[] = unknown[], R = unknown> {
  readonly name: string;
  readonly options: Readonly<TaskOptions>;
  readonly #app: AppContext;
  readonly #def: TaskDefinition;

  constructor(app: AppContext, def: TaskDefinition) {
    this.#app = app;
    this.#def = def;
    this.name = def.name;
    this.options = def.options;
  }

  /** Publishes a call with these arguments; resolves once the broker accepted it. */
  delay(...args: A): Promise<AsyncResult<R>> {
    return this.applyAsync(args);
  }

  /** Publishes a call with execution options (countdown, eta, expires, queue, priority, ...). */
  async applyAsync(args?: A, options: ApplyOptions = {}): Promise<AsyncResult<R>> {
    const sent = await this.#app.send(this.name, (args ?? []) as unknown[], options);
    return new AsyncResult<R>(sent.id, this.#app, { ignored: sent.ignored });
  }

  /** Calls the function here and now: no message, no result stored (Celery's `add(2, 2)`). */
  run(...args: A): R {
    return runEager(this.#def, args, { app: this.#app }).direct() as R;
  }

  /** Runs the task here with task semantics (bind, retries, errors captured) and returns at once. */
  apply(args?: A, options: ApplyOptions = {}): EagerResult<R> {
    const id = options.taskId ?? uuid();
    return new EagerResult<R>(id, runEager(this.#def, (args ?? []) as unknown[], { app: this.#app, id, options }).traced());
  }

  /** A signature; the arguments given are the trailing ones, call-time ones are prepended. */
  s<P extends Suffixes<A>>(...args: P): Signature<Leading<A, P>, R> {
    return this.signature(args);
  }

  /** An immutable signature: call-time arguments (a parent's result) are ignored. */
  si(...args: A): Signature<unknown[], R> {
    return new Signature<unknown[], R>({ task: this.name, args, kwargs: {}, options: {}, immutable: true }, this.#app);
  }

  signature<P extends Suffixes<A>>(args?: P, options: ApplyOptions = {}): Signature<Leading<A, P>, R> {
    return new Signature<Leading<A, P>, R>(
      { task: this.name, args: (args ?? []) as unknown[], kwargs: {}, options: { ...options }, immutable: false },
      this.#app,
    );
  }

  /** One task (`celery.map`) that calls this task with each item; resolves to the list of results. */
  map(items: Iterable<A[0]>): Signature<[], R[]> {
    return xmap<R>(this.name, items, this.#app);
  }

  /** One task (`celery.starmap`) that calls this task with each item's elements as arguments. */
  starmap(items: Iterable<A>): Signature<[], R[]> {
    return xstarmap<R>(this.name, items, this.#app);
  }

  /** `items` in chunks of `n`, each chunk a `celery.starmap` task: a group, one list per chunk. */
  chunks(items: Iterable<A>, n: number): Signature<[], R[][], GroupResult<R[]>> {
    return chunks<R>(this.name, items, n, this.#app);
  }

  toString(): string {
    return `<@task: ${this.name}>`;
  }
}
