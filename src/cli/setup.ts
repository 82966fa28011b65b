/**
 * Applies the global options to the loaded app: `-b` and `--result-backend` override the
 * app's URLs before anything connects; `-l` gives the app a logger on stderr.
 */
import type { LevelWithSilent } from 'pino';
import type { Celeriac } from '../app/celeriac.ts';
import { makeLogger, type Logger } from '../log/logger.ts';
import { UsageError } from './args.ts';

export interface GlobalSettings {
  broker: string | undefined;
  resultBackend: string | undefined;
  /** As given with -l; undefined when not given. */
  level: LevelWithSilent | undefined;
}

/** The level the CLI logs at when -l is not given, as Celery's default WARNING. */
export const DEFAULT_LEVEL: LevelWithSilent = 'warn';

/** Overrides the URLs; a bad one is bad usage (exit 2), reported under the option's name. */
export function applyUrls(app: Celeriac, s: GlobalSettings): void {
  const set = (option: string, key: 'broker' | 'backend', value: string | undefined): void => {
    if (value === undefined) return;
    try {
      app.conf.update({ [key]: value });
    } catch (err) {
      throw new UsageError(`${option}: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  set('-b/--broker', 'broker', s.broker);
  set('--result-backend', 'backend', s.resultBackend);
}

/**
 * The logger the app (and so its workers and transport) logs through. An app built with the
 * default silent logger gets one on stderr at the CLI's level; an app given its own logger
 * keeps it, with its level set when -l was given.
 *
 * `Celeriac.logger` is a readonly field fixed at construction, and the app module built the app
 * before the CLI could pass one; redefining the own property is the one way to hand it the CLI's
 * logger without a change to the app class. Parts built later (transport, workers) read it then.
 */
export function applyLogger(app: Celeriac, s: GlobalSettings): Logger {
  const level = s.level ?? DEFAULT_LEVEL;
  const current = app.logger as Logger | undefined;
  if (current !== undefined && current.level !== 'silent') {
    if (s.level !== undefined) current.level = s.level;
    return current;
  }
  const logger = makeLogger(level);
  Object.defineProperty(app, 'logger', { value: logger, writable: false, enumerable: true, configurable: true });
  return logger;
}
