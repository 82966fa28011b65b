/** The memory broker's options, their defaults, and the checks of its arguments. */
import { ConfigError } from '../../errors.ts';
import type { Clock } from '../../actors/clock.ts';
import type { Logger } from '../../log/logger.ts';
import type { Millis } from '../../util/time.ts';

export interface MemoryBrokerOptions {
  clock?: Clock;
  logger?: Logger;
  /** How long a delivery may stay unsettled without `working()`, ms. @default 1_800_000 (30 min) */
  visibilityTimeout?: Millis;
  /** How long a `msgId` is remembered for deduplication, ms. @default 120_000 (2 min) */
  dedupWindow?: Millis;
  /** Most `msgId`s remembered at once; the oldest are forgotten first. @default 1_000_000 */
  dedupMaxEntries?: number;
  /** Most dead letters kept; the oldest are dropped first. @default 10_000 */
  deadLetterLimit?: number;
}

export const DEFAULT_VISIBILITY_TIMEOUT: Millis = 30 * 60_000;
export const DEFAULT_DEDUP_WINDOW: Millis = 120_000;
export const DEFAULT_DEDUP_MAX = 1_000_000;
export const DEFAULT_DEAD_LETTER_LIMIT = 10_000;

export function checkTarget(queue: string, frame: Uint8Array): void {
  if (typeof queue !== 'string' || queue === '') throw new ConfigError(`queue must be a non-empty string, got ${String(queue)}`);
  if (!(frame instanceof Uint8Array)) throw new ConfigError(`frame must be a Uint8Array, got ${typeof frame}`);
}

/** Celery clamps priorities into the supported range rather than failing the publish. */
export function priorityOf(p: number | undefined): number {
  if (typeof p !== 'number' || !Number.isFinite(p)) return 0;
  return Math.min(9, Math.max(0, Math.round(p)));
}

/** `value` if it is a number > 0, `fallback` if undefined; otherwise a ConfigError naming `key`. */
export function positive(key: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !(value > 0)) throw new ConfigError(`\`${key}\` must be a number > 0, got ${String(value)}`);
  return value;
}
