/**
 * The alternatives a scenario compares (broker × pool × serializer), each measured in a
 * process of its own: the scenario file runs as the parent, then again as a child per variant
 * (see child.ts), so one variant's heap, threads and connections never weigh on the next.
 * The parent starts the one nats-server every nats:// variant shares (each with its own
 * stream prefix), so a child killed at its deadline leaves no server behind.
 */
import { randomBytes } from 'node:crypto';
import { startNatsServer } from '../../test/helpers/nats-server.ts';
import { runChild, type ChildOutcome, type RunChildOptions } from './child.ts';

export type BrokerKind = 'memory' | 'nats';
export type PoolKind = 'threads' | 'inline';
export type SerializerName = 'msgpack' | 'json';

export interface Variant {
  broker: BrokerKind;
  pool: PoolKind;
  serializer: SerializerName;
}

/** Every combination, in a stable order (brokers outermost). */
export function matrix(brokers: BrokerKind[], pools: PoolKind[], serializers: SerializerName[]): Variant[] {
  return brokers.flatMap((broker) => pools.flatMap((pool) => serializers.map((serializer) => ({ broker, pool, serializer }))));
}

/** `nats threads msgpack`: the prefix of the variant's figure names. */
export const label = (v: Variant): string => `${v.broker} ${v.pool} ${v.serializer}`;

/** The sizes most scenarios pass their children: items per round, and rounds. */
export interface RoundsParams {
  n: number;
  rounds: number;
}

/** What a child receives: its variant, the shared nats-server (if any) and the scenario's sizes. */
export interface VariantPayload<P> {
  variant: Variant;
  natsUrl: string | undefined;
  params: P;
}

/** App configuration for a variant: its broker (a fresh namespace) and task serializer. */
export function variantConf(p: VariantPayload<unknown>): Record<string, unknown> {
  const conf: Record<string, unknown> = { taskSerializer: p.variant.serializer, resultExpires: 600 };
  if (p.variant.broker === 'memory') conf.broker = `memory://bench-${process.pid}`;
  else {
    if (p.natsUrl === undefined) throw new Error('a nats:// variant needs the parent’s nats-server');
    conf.broker = p.natsUrl;
    conf.transportPrefix = `bench_${randomBytes(4).toString('hex')}`;
  }
  return conf;
}

/** Runs `fn` with a nats-server of its own when `needed` (its URL, else undefined), and always stops it. */
export async function withNatsServer<T>(needed: boolean, fn: (url: string | undefined) => Promise<T>): Promise<T> {
  if (!needed) return fn(undefined);
  const server = await startNatsServer();
  try {
    return await fn(server.url);
  } finally {
    await server[Symbol.asyncDispose]();
  }
}

/**
 * Runs `file` once per variant, one after the other, each in a fresh process, and returns the
 * outcomes in order. A failed or timed-out variant is an outcome, not an exception.
 */
export async function runVariants<P, R>(
  file: string | URL,
  variants: Variant[],
  params: P,
  natsUrl: string | undefined,
  opts: RunChildOptions = {},
): Promise<{ variant: Variant; outcome: ChildOutcome<R> }[]> {
  const out: { variant: Variant; outcome: ChildOutcome<R> }[] = [];
  for (const variant of variants) {
    console.log(`-- ${label(variant)}`);
    const payload: VariantPayload<P> = { variant, natsUrl, params };
    out.push({ variant, outcome: await runChild<R>(file, payload, opts) });
  }
  return out;
}

/** Env var `name` as a positive number, else `fallback`. */
export function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, got ${JSON.stringify(raw)}`);
  return n;
}

/** Env var BROKERS (`memory,nats`) narrowing which brokers a scenario measures. */
export function envBrokers(): BrokerKind[] {
  const raw = process.env.BROKERS ?? 'memory,nats';
  return raw.split(',').filter((b): b is BrokerKind => b === 'memory' || b === 'nats');
}
