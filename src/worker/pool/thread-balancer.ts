/**
 * Which Piscina thread takes which run of the threads pool (Piscina's `loadBalancer` option).
 *
 * Piscina cannot be told to start threads after construction (`minThreads` is fixed), but it
 * starts one whenever its load balancer returns null (documented). So the pool grows its threads
 * with warm-ups: runs named `WARM` that this balancer places only on a thread nothing was placed
 * on yet ("fresh"). With none free, Piscina starts a thread and the warm-up waits for it, so n
 * warm-ups made at once give n threads, each loading the app module. Batches go to an idle
 * thread, one that already has the app module (or is loading it) first.
 */
import type { Piscina } from 'piscina';

/** Piscina does not export these types; they are read off its constructor's options. */
type Balancer = NonNullable<NonNullable<ConstructorParameters<typeof Piscina>[0]>['loadBalancer']>;
type PiscinaWorker = Parameters<Balancer>[1][number];

/** The run `name` of warm-ups: thread-main.ts exports its handler under it too. */
export const WARM = 'warm';

export class ThreadBalancer {
  /** Threads that a warm-up or a batch was placed on: their app module is loaded or loading. */
  readonly #claimed = new Set<number>();
  /** True while the pool makes warm-ups to get new threads (see `spawning`). */
  #spawning = false;

  /** Passed as Piscina's `loadBalancer`. */
  readonly balance: Balancer = (task, workers) => (task.name === WARM ? this.#warm(workers) : this.#batch(workers));

  /**
   * Calls `submit`, which makes warm-ups with `piscina.run()`: Piscina asks the balancer from
   * within that call, and each warm-up takes a fresh idle thread or makes Piscina start one.
   */
  spawning<T>(submit: () => T): T {
    this.#spawning = true;
    try {
      return submit();
    } finally {
      this.#spawning = false;
    }
  }

  /** A thread is gone (Piscina's `workerDestroy`). */
  forget(id: number): void {
    this.#claimed.delete(id);
  }

  #warm(workers: PiscinaWorker[]): PiscinaWorker | null {
    let idle: PiscinaWorker | null = null;
    for (const w of workers) {
      if (w.currentUsage !== 0) continue;
      if (!this.#claimed.has(w.id)) return this.#claim(w);
      idle ??= w;
    }
    if (this.#spawning) return null;
    // Piscina places a waiting warm-up when a thread comes up or frees up (normally on the fresh
    // thread started for it). Never null here: Piscina would then start threads in a loop, up to
    // maxThreads. A warm-up is harmless on any thread: it only loads the app module.
    return idle ?? workers.find((w) => !w.terminating && !w.destroyed) ?? null;
  }

  /**
   * The pool hands Piscina a batch only while a thread is up and idle (`idleThreads > 0`), so
   * Piscina asks from within `run()` with its ready threads, and this finds one.
   */
  #batch(workers: PiscinaWorker[]): PiscinaWorker | null {
    let fresh: PiscinaWorker | null = null;
    for (const w of workers) {
      if (w.currentUsage !== 0) continue;
      if (this.#claimed.has(w.id)) return w;
      fresh ??= w;
    }
    return fresh === null ? null : this.#claim(fresh);
  }

  #claim(w: PiscinaWorker): PiscinaWorker {
    this.#claimed.add(w.id);
    return w;
  }
}
