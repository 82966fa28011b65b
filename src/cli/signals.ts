/**
 * SIGINT/SIGTERM for long-running commands, as Celery's worker takes them: the first asks for
 * a warm stop, the second for a cold one, a third exits at once. SIGQUIT is cold at once.
 *
 * Under the launcher's re-exec (see bin/celeriac.js) a terminal's Ctrl-C reaches both the
 * launcher, which relays it, and this process, which would then see one keypress as two; so a
 * repeat of the same signal within `RELAY_WINDOW_MS` counts once there.
 */
const RELAY_WINDOW_MS = 250;

export interface StopHandlers {
  warm(signal: NodeJS.Signals): void;
  cold(signal: NodeJS.Signals): void;
  /** A further signal after the cold stop: the caller should exit now. */
  abort(signal: NodeJS.Signals): void;
}

/** Listens until the returned function is called. */
export function onStopSignals(handlers: StopHandlers, opts: { relayed: boolean }): () => void {
  let count = 0;
  let last: { signal: NodeJS.Signals; at: number } | undefined;
  const on = (signal: NodeJS.Signals): void => {
    const now = Date.now();
    if (opts.relayed && last?.signal === signal && now - last.at < RELAY_WINDOW_MS) return;
    last = { signal, at: now };
    count = signal === 'SIGQUIT' ? Math.max(count, 1) + 1 : count + 1;
    if (count === 1) handlers.warm(signal);
    else if (count === 2) handlers.cold(signal);
    else handlers.abort(signal);
  };
  const signals: NodeJS.Signals[] = process.platform === 'win32' ? ['SIGINT'] : ['SIGINT', 'SIGTERM', 'SIGQUIT'];
  for (const s of signals) process.on(s, on);
  return () => {
    for (const s of signals) process.off(s, on);
  };
}

/** Resolves on the first SIGINT or SIGTERM (for commands that just run until stopped). */
export function untilSignal(opts: { relayed: boolean }): { done: Promise<NodeJS.Signals>; off: () => void } {
  let resolveDone!: (s: NodeJS.Signals) => void;
  const done = new Promise<NodeJS.Signals>((r) => (resolveDone = r));
  const off = onStopSignals(
    {
      warm: (s) => resolveDone(s),
      cold: (s) => resolveDone(s),
      abort: () => process.exit(130),
    },
    opts,
  );
  return { done, off };
}
