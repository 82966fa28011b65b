/**
 * What a supervisor needs from the things it supervises: a way to stop them and a way to hear
 * that they ended. An `Actor` and a `Supervisor` both satisfy it, so supervisors nest.
 */

/** Why a child ended. Only `failure` is abnormal (what `transient` restarts on). */
export type ExitReason =
  /** It finished its work by itself. */
  | { readonly kind: 'normal' }
  /** It was stopped on request (`stop()`). */
  | { readonly kind: 'shutdown' }
  /** It crashed: a handler threw, or a supervisor gave up (escalated). */
  | { readonly kind: 'failure'; readonly error: unknown };

export const NORMAL_EXIT: ExitReason = Object.freeze({ kind: 'normal' });
export const SHUTDOWN_EXIT: ExitReason = Object.freeze({ kind: 'shutdown' });

export const isAbnormal = (r: ExitReason): boolean => r.kind === 'failure';

export interface Child {
  /** Stops the child; idempotent, memoised. */
  stop(): Promise<void>;
  /**
   * Registers `cb` to run once when the child ends, however it ends (a failure included). If
   * it has already ended, `cb` runs on a microtask. `cb` must not throw.
   */
  onExit(cb: (reason: ExitReason) => void): void;
}

/**
 * Keeps exit listeners and calls them exactly once. Shared by Actor and Supervisor so both
 * keep the same contract (late registration still hears the exit; one bad listener does not
 * starve the others).
 */
export class ExitSignal {
  #reason: ExitReason | undefined;
  #listeners: ((reason: ExitReason) => void)[] = [];
  readonly #onListenerError: (err: unknown) => void;

  constructor(onListenerError: (err: unknown) => void) {
    this.#onListenerError = onListenerError;
  }

  get reason(): ExitReason | undefined {
    return this.#reason;
  }

  add(cb: (reason: ExitReason) => void): void {
    const reason = this.#reason;
    if (reason === undefined) this.#listeners.push(cb);
    else queueMicrotask(() => this.#call(cb, reason));
  }

  /** Fires once; later calls are ignored. */
  fire(reason: ExitReason): void {
    if (this.#reason !== undefined) return;
    this.#reason = reason;
    const listeners = this.#listeners;
    this.#listeners = [];
    for (const cb of listeners) this.#call(cb, reason);
  }

  #call(cb: (reason: ExitReason) => void, reason: ExitReason): void {
    try {
      cb(reason);
    } catch (err) {
      this.#onListenerError(err);
    }
  }
}
