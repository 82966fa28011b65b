/**
 * The streams and consumers, and creating them idempotently: many workers starting at once
 * all "add" the same config, which JetStream accepts as a no-op; a stream that exists with a
 * different config is kept (logged) unless a field we depend on is missing, then updated.
 */
import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  ReplayPolicy,
  RetentionPolicy,
  StorageType,
  type ConsumerConfig,
  type JetStreamManager,
  type StreamConfig,
} from '@nats-io/jetstream';
import type { Logger } from '../../log/logger.ts';
import type { Millis } from '../../util/time.ts';
import { JsErr, jsErrCode, wrapNatsError } from './errors.ts';
import type { NatsNames } from './names.ts';

const NANOS = 1_000_000;
/** How long JetStream remembers a `Nats-Msg-Id`: publish retries happen well within it. */
export const DUPLICATE_WINDOW_MS = 120_000;
/** Unacked deliveries a band consumer allows across all its workers (JetStream's default is 1,000). */
export const TASK_MAX_ACK_PENDING = 20_000;

type StreamCfg = Partial<StreamConfig> & { name: string };

/** Tasks and delayed tasks: a work queue (each message gone once acked), deduplicated by id. */
function workQueueStreamConfig(name: string, subjects: string, replicas: number): StreamCfg {
  return {
    name,
    subjects: [subjects],
    retention: RetentionPolicy.Workqueue,
    storage: StorageType.File,
    num_replicas: replicas,
    duplicate_window: DUPLICATE_WINDOW_MS * NANOS,
    discard: DiscardPolicy.Old,
  };
}

export const tasksStreamConfig = (names: NatsNames, replicas: number): StreamCfg =>
  workQueueStreamConfig(names.tasksStream, names.taskSubjects, replicas);

export const delayedStreamConfig = (names: NatsNames, replicas: number): StreamCfg =>
  workQueueStreamConfig(names.delayedStream, names.delayedSubjects, replicas);

/** Dead letters: kept two weeks or the last 100,000, whichever is less. */
export function dlqStreamConfig(names: NatsNames, replicas: number): StreamCfg {
  return {
    name: names.dlqStream,
    subjects: [names.dlqSubjects],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    num_replicas: replicas,
    max_msgs: 100_000,
    max_age: 14 * 86_400_000 * NANOS,
    duplicate_window: DUPLICATE_WINDOW_MS * NANOS,
    discard: DiscardPolicy.Old,
  };
}

/**
 * A KV bucket's stream, as `@nats-io/kv` would make it, plus `republish` so that watchers are
 * plain core subscriptions (no consumer per watched key) that see only stored writes.
 */
export function bucketStreamConfig(
  bucket: string,
  replicas: number,
  ttl: Millis | null,
  republishTo?: string,
): StreamCfg {
  const cfg: StreamCfg = {
    name: `KV_${bucket}`,
    subjects: [`$KV.${bucket}.>`],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    num_replicas: replicas,
    max_msgs_per_subject: 1,
    discard: DiscardPolicy.New,
    allow_rollup_hdrs: true,
    deny_delete: true,
    // Reads go to the leader: compare-and-set loops and chord joins need what was committed.
    allow_direct: false,
  };
  if (ttl !== null && ttl > 0) {
    cfg.max_age = ttl * NANOS;
    cfg.duplicate_window = Math.min(ttl, DUPLICATE_WINDOW_MS) * NANOS;
  }
  if (republishTo !== undefined) cfg.republish = { src: `$KV.${bucket}.>`, dest: republishTo };
  return cfg;
}

/** A durable pull consumer shared by every worker of a (queue, band). */
export function bandConsumerConfig(durable: string, filter: string, ackWait: Millis): Partial<ConsumerConfig> {
  return {
    durable_name: durable,
    filter_subject: filter,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    replay_policy: ReplayPolicy.Instant,
    ack_wait: Math.round(ackWait * NANOS),
    // Unbounded here: the transport dead-letters at `maxDeliver` itself, so that a crash
    // between noticing and dead-lettering can never strand a message in the stream.
    max_deliver: -1,
    max_ack_pending: TASK_MAX_ACK_PENDING,
  };
}

/** The mover's consumer: every not-yet-due delayed message is ack-pending on it, so no cap. */
export function moverConsumerConfig(names: NatsNames): Partial<ConsumerConfig> {
  return {
    durable_name: names.moverConsumer,
    filter_subject: names.delayedSubjects,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    replay_policy: ReplayPolicy.Instant,
    ack_wait: 30_000 * NANOS,
    max_deliver: -1,
    max_ack_pending: -1,
  };
}

/** Adds the stream, accepting one that exists; updates it only when `needsUpdate` says so. */
export async function ensureStream(
  jsm: JetStreamManager,
  cfg: StreamCfg,
  logger: Logger,
  needsUpdate: (existing: StreamConfig) => boolean = () => false,
): Promise<void> {
  try {
    await jsm.streams.add(cfg);
    return;
  } catch (err) {
    if (jsErrCode(err) !== JsErr.StreamNameInUse) throw wrapNatsError(err, `creating stream ${cfg.name}`);
  }
  // It exists with another config (another app version, other replicas or TTL): keep it.
  const info = await jsm.streams.info(cfg.name).catch((err: unknown) => {
    throw wrapNatsError(err, `reading stream ${cfg.name}`);
  });
  if (needsUpdate(info.config)) {
    logger.info({ stream: cfg.name }, 'updating stream config');
    await jsm.streams.update(cfg.name, { ...info.config, ...cfg }).catch((err: unknown) => {
      throw wrapNatsError(err, `updating stream ${cfg.name}`);
    });
  } else {
    logger.debug({ stream: cfg.name }, 'stream exists with a different config; keeping it');
  }
}

/** Creates or updates a durable consumer (JetStream treats a changed config as an update). */
export async function ensureConsumer(
  jsm: JetStreamManager,
  stream: string,
  cfg: Partial<ConsumerConfig>,
): Promise<void> {
  try {
    await jsm.consumers.add(stream, cfg);
  } catch (err) {
    throw wrapNatsError(err, `creating consumer ${stream}/${cfg.durable_name ?? ''}`);
  }
}
