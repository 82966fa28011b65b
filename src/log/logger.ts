/**
 * The pino logger factory. A library embedded in a host is silent unless given a logger;
 * the CLI makes a pretty-ish one at the level asked for.
 */
import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

export const silentLogger = (): Logger => pino({ level: 'silent' });

/** A logger writing newline-delimited JSON to stderr at `level`. */
export function makeLogger(level: LevelWithSilent = 'info', name?: string): Logger {
  return pino({ level, name, base: { pid: process.pid } }, pino.destination({ fd: 2, sync: false }));
}
