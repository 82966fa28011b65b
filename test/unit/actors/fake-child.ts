/** A scriptable `Child` for supervisor tests: it records starts and stops in a shared journal. */
import type { Child, ExitReason } from '../../../src/actors/child.ts';
import type { ChildSpec, RestartType } from '../../../src/actors/supervisor.ts';
import { deferred, type Deferred } from '../../../src/util/deferred.ts';

export class FakeChild implements Child {
  readonly #journal: string[];
  readonly #listeners: ((r: ExitReason) => void)[] = [];
  #stopping: Promise<void> | undefined;
  ended = false;
  /** Resolved when `stop()` is first called. */
  readonly stopCalled: Deferred<void> = deferred<void>();

  constructor(
    readonly id: string,
    journal: string[],
    readonly stopMode: 'ok' | 'hang' | 'throw' = 'ok',
  ) {
    this.#journal = journal;
    journal.push(`start ${id}`);
  }

  stop(): Promise<void> {
    this.stopCalled.resolve();
    return (this.#stopping ??= this.#stop());
  }

  async #stop(): Promise<void> {
    this.#journal.push(`stop ${this.id}`);
    if (this.stopMode === 'hang') return new Promise<void>(() => {});
    if (this.stopMode === 'throw') throw new Error(`stop ${this.id} failed`);
    this.#end({ kind: 'shutdown' });
  }

  onExit(cb: (r: ExitReason) => void): void {
    this.#listeners.push(cb);
  }

  crash(error: unknown = new Error(`${this.id} crashed`)): void {
    this.#journal.push(`crash ${this.id}`);
    this.#end({ kind: 'failure', error });
  }

  finish(): void {
    this.#journal.push(`finish ${this.id}`);
    this.#end({ kind: 'normal' });
  }

  #end(reason: ExitReason): void {
    if (this.ended) return;
    this.ended = true;
    for (const cb of this.#listeners) cb(reason);
  }
}

/** Child specs that build FakeChildren and keep the latest instance of each. */
export class Fleet {
  readonly journal: string[] = [];
  readonly latest = new Map<string, FakeChild>();
  readonly starts = new Map<string, number>();

  spec(
    id: string,
    opts: {
      restart?: RestartType;
      shutdownMs?: number;
      stopMode?: 'ok' | 'hang' | 'throw';
      /** Start attempts (1-based) that throw. */
      failOn?: (attempt: number) => boolean;
    } = {},
  ): ChildSpec {
    return {
      id,
      restart: opts.restart,
      shutdownMs: opts.shutdownMs,
      start: async () => {
        const attempt = (this.starts.get(id) ?? 0) + 1;
        this.starts.set(id, attempt);
        if (opts.failOn?.(attempt) === true) {
          this.journal.push(`startfail ${id}`);
          throw new Error(`${id} cannot start`);
        }
        const child = new FakeChild(id, this.journal, opts.stopMode);
        this.latest.set(id, child);
        return child;
      },
    };
  }

  get(id: string): FakeChild {
    const c = this.latest.get(id);
    if (c === undefined) throw new Error(`no child ${id}`);
    return c;
  }
}
