/**
 * One loop's wait point: the loop sleeps for a reason (more credit, a band to look at, a
 * backoff) and only a matching poke, or an `'any'` poke (close, reconnect), wakes it early.
 * Timers are unref'd.
 */
export type WaitKind = 'credit' | 'bands' | 'backoff';

export class Waker {
  #wake: (() => void) | null = null;
  #kind: WaitKind = 'backoff';

  /** Resolves at the next matching poke, or after `ms`. */
  sleep(kind: WaitKind, ms?: number): Promise<void> {
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      this.#kind = kind;
      const wake = (): void => {
        clearTimeout(timer);
        if (this.#wake === wake) this.#wake = null;
        resolve();
      };
      this.#wake = wake;
      if (ms !== undefined) {
        timer = setTimeout(wake, ms);
        timer.unref();
      }
    });
  }

  poke(kind: WaitKind | 'any'): void {
    if (this.#wake !== null && (kind === 'any' || kind === this.#kind)) this.#wake();
  }

  /** Forgets the pending sleep (the loop went on for another reason). */
  clear(): void {
    this.#wake = null;
  }
}
