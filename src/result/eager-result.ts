/**
 * The result of `task.apply()`: the task ran here, with task semantics (bind, retries, errors
 * captured), and nothing was published. Same async methods as AsyncResult.
 */
import { TaskRevokedError, fromWire } from '../errors.ts';
import { States, type TaskState } from '../protocol/result-meta.ts';
import type { ExecOutcome } from '../protocol/execution.ts';
import { TimeoutError } from '../errors.ts';
import type { GetOptions, ResultInfo } from './async-result.ts';
import { toMillis } from '../util/time.ts';

export class EagerResult<T = unknown> {
  readonly id: string;
  readonly #outcome: Promise<ExecOutcome>;
  #settled: ExecOutcome | undefined;

  constructor(id: string, outcome: Promise<ExecOutcome>) {
    this.id = id;
    this.#outcome = outcome.then((o) => (this.#settled = o));
  }

  #state(o: ExecOutcome | undefined): TaskState {
    if (o === undefined) return States.PENDING;
    switch (o.status) {
      case 'success':
        return States.SUCCESS;
      case 'failure':
      case 'retry':
      case 'aborted':
        return States.FAILURE;
      case 'revoked':
        return States.REVOKED;
    }
  }

  async state(): Promise<TaskState> {
    return this.#state(await this.#outcome);
  }
  async ready(): Promise<boolean> {
    await this.#outcome;
    return true;
  }
  async successful(): Promise<boolean> {
    return (await this.state()) === States.SUCCESS;
  }
  async failed(): Promise<boolean> {
    return (await this.state()) === States.FAILURE;
  }
  async traceback(): Promise<string | null> {
    const o = await this.#outcome;
    return 'error' in o ? (o.error.traceback ?? o.error.stack ?? null) : null;
  }
  async info(): Promise<ResultInfo> {
    const o = await this.#outcome;
    return {
      taskId: this.id,
      state: this.#state(o),
      result: o.status === 'success' ? o.value : 'error' in o ? fromWire(o.error) : null,
      traceback: await this.traceback(),
      dateDone: new Date(),
      meta: null,
    };
  }
  async forget(): Promise<void> {}
  async revoke(): Promise<void> {}

  get(opts: GetOptions & { propagate: false }): Promise<T | Error>;
  get(opts?: GetOptions): Promise<T>;
  async get(opts: GetOptions = {}): Promise<T | Error> {
    const wait =
      opts.timeout === undefined
        ? this.#outcome
        : Promise.race([
            this.#outcome,
            new Promise<never>((_, reject) => {
              const t = setTimeout(() => reject(new TimeoutError(`eager result ${this.id} not ready`)), toMillis(opts.timeout!));
              void this.#outcome.finally(() => clearTimeout(t));
            }),
          ]);
    const o = await wait;
    if (o.status === 'success') {
      opts.onMessage?.({ taskId: this.id, state: States.SUCCESS, result: o.value, meta: null, traceback: null });
      return o.value as T;
    }
    const err = 'error' in o ? fromWire(o.error) : new TaskRevokedError('aborted');
    opts.onMessage?.({ taskId: this.id, state: this.#state(o), result: err, meta: null, traceback: await this.traceback() });
    if (opts.propagate ?? true) throw err;
    return err as T;
  }
}
