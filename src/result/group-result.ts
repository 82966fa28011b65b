/** The results of a group, in call order (Celery's `GroupResult`). */
import { setMaxListeners } from 'node:events';
import { ConfigError } from '../errors.ts';
import type { AppContext } from '../task/app-context.ts';
import { AsyncResult, type GetOptions } from './async-result.ts';

/** What a group member's result offers: an AsyncResult, or a nested GroupResult. */
export interface ResultLike<T = unknown> {
  readonly id: string;
  get(opts?: GetOptions): Promise<T>;
  ready(): Promise<boolean>;
  successful(): Promise<boolean>;
  failed(): Promise<boolean>;
  forget(): Promise<void>;
}

export class GroupResult<T = unknown, M extends ResultLike<T> = AsyncResult<T>> {
  readonly id: string;
  readonly results: M[];
  readonly #app: AppContext;

  constructor(id: string, results: M[], app: AppContext) {
    this.id = id;
    this.results = results;
    this.#app = app;
  }

  /**
   * Every member's value, in call order. Rejects with the first error in call order when
   * propagating; every member's wait starts at once, so `timeout` bounds the whole wait.
   */
  get(opts: GetOptions & { propagate: false }): Promise<(T | Error)[]>;
  get(opts?: GetOptions): Promise<T[]>;
  async get(opts: GetOptions = {}): Promise<(T | Error)[]> {
    // Every wait runs at once; the error reported is the first in call order (as Celery's
    // `join`). Once it is known, the other waits are stopped rather than left watching.
    const stop = new AbortController();
    const signal = opts.signal === undefined ? stop.signal : AbortSignal.any([opts.signal, stop.signal]);
    // One listener per member is expected, not a leak.
    setMaxListeners(0, signal);
    const pending = this.results.map((r) => r.get({ ...opts, signal }));
    for (const p of pending) p.catch(() => {});
    try {
      const values: (T | Error)[] = [];
      for (const p of pending) values.push(await p);
      return values;
    } finally {
      stop.abort();
    }
  }

  /** How many members succeeded (Celery counts successes). */
  async completedCount(): Promise<number> {
    const ok = await Promise.all(this.results.map((r) => r.successful()));
    return ok.filter(Boolean).length;
  }

  async ready(): Promise<boolean> {
    return (await Promise.all(this.results.map((r) => r.ready()))).every(Boolean);
  }
  async successful(): Promise<boolean> {
    return (await Promise.all(this.results.map((r) => r.successful()))).every(Boolean);
  }
  async failed(): Promise<boolean> {
    return (await Promise.all(this.results.map((r) => r.failed()))).some(Boolean);
  }
  /** Revokes every member task (nested groups' too) with one broadcast. */
  async revoke(opts: { terminate?: boolean } = {}): Promise<void> {
    await this.#app.revoke(this.taskIds(), opts);
  }
  async forget(): Promise<void> {
    const backend = await this.#app.backend();
    await Promise.all(this.results.map((r) => r.forget()));
    await backend?.forgetGroup(this.id);
  }

  /** The ids of the member tasks, nested groups flattened, in call order. */
  taskIds(): string[] {
    return this.results.flatMap((r) => (r instanceof GroupResult ? r.taskIds() : [r.id]));
  }

  /** Stores the member ids so that `app.groupResult(id)` can restore it. */
  async save(): Promise<this> {
    const backend = await this.#app.backend();
    if (backend === null) throw Object.assign(new ConfigError('no result backend is configured'), { key: 'backend' });
    await backend.saveGroup(
      this.id,
      this.results.map((r) => r.id),
    );
    return this;
  }

  static async restore<T = unknown>(app: AppContext, id: string): Promise<GroupResult<T> | undefined> {
    const backend = await app.backend();
    if (backend === null) throw Object.assign(new ConfigError('no result backend is configured'), { key: 'backend' });
    const ids = await backend.restoreGroup(id);
    if (ids === undefined) return undefined;
    return new GroupResult<T>(
      id,
      ids.map((i) => new AsyncResult<T>(i, app)),
      app,
    );
  }

  get length(): number {
    return this.results.length;
  }

  toString(): string {
    return this.id;
  }
}
