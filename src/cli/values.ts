/**
 * Option values from text, checked before anything connects: each failure is a `UsageError`
 * that names the option, the value and the rule (exit 2).
 */
import type { LevelWithSilent } from 'pino';
import { UsageError } from './args.ts';
import type { Seconds } from '../util/time.ts';

const bad = (option: string, value: string, rule: string): never => {
  throw new UsageError(`${option} must be ${rule}, got ${JSON.stringify(value)}`);
};

export function integer(option: string, value: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const n = /^-?\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    bad(option, value, max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer from ${min} to ${max}`);
  }
  return n;
}

/** A duration in seconds (fractions allowed). `positive` rejects 0. */
export function seconds(option: string, value: string, positive = false): Seconds {
  const n = value.trim() === '' ? Number.NaN : Number(value);
  if (!Number.isFinite(n) || n < 0 || (positive && n === 0)) bad(option, value, positive ? 'a number of seconds > 0' : 'a number of seconds >= 0');
  return n;
}

/** An ISO 8601 date-time. */
export function isoDate(option: string, value: string): Date {
  const d = new Date(value);
  if (value.trim() === '' || Number.isNaN(d.getTime())) bad(option, value, 'an ISO 8601 date-time (e.g. 2030-01-01T10:00:00Z)');
  return d;
}

/** Seconds from now, or an ISO date-time, as Celery's `--expires`. */
export function secondsOrDate(option: string, value: string): Seconds | Date {
  if (/^\s*[\d.]+\s*$/.test(value)) return seconds(option, value);
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) bad(option, value, 'a number of seconds or an ISO 8601 date-time');
  return d;
}

export function jsonArray(option: string, value: string): unknown[] {
  const v = json(option, value);
  if (!Array.isArray(v)) bad(option, value, 'a JSON array, e.g. \'[2, 2]\'');
  return v as unknown[];
}

export function jsonObject(option: string, value: string): Record<string, unknown> {
  const v = json(option, value);
  if (typeof v !== 'object' || v === null || Array.isArray(v)) bad(option, value, 'a JSON object, e.g. \'{"x": 1}\'');
  return v as Record<string, unknown>;
}

function json(option: string, value: string): unknown {
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return bad(option, value, 'valid JSON');
  }
}

/** A comma-separated list of non-empty names (`-Q a,b`). */
export function nameList(option: string, value: string): string[] {
  const names = value.split(',').map((s) => s.trim());
  if (names.length === 0 || names.some((n) => n === '')) bad(option, value, 'a comma-separated list of names');
  return [...new Set(names)];
}

const LEVELS: Record<string, LevelWithSilent> = {
  fatal: 'fatal', critical: 'fatal', error: 'error', warn: 'warn', warning: 'warn',
  info: 'info', debug: 'debug', trace: 'trace', silent: 'silent',
};

/** A pino level; Celery's names (`WARNING`, `CRITICAL`, any case) are accepted. */
export function logLevel(option: string, value: string): LevelWithSilent {
  return LEVELS[value.trim().toLowerCase()] ?? bad(option, value, `one of ${Object.keys(LEVELS).join(', ')}`);
}
