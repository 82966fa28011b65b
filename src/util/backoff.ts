import type { Seconds } from './time.ts';

/** Publish retry policy, Celery's `retry_policy` (seconds). */
export interface RetryPolicy {
  /** How many retries after the first attempt; `null` retries forever. @default 3 */
  maxRetries: number | null;
  /** Wait before the first retry. @default 0 */
  intervalStart: Seconds;
  /** Added to the wait after each retry. @default 0.2 */
  intervalStep: Seconds;
  /** The longest wait between retries. @default 0.2 */
  intervalMax: Seconds;
}

/** The wait before retry number `retry` (0-based), as kombu's `retry_over_time` computes it. */
export function policyInterval(policy: RetryPolicy, retry: number): Seconds {
  return Math.min(policy.intervalStart + policy.intervalStep * retry, policy.intervalMax);
}

/**
 * Task retry countdown with `retryBackoff` (Celery's `get_exponential_backoff_interval`):
 * factor * 2^retries, capped at `max`, and with full jitter drawn from `random` when asked.
 */
export function exponentialBackoff(
  factor: Seconds,
  retries: number,
  max: Seconds,
  jitter: boolean,
  random: () => number = Math.random,
): Seconds {
  const countdown = Math.min(max, factor * 2 ** retries);
  return jitter ? Math.floor(random() * (countdown + 1)) : countdown;
}
