/**
 * The autoscale policy (Celery's `Autoscaler._maybe_scale`), pure: given the pool's load and
 * the time, the size it should have. Growth is immediate; shrinking waits until the pool has
 * not been fully busy for `keepalive`, then goes one step per check.
 */
import type { Millis } from '../../util/time.ts';

export interface AutoscaleState {
  size: number;
  min: number;
  max: number;
  /** Tasks running (or handed to threads). */
  active: number;
  /** Tasks waiting in the pool. */
  queued: number;
  now: Millis;
  /** The last time the pool needed all of its size (or grew). */
  lastBusyAt: Millis;
  keepalive: Millis;
}

/** The new target size, within `[min, max]`. */
export function autoscaleDecision(s: AutoscaleState): number {
  const want = Math.min(s.max, Math.max(s.min, s.active + s.queued));
  if (want > s.size) return want;
  if (s.size > s.max) return s.max;
  if (want < s.size && s.now - s.lastBusyAt >= s.keepalive) return s.size - 1;
  return s.size;
}

/** `[max, min]` made sane: integers, min >= 0, max >= max(min, 1). */
export function autoscaleBounds(max: number, min: number): { max: number; min: number } {
  const lo = Math.max(0, Math.floor(min));
  return { min: lo, max: Math.max(1, lo, Math.floor(max)) };
}
