/** Small test aids for the actor tests: log capture, event-loop turns, unhandled-rejection watch. */
import { pino } from 'pino';
import type { Logger } from '../../../src/log/logger.ts';

export interface LogLine {
  level: number;
  msg?: string;
  [key: string]: unknown;
}

/** A pino logger at `debug` whose lines are parsed into `lines`. */
export function captureLogger(): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  // A plain object with write(): pino then writes each line synchronously.
  const sink = {
    write(chunk: string): void {
      for (const line of chunk.split('\n')) if (line) lines.push(JSON.parse(line) as LogLine);
    },
  };
  return { logger: pino({ level: 'debug' }, sink), lines };
}

export const WARN = 40;
export const ERROR = 50;

/** One full turn of the event loop (microtasks and immediates queued before it run first). */
export const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Turns the loop until `cond` holds; fails after `maxTurns` (no wall-clock sleeps). */
export async function until(cond: () => boolean, label: string, maxTurns = 1000): Promise<void> {
  for (let i = 0; i < maxTurns; i++) {
    if (cond()) return;
    await turn();
  }
  throw new Error(`gave up waiting for: ${label}`);
}

const unhandled: unknown[] = [];
process.on('unhandledRejection', (reason) => unhandled.push(reason));

/** Unhandled rejections seen so far in this test file (the listener also keeps them from crashing it). */
export const unhandledRejections = (): readonly unknown[] => unhandled;
