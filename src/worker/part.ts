/**
 * Adapts one part of a worker (the pool, the timer, a consumer, ...) to the supervisor's Child
 * contract: it can be stopped, and it reports how it ended. A part that hits a fatal error
 * calls `crash(err)`; its supervisor then restarts it within its budget.
 */
import { ExitSignal, SHUTDOWN_EXIT, type Child, type ExitReason } from '../actors/child.ts';
import type { Logger } from '../log/logger.ts';

export class Part implements Child {
  readonly name: string;
  readonly #exit: ExitSignal;
  readonly #stop: () => Promise<void>;
  #stopping: Promise<void> | undefined;

  constructor(name: string, stop: () => Promise<void>, logger: Logger) {
    this.name = name;
    this.#stop = stop;
    this.#exit = new ExitSignal((err) => logger.error({ err, part: name }, 'exit listener failed'));
  }

  /** Reports a fatal error: the part is over, its supervisor decides what comes next. */
  crash(error: unknown): void {
    if (this.#exit.reason !== undefined) return;
    this.#stopping ??= this.#stop().catch(() => undefined);
    this.#exit.fire({ kind: 'failure', error });
  }

  get ended(): boolean {
    return this.#exit.reason !== undefined;
  }

  stop(): Promise<void> {
    this.#stopping ??= this.#stop().finally(() => this.#exit.fire(SHUTDOWN_EXIT));
    return this.#stopping;
  }

  onExit(cb: (reason: ExitReason) => void): void {
    this.#exit.add(cb);
  }
}
