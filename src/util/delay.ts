import type { Millis } from './time.ts';

/**
 * Waits `ms`, or rejects with the signal's reason as soon as it aborts. The timer is unref'd:
 * a pending delay never keeps the host process alive on its own.
 */
export function delay(ms: Millis, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, Math.max(0, ms));
    timer.unref?.();
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
