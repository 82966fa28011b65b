/** Worker options, validated once into a frozen, fully-resolved object. */
import { availableParallelism, hostname as osHostname } from 'node:os';
import { ConfigError } from '../errors.ts';
import type { Seconds } from '../util/time.ts';

export interface WorkerOptions {
  /** Tasks run at once. @default workerConcurrency, else the CPU count */
  concurrency?: number;
  /** `[max, min]`: the pool grows under load up to max and shrinks to min when idle. */
  autoscale?: [max: number, min: number] | null;
  /** Queues to consume. @default [taskDefaultQueue] */
  queues?: string[];
  /** Unacked deliveries per consumer = concurrency × this (0: as many as concurrency). @default workerPrefetchMultiplier (4) */
  prefetchMultiplier?: number;
  /** `'threads'` (Piscina, default) or `'inline'` (the host's loop, for I/O-bound async tasks). */
  pool?: 'threads' | 'inline';
  /** Node name, `%h` expands to the host name. @default `celeriac@<host>` */
  hostname?: string;
  /** Run beat inside this worker. @default false */
  beat?: boolean;
  /** The app module worker threads import (`import.meta.url` of the app). @default the app's `module` */
  module?: string;
  /** Send task events. @default workerSendTaskEvents */
  sendTaskEvents?: boolean;
  /** Ignore task rate limits. @default workerDisableRateLimits */
  disableRateLimits?: boolean;
  /** Seconds a warm stop waits before it turns cold. @default workerShutdownTimeout (30) */
  shutdownTimeout?: Seconds;
  /** Heap limit of a worker thread in MB. @default workerMaxMemoryPerChild (none) */
  maxMemoryPerChild?: number | null;
  /** Seconds between heartbeats. @default workerHeartbeatInterval (2) */
  heartbeatInterval?: Seconds;
  /** Restarts of a failing part allowed within `restartPeriod` before the worker goes offline. @default 5 */
  maxRestarts?: number;
  /** Seconds of the restart window. @default 30 */
  restartPeriod?: Seconds;
}

export interface ResolvedWorkerOptions {
  readonly concurrency: number;
  readonly autoscale: readonly [number, number] | null;
  readonly queues: readonly string[];
  readonly prefetchMultiplier: number;
  readonly pool: 'threads' | 'inline';
  readonly hostname: string;
  readonly beat: boolean;
  readonly module: string | undefined;
  readonly sendTaskEvents: boolean;
  readonly disableRateLimits: boolean;
  readonly shutdownTimeout: Seconds;
  readonly maxMemoryPerChild: number | null;
  readonly heartbeatInterval: Seconds;
  readonly maxRestarts: number;
  readonly restartPeriod: Seconds;
}

/** Defaults that come from the app's configuration. */
export interface WorkerConfDefaults {
  workerConcurrency: number | null;
  taskDefaultQueue: string;
  workerPrefetchMultiplier: number;
  workerSendTaskEvents: boolean;
  workerDisableRateLimits: boolean;
  workerShutdownTimeout: Seconds;
  workerMaxMemoryPerChild: number | null;
  workerHeartbeatInterval: Seconds;
}

const KNOWN = new Set([
  'concurrency', 'autoscale', 'queues', 'prefetchMultiplier', 'pool', 'hostname', 'beat', 'module',
  'sendTaskEvents', 'disableRateLimits', 'shutdownTimeout', 'maxMemoryPerChild', 'heartbeatInterval',
  'maxRestarts', 'restartPeriod',
]);

function fail(key: string, value: unknown, rule: string): never {
  throw Object.assign(new ConfigError(`worker option \`${key}\` must be ${rule}, got ${JSON.stringify(value)}`), { key, value });
}
const int = (key: string, v: unknown, min: number) => {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) fail(key, v, `an integer >= ${min}`);
  return v;
};
const num = (key: string, v: unknown) => {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) fail(key, v, 'a number of seconds >= 0');
  return v;
};
const bool = (key: string, v: unknown) => {
  if (typeof v !== 'boolean') fail(key, v, 'a boolean');
  return v;
};

/** Expands `%h` (host name), `%n` (node name part) as Celery does. */
export function expandHostname(name: string): string {
  const host = osHostname();
  return name.replaceAll('%h', host).replaceAll('%n', host.split('.')[0] ?? host).replaceAll('%d', host.split('.').slice(1).join('.'));
}

export function resolveWorkerOptions(o: WorkerOptions, conf: WorkerConfDefaults): ResolvedWorkerOptions {
  for (const key of Object.keys(o)) if (!KNOWN.has(key)) fail(key, (o as Record<string, unknown>)[key], `a known option (${[...KNOWN].join(', ')})`);
  const autoscale = o.autoscale ?? null;
  if (autoscale !== null) {
    if (!Array.isArray(autoscale) || autoscale.length !== 2) fail('autoscale', autoscale, 'a pair [max, min]');
    int('autoscale[0]', autoscale[0], 1);
    int('autoscale[1]', autoscale[1], 0);
    if (autoscale[1] > autoscale[0]) fail('autoscale', autoscale, '[max, min] with min <= max');
  }
  const concurrency = int('concurrency', o.concurrency ?? conf.workerConcurrency ?? autoscale?.[0] ?? availableParallelism(), 1);
  const queues = o.queues ?? [conf.taskDefaultQueue];
  if (!Array.isArray(queues) || queues.length === 0 || queues.some((q) => typeof q !== 'string' || q.length === 0)) {
    fail('queues', queues, 'a non-empty array of queue names');
  }
  const pool = o.pool ?? 'threads';
  if (pool !== 'threads' && pool !== 'inline') fail('pool', pool, "'threads' or 'inline'");
  const hostname = expandHostname(o.hostname ?? 'celeriac@%h');
  if (typeof hostname !== 'string' || hostname.length === 0) fail('hostname', o.hostname, 'a non-empty string');
  const maxMemory = o.maxMemoryPerChild ?? conf.workerMaxMemoryPerChild;
  if (maxMemory !== null) int('maxMemoryPerChild', maxMemory, 8);
  return Object.freeze({
    concurrency,
    autoscale: autoscale === null ? null : (Object.freeze([autoscale[0], autoscale[1]]) as readonly [number, number]),
    queues: Object.freeze([...new Set(queues)]),
    prefetchMultiplier: int('prefetchMultiplier', o.prefetchMultiplier ?? conf.workerPrefetchMultiplier, 0),
    pool,
    hostname,
    beat: bool('beat', o.beat ?? false),
    module: o.module,
    sendTaskEvents: bool('sendTaskEvents', o.sendTaskEvents ?? conf.workerSendTaskEvents),
    disableRateLimits: bool('disableRateLimits', o.disableRateLimits ?? conf.workerDisableRateLimits),
    shutdownTimeout: num('shutdownTimeout', o.shutdownTimeout ?? conf.workerShutdownTimeout),
    maxMemoryPerChild: maxMemory,
    heartbeatInterval: num('heartbeatInterval', o.heartbeatInterval ?? conf.workerHeartbeatInterval),
    maxRestarts: int('maxRestarts', o.maxRestarts ?? 5, 0),
    restartPeriod: num('restartPeriod', o.restartPeriod ?? 30),
  });
}

/** The prefetch window of one consumer: concurrency × multiplier, or concurrency when 0. */
export const prefetchWindow = (o: { concurrency: number; prefetchMultiplier: number }): number =>
  o.prefetchMultiplier === 0 ? o.concurrency : o.concurrency * o.prefetchMultiplier;
