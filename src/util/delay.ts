import type { Millis } from './time.ts';

export interface DelayOptions {
  /**
   * Keep the host process alive while waiting. Off by default: a pending delay never keeps the
   * host alive on its own. On for a wait that someone awaits the end of (a publish retry: its
   * caller may have nothing else pending), which must then be cancellable through `signal`.
   */
  keepAlive?: boolean;
}

/** Waits `ms`, or rejects with the signal's reason as soon as it aborts. */
export function delay(ms: Millis, signal?: AbortSignal, opts: DelayOptions = {}): Promise<void> {
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
    if (opts.keepAlive !== true) timer.unref?.();
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
