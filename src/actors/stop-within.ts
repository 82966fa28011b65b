import type { Logger } from '../log/logger.ts';
import type { Millis } from '../util/time.ts';
import type { Child } from './child.ts';
import type { Clock, TimerHandle } from './clock.ts';

export type StopOutcome = 'stopped' | 'failed' | 'abandoned';

/**
 * Stops `child`, waiting at most `shutdownMs` (OTP's `shutdown` in a child spec). Never
 * rejects: a stop that throws is logged as `failed`; one that outlasts the deadline is
 * `abandoned` with a log line and left to finish (or not) on its own, so teardown never hangs
 * on a single child. A late rejection of an abandoned stop is still caught and logged.
 */
export async function stopWithin(
  child: Child,
  shutdownMs: Millis,
  clock: Clock,
  logger: Logger,
  childId: string,
): Promise<StopOutcome> {
  let timer: TimerHandle | undefined;
  const stopped = Promise.resolve()
    .then(() => child.stop())
    .then(
      () => 'stopped' as const,
      (err: unknown) => {
        logger.error({ err, child: childId }, 'child stop failed');
        return 'failed' as const;
      },
    );
  if (shutdownMs === Infinity) return stopped;
  const deadline = new Promise<'abandoned'>((resolve) => {
    timer = clock.setTimeout(() => resolve('abandoned'), shutdownMs);
  });
  const outcome = await Promise.race([stopped, deadline]);
  timer?.cancel();
  if (outcome === 'abandoned') {
    logger.warn({ child: childId, shutdownMs }, 'child did not stop within shutdownMs: abandoned');
  }
  return outcome;
}
