/**
 * The inline pool: tasks run on the host's own event loop, at most `size` at once. Meant for
 * I/O-bound async tasks, where threads only add a hop. Limits are weaker than with threads: at
 * a hard limit or `revoke({ terminate })` the task's signal aborts and its outcome is decided at
 * once, but its promise is abandoned, not killed; CPU-bound code blocks the host and cannot be
 * cut short at all (use the threads pool for it).
 */
import type { TimerHandle } from '../../actors/clock.ts';
import { NotRegistered, TaskRevokedError, TimeLimitExceeded, toWire } from '../../errors.ts';
import type { ExecEvent, ExecOutcome, ExecRequest } from '../../protocol/execution.ts';
import { lookupTask } from '../../task/registry.ts';
import { traceTask } from '../../task/trace.ts';
import { appModuleLoader, toModuleUrl } from './app-module.ts';
import { BasePool, revokedOutcome, type Entry } from './base-pool.ts';
import type { PoolOptions } from './types.ts';

interface InlineEntry extends Entry {
  controller: AbortController | null;
  timer: TimerHandle | null;
  startedAt: number;
}

export class InlinePool extends BasePool<InlineEntry> {
  readonly implementation = 'inline' as const;
  readonly #appName: string;
  /** The host usually registered its tasks already; the app module is imported only for a miss. */
  readonly #load: () => Promise<void>;
  readonly #running = new Set<InlineEntry>();
  /**
   * Ref'd while tasks run, as a busy Piscina thread is: a host awaiting an inline task must not
   * exit under it because the task's own timers happen to be unref'd.
   */
  #keepAlive: ReturnType<typeof setInterval> | undefined;

  constructor(opts: PoolOptions) {
    super(opts);
    this.#appName = opts.appName;
    this.#load = appModuleLoader(toModuleUrl(opts.appModule));
  }

  protected makeEntry(exec: ExecRequest, done: InlineEntry['done'], ctx: unknown): InlineEntry {
    return { exec, done, ctx, settled: false, active: false, controller: null, timer: null, startedAt: 0 };
  }

  protected async startResources(): Promise<void> {
    this.dispatch();
  }

  protected async stopResources(): Promise<void> {}

  protected runStats(): { threads: number; batches: number; batched: number } {
    return { threads: 0, batches: 0, batched: 0 };
  }

  protected dispatch(): void {
    if (this.closing === 'force') return;
    while (this.#running.size < this.size && this.queue.length > 0) this.#start(this.queue.shift()!);
  }

  #start(e: InlineEntry): void {
    this.markActive(e);
    this.#running.add(e);
    this.#keepAlive ??= setInterval(() => {}, 2 ** 30);
    e.startedAt = this.clock.now();
    const def = lookupTask(this.#appName, e.exec.request.task);
    // Only a bound task sees its signal (trace.ts): the others need no controller, since the
    // first end wins and an abandoned promise's outcome is dropped either way.
    const controller = def === undefined || def.options.bind === true ? new AbortController() : null;
    e.controller = controller;
    const limit = e.exec.timeLimit;
    if (limit !== null && limit > 0) {
      e.timer = this.clock.setTimeout(() => {
        const error = toWire(new TimeLimitExceeded(`hard time limit (${limit}s) exceeded`));
        this.#end(e, { status: 'failure', error, runtime: this.#runtime(e) });
        controller?.abort(new TimeLimitExceeded(`hard time limit (${limit}s) exceeded`));
      }, limit * 1000);
    }
    const running = def !== undefined ? traceTask(def, e.exec, { sink: this.#sink, signal: controller?.signal }) : this.#loadAndRun(e, controller!.signal);
    void running.then((outcome) => this.#end(e, outcome));
  }

  readonly #sink = (ev: ExecEvent): void => this.emit(ev);

  /** A task this process has not registered: the app module may register it. */
  async #loadAndRun(e: InlineEntry, signal: AbortSignal): Promise<ExecOutcome> {
    const name = e.exec.request.task;
    try {
      await this.#load();
    } catch (err) {
      return { status: 'failure', error: toWire(err), runtime: 0 };
    }
    const def = lookupTask(this.#appName, name);
    if (def === undefined) return { status: 'failure', error: toWire(new NotRegistered(name)), runtime: 0 };
    return traceTask(def, e.exec, { sink: this.#sink, signal });
  }

  #runtime(e: InlineEntry): number {
    return Math.max(0, this.clock.now() - e.startedAt) / 1000;
  }

  /** The first end wins: a limit or revoke decides before the abandoned promise settles. */
  #end(e: InlineEntry, outcome: ExecOutcome): void {
    if (!this.#running.delete(e)) return;
    e.timer?.cancel();
    if (this.#running.size === 0 && this.#keepAlive !== undefined) {
      clearInterval(this.#keepAlive);
      this.#keepAlive = undefined;
    }
    this.settle(e, outcome);
    this.dispatch();
    this.checkIdle();
  }

  protected revokeActive(id: string, terminate: boolean): boolean {
    if (!terminate) return false;
    let hit = false;
    for (const e of [...this.#running]) {
      if (e.exec.request.id !== id) continue;
      this.#end(e, revokedOutcome('terminated', this.#runtime(e)));
      e.controller?.abort(new TaskRevokedError('terminated'));
      hit = true;
    }
    return hit;
  }

  protected abortActive(): void {
    for (const e of [...this.#running]) {
      this.#end(e, { status: 'aborted', runtime: this.#runtime(e) });
      e.controller?.abort(new TaskRevokedError('worker shut down'));
    }
  }
}
