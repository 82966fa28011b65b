/** The results of a group, in call order (Celery's `GroupResult`). */
import { ConfigError } from '../errors.ts';
import type { AppContext } from '../task/app-context.ts';
import { AsyncResult, type GetOptions } from './async-result.ts';

export class GroupResult<T = unknown> {
  readonly id: string;
  readonly results: AsyncResult<T>[];
  readonly #app: AppContext;

  constructor(id: string, results: AsyncResult<T>[], app: AppContext) {
    this.id = id;
    this.results = results;
    this.#app = app;
  }

  /** Every member's value, in call order. Rejects with the first error when propagating. */
  async get(opts: GetOptions = {}): Promise<T[]> {
    const { onMessage, ...rest } = opts;
    return Promise.all(this.results.map((r) => r.get({ ...rest, ...(onMessage ? { onMessage } : {}) })));
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
  async revoke(opts: { terminate?: boolean } = {}): Promise<void> {
    await this.#app.revoke(
      this.results.map((r) => r.id),
      opts,
    );
  }
  async forget(): Promise<void> {
    const backend = await this.#app.backend();
    await Promise.all(this.results.map((r) => r.forget()));
    await backend?.forgetGroup(this.id);
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
}
