/**
 * Celery's rate limit strings: `'10/s'`, `'10/m'`, `'10/h'`, or a plain number (of tasks per
 * second, as a number or a numeric string). A rate of 0 means no limit, as in Celery (kombu's
 * `rate()` returns 0 and no bucket is made).
 */
import { fail, type Where } from './validate.ts';

export interface ParsedRateLimit {
  /** Tokens added to the bucket per second. */
  readonly perSecond: number;
}

const PER_SECOND: Readonly<Record<string, number>> = { s: 1, m: 1 / 60, h: 1 / 3600 };
const RATE = /^\s*(\d+(?:\.\d*)?|\.\d+)\s*(?:\/\s*([smh]))?\s*$/;
const RULE = "a rate such as '10/s', '10/m', '10/h', or a number of tasks per second >= 0";

/**
 * Parses a rate limit; `null`/`undefined`/`0` mean "no limit" and give `null`. Anything else
 * that is not a rate throws ConfigError naming `key` (default `rateLimit`).
 */
export function parseRateLimit(value: unknown, key: string | Where = 'rateLimit'): ParsedRateLimit | null {
  const w: Where = typeof key === 'string' ? { key } : key;
  if (value === null || value === undefined) return null;
  let perSecond: number;
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) fail(w, value, RULE);
    perSecond = value;
  } else if (typeof value === 'string') {
    const m = RATE.exec(value);
    if (m === null) fail(w, value, RULE);
    perSecond = Number(m[1]) * PER_SECOND[m[2] ?? 's']!;
  } else {
    return fail(w, value, RULE);
  }
  return perSecond === 0 ? null : Object.freeze({ perSecond });
}
