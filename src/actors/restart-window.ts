import { ConfigError } from '../errors.ts';
import type { Millis } from '../util/time.ts';

/** OTP's restart intensity: at most `maxRestarts` restarts within any `periodMs`. */
export interface RestartIntensity {
  /** Restarts allowed inside one window; 0 means the first failure escalates. */
  readonly maxRestarts: number;
  /** Length of the sliding window, in milliseconds. */
  readonly periodMs: Millis;
}

export function validateIntensity(i: RestartIntensity): RestartIntensity {
  if (!Number.isInteger(i.maxRestarts) || i.maxRestarts < 0) {
    throw new ConfigError(`maxRestarts must be an integer >= 0, got ${i.maxRestarts}`);
  }
  if (!(i.periodMs > 0)) throw new ConfigError(`periodMs must be > 0, got ${i.periodMs}`);
  return i;
}

/**
 * Pure decision: given the times of earlier restarts and `now`, is one more restart within
 * budget? Returns the pruned history including `now`. As in OTP, a restart counts while
 * `now - t <= periodMs`, and the budget is exceeded when the window would hold more than
 * `maxRestarts`. A time in the future (a clock stepped back) stays in the window: it errs
 * towards escalating rather than towards restarting forever.
 */
export function admitRestart(
  history: readonly Millis[],
  now: Millis,
  intensity: RestartIntensity,
): { allowed: boolean; history: Millis[] } {
  const kept = history.filter((t) => now - t <= intensity.periodMs);
  kept.push(now);
  return { allowed: kept.length <= intensity.maxRestarts, history: kept };
}

/** The stateful wrapper a supervisor keeps: one per supervisor, shared by its children. */
export class RestartWindow {
  readonly intensity: RestartIntensity;
  #history: Millis[] = [];

  constructor(intensity: RestartIntensity) {
    this.intensity = validateIntensity({ ...intensity });
  }

  /** Records a restart at `now`; false when it exceeds the budget (the caller escalates). */
  record(now: Millis): boolean {
    const { allowed, history } = admitRestart(this.#history, now, this.intensity);
    this.#history = history;
    return allowed;
  }

  /** Restarts still inside the window at `now`. */
  count(now: Millis): number {
    let n = 0;
    for (const t of this.#history) if (now - t <= this.intensity.periodMs) n++;
    return n;
  }

  reset(): void {
    this.#history = [];
  }
}
