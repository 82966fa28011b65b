/**
 * The one config key table: for every key its camelCase name, Celery's snake_case name, the
 * old upper-case aliases Celery had, its unit, default, doc string and validator. `Config`
 * builds its accessors from this table and docs/configuration.md is generated from it. The
 * `DEFAULT_*` constants live here and nowhere else.
 */
import type { Seconds } from '../util/time.ts';
import type { RetryPolicy } from '../util/backoff.ts';
import type { Compression, SerializerName } from '../protocol/task-message.ts';
import { checkRetryPolicy } from './retry-policy.ts';
import {
  checkAcceptContent,
  checkBackend,
  checkBeatSchedule,
  checkConnectionOptions,
  checkTaskRoutes,
  checkTimezone,
  checkTransportUrl,
  type AcceptContent,
  type BeatEntry,
  type TaskRoutes,
} from './shapes.ts';
import {
  checkBoolean,
  checkCompression,
  checkInteger,
  checkPriority,
  checkQueueName,
  checkSeconds,
  checkSerializer,
  fail,
  isPlainObject,
  nullable,
  type Where,
} from './validate.ts';

export const DEFAULT_BROKER = 'memory://';
export const DEFAULT_SERIALIZER: SerializerName = 'msgpack';
export const DEFAULT_ACCEPT_CONTENT: readonly AcceptContent[] = Object.freeze(['msgpack', 'json'] as const);
export const DEFAULT_TIMEZONE = 'UTC';
export const DEFAULT_QUEUE = 'celery';
export const DEFAULT_PRIORITY = 0;
export const DEFAULT_RESULT_EXPIRES: Seconds = 86_400;
export const DEFAULT_PREFETCH_MULTIPLIER = 4;
export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = Object.freeze({
  maxRetries: 3,
  intervalStart: 0,
  intervalStep: 0.2,
  intervalMax: 0.2,
});
export const DEFAULT_RETRY_DELAY: Seconds = 180;
export const DEFAULT_MAX_RETRIES = 3;
/** `retryBackoff: true` means this factor. */
export const DEFAULT_RETRY_BACKOFF_FACTOR: Seconds = 1;
export const DEFAULT_RETRY_BACKOFF_MAX: Seconds = 600;
export const DEFAULT_RETRY_JITTER = true;
export const DEFAULT_VISIBILITY_TIMEOUT: Seconds = 3600;
export const DEFAULT_CONNECTION_TIMEOUT: Seconds = 4;
export const DEFAULT_TRANSPORT_PREFIX = 'celeriac';
export const DEFAULT_HEARTBEAT_INTERVAL: Seconds = 2;
export const DEFAULT_SHUTDOWN_TIMEOUT: Seconds = 30;
export const DEFAULT_BEAT_MAX_LOOP_INTERVAL: Seconds = 300;
export const DEFAULT_CONTROL_REPLY_TIMEOUT: Seconds = 1;
export const DEFAULT_EVENT_QUEUE_TTL: Seconds = 5;
export const DEFAULT_CHORD_JOIN_TIMEOUT: Seconds = 3600;

/** `brokerTransportOptions`: settings of the transport itself (Celery's `broker_transport_options`). */
export interface BrokerTransportOptions {
  /** NATS: replicas of every stream and KV bucket the transport creates, 1-5 (3 on a three-server cluster). @default 1 */
  readonly replicas?: number;
}

const TRANSPORT_OPTION_NAMES = ['replicas'] as const;

function checkTransportOptions(w: Where, v: unknown): Readonly<BrokerTransportOptions> {
  if (!isPlainObject(v)) fail(w, v, 'a plain object such as `{ replicas: 3 }`');
  const out: { replicas?: number } = {};
  for (const [field, value] of Object.entries(v)) {
    if (value === undefined) continue;
    if (field === 'replicas') out.replicas = checkInteger({ ...w, field }, value, 1, 5);
    else fail({ ...w, field }, value, `a known transport option (${TRANSPORT_OPTION_NAMES.join(', ')})`);
  }
  return Object.freeze(out);
}

/** Every config key's resolved type, by camelCase name: `conf.workerPrefetchMultiplier` is a number. */
export interface ConfigValues {
  broker: string;
  backend: string | undefined;
  taskSerializer: SerializerName;
  resultSerializer: SerializerName;
  acceptContent: readonly AcceptContent[];
  taskCompression: Compression | null;
  resultCompression: Compression | null;
  timezone: string;
  enableUtc: boolean;
  taskRoutes: TaskRoutes | null;
  taskDefaultQueue: string;
  taskDefaultPriority: number;
  taskAcksLate: boolean;
  taskTrackStarted: boolean;
  taskTimeLimit: Seconds | null;
  taskSoftTimeLimit: Seconds | null;
  taskIgnoreResult: boolean;
  resultExpires: Seconds | null;
  workerConcurrency: number | null;
  workerPrefetchMultiplier: number;
  workerDisableRateLimits: boolean;
  workerSendTaskEvents: boolean;
  taskSendSentEvent: boolean;
  taskPublishRetry: boolean;
  taskPublishRetryPolicy: Readonly<RetryPolicy>;
  taskDefaultRetryDelay: Seconds;
  taskMaxRetries: number | null;
  brokerVisibilityTimeout: Seconds;
  brokerConnectionOptions: Readonly<Record<string, unknown>>;
  brokerTransportOptions: Readonly<BrokerTransportOptions>;
  brokerConnectionTimeout: Seconds;
  transportPrefix: string;
  workerHeartbeatInterval: Seconds;
  workerShutdownTimeout: Seconds;
  workerMaxMemoryPerChild: number | null;
  beatSchedule: Readonly<Record<string, BeatEntry>>;
  beatMaxLoopInterval: Seconds;
  controlReplyTimeout: Seconds;
  eventQueueTtl: Seconds | null;
  resultChordJoinTimeout: Seconds;
}

export type KeyName = keyof ConfigValues;
export type KeyUnit = 'seconds' | 'count' | 'megabytes';

export interface KeySpec<T = unknown> {
  /** The camelCase name, the one `conf.<name>` uses. */
  readonly name: KeyName;
  /** Celery's snake_case name (accepted as an alias). */
  readonly snake: string;
  /** Celery's old upper-case names (accepted as aliases). */
  readonly old: readonly string[];
  readonly unit: KeyUnit | undefined;
  /** The accepted values, for docs. */
  readonly type: string;
  readonly default: T;
  readonly doc: string;
  /** Returns the value normalised and frozen, or throws ConfigError naming `w.key`. */
  validate(w: Where, value: unknown): T;
}

type Def<T> = Omit<KeySpec<T>, 'name' | 'old' | 'unit'> & { old?: readonly string[]; unit?: KeyUnit };

const seconds = (strict = true) => (w: Where, v: unknown) => checkSeconds(w, v, strict);
const bool = { type: 'boolean', validate: checkBoolean };

const DEFS: { readonly [K in KeyName]: Def<ConfigValues[K]> } = {
  broker: { snake: 'broker_url', old: ['BROKER_URL'], type: "'memory://' | 'nats://host:port[,nats://...]'", default: DEFAULT_BROKER, validate: checkTransportUrl,
    doc: 'Broker URL: `memory://` (in-process) or `nats://` (comma-separated for a cluster).' },
  backend: { snake: 'result_backend', old: ['CELERY_RESULT_BACKEND'], type: "URL | 'disabled' | undefined", default: undefined, validate: checkBackend,
    doc: 'Result backend URL; `undefined` means the same kind as the broker, `disabled` stores no results.' },
  taskSerializer: { snake: 'task_serializer', old: ['CELERY_TASK_SERIALIZER'], type: "'msgpack' | 'json'", default: DEFAULT_SERIALIZER, validate: checkSerializer,
    doc: 'Serializer of task messages.' },
  resultSerializer: { snake: 'result_serializer', old: ['CELERY_RESULT_SERIALIZER'], type: "'msgpack' | 'json'", default: DEFAULT_SERIALIZER, validate: checkSerializer,
    doc: 'How results are stored over `nats://` (`json` reads well in `nats kv get`); apps set differently read each other\'s results. `memory://` keeps them as objects.' },
  acceptContent: { snake: 'accept_content', old: ['CELERY_ACCEPT_CONTENT'], type: "('msgpack' | 'json' | content type)[]", default: DEFAULT_ACCEPT_CONTENT, validate: checkAcceptContent,
    doc: 'Serializers (or content types) a worker accepts; other messages are rejected and dead-lettered.' },
  taskCompression: { snake: 'task_compression', old: ['CELERY_MESSAGE_COMPRESSION'], type: "'gzip' | 'deflate' | 'brotli' | null", default: null, validate: nullable(checkCompression),
    doc: 'Compression of task message bodies (`zlib` is accepted as `deflate`).' },
  resultCompression: { snake: 'result_compression', type: "'gzip' | 'deflate' | 'brotli' | null", default: null, validate: nullable(checkCompression),
    doc: 'Compression of stored results.' },
  timezone: { snake: 'timezone', old: ['CELERY_TIMEZONE'], type: 'IANA zone name', default: DEFAULT_TIMEZONE, validate: checkTimezone,
    doc: 'Time zone of crontab schedules and of dates shown to users.' },
  enableUtc: { snake: 'enable_utc', old: ['CELERY_ENABLE_UTC'], ...bool, default: true,
    doc: 'Dates in messages are UTC.' },
  taskRoutes: { snake: 'task_routes', old: ['CELERY_ROUTES'], type: 'route map | router function | array of them | null', default: null, validate: nullable(checkTaskRoutes),
    doc: 'Task name or glob → `{ queue, priority? }`, or a router `(name, args, options) => route`; an explicit `queue` option wins.' },
  taskDefaultQueue: { snake: 'task_default_queue', old: ['CELERY_DEFAULT_QUEUE'], type: 'queue name', default: DEFAULT_QUEUE, validate: checkQueueName,
    doc: 'Queue of tasks that no route or option sends elsewhere.' },
  taskDefaultPriority: { snake: 'task_default_priority', type: 'integer 0-9', default: DEFAULT_PRIORITY, validate: checkPriority,
    doc: 'Priority of messages that do not set one (9 is highest).' },
  taskAcksLate: { snake: 'task_acks_late', old: ['CELERY_ACKS_LATE'], ...bool, default: false,
    doc: 'Ack after a task ends instead of before it starts, so a lost worker loses nothing.' },
  taskTrackStarted: { snake: 'task_track_started', old: ['CELERY_TRACK_STARTED'], ...bool, default: false,
    doc: 'Store the STARTED state when a task starts.' },
  taskTimeLimit: { snake: 'task_time_limit', old: ['CELERYD_TASK_TIME_LIMIT'], unit: 'seconds', type: 'number > 0 | null', default: null, validate: nullable(seconds()),
    doc: 'Hard time limit: the thread is terminated and the task fails with TimeLimitExceeded.' },
  taskSoftTimeLimit: { snake: 'task_soft_time_limit', old: ['CELERYD_TASK_SOFT_TIME_LIMIT'], unit: 'seconds', type: 'number > 0 | null', default: null, validate: nullable(seconds()),
    doc: 'Soft time limit: the task\'s `self.signal` aborts with SoftTimeLimitExceeded.' },
  taskIgnoreResult: { snake: 'task_ignore_result', old: ['CELERY_IGNORE_RESULT'], ...bool, default: false,
    doc: 'Do not store task results.' },
  resultExpires: { snake: 'result_expires', old: ['CELERY_TASK_RESULT_EXPIRES'], unit: 'seconds', type: 'number >= 0 | null', default: DEFAULT_RESULT_EXPIRES, validate: nullable(seconds(false)),
    doc: 'How long results are kept; `null` or `0` keeps them forever.' },
  workerConcurrency: { snake: 'worker_concurrency', old: ['CELERYD_CONCURRENCY'], unit: 'count', type: 'integer >= 1 | null', default: null, validate: nullable((w, v) => checkInteger(w, v, 1)),
    doc: 'Threads per worker; `null` means the number of CPUs.' },
  workerPrefetchMultiplier: { snake: 'worker_prefetch_multiplier', old: ['CELERYD_PREFETCH_MULTIPLIER'], unit: 'count', type: 'integer >= 0', default: DEFAULT_PREFETCH_MULTIPLIER, validate: (w, v) => checkInteger(w, v, 0),
    doc: 'Unacked messages a worker holds per thread; `0` means as many as the concurrency.' },
  workerDisableRateLimits: { snake: 'worker_disable_rate_limits', old: ['CELERY_DISABLE_RATE_LIMITS'], ...bool, default: false,
    doc: 'Ignore every task rate limit.' },
  workerSendTaskEvents: { snake: 'worker_send_task_events', old: ['CELERY_SEND_EVENTS', 'CELERYD_SEND_EVENTS'], ...bool, default: false,
    doc: 'Send `task-*` events (worker events are always sent).' },
  taskSendSentEvent: { snake: 'task_send_sent_event', old: ['CELERY_SEND_TASK_SENT_EVENT'], ...bool, default: false,
    doc: 'Producers send a `task-sent` event for each published task.' },
  taskPublishRetry: { snake: 'task_publish_retry', old: ['CELERY_TASK_PUBLISH_RETRY'], ...bool, default: true,
    doc: 'Retry publishing when the broker is unreachable, by `taskPublishRetryPolicy`.' },
  taskPublishRetryPolicy: { snake: 'task_publish_retry_policy', old: ['CELERY_TASK_PUBLISH_RETRY_POLICY'], type: '{ maxRetries, intervalStart, intervalStep, intervalMax } (snake_case too)', default: DEFAULT_RETRY_POLICY,
    validate: (w, v) => Object.freeze({ ...DEFAULT_RETRY_POLICY, ...checkRetryPolicy(w, v) }),
    doc: 'Publish retry policy (seconds); fields left out keep their defaults; `maxRetries: null` retries forever.' },
  taskDefaultRetryDelay: { snake: 'task_default_retry_delay', unit: 'seconds', type: 'number >= 0', default: DEFAULT_RETRY_DELAY, validate: seconds(false),
    doc: 'Delay before a retry when neither countdown nor eta is given (a task option overrides it).' },
  taskMaxRetries: { snake: 'task_max_retries', unit: 'count', type: 'integer >= 0 | null', default: DEFAULT_MAX_RETRIES, validate: nullable((w, v) => checkInteger(w, v, 0)),
    doc: 'Retries allowed before MaxRetriesExceededError; `null` for no limit (a task option overrides it).' },
  brokerVisibilityTimeout: { snake: 'broker_visibility_timeout', unit: 'seconds', type: 'number > 0', default: DEFAULT_VISIBILITY_TIMEOUT, validate: seconds(),
    doc: 'A delivery neither acked nor extended within this time is redelivered.' },
  brokerConnectionOptions: { snake: 'broker_connection_options', type: 'object', default: Object.freeze({}), validate: checkConnectionOptions,
    doc: 'Passed through to the transport (`user`, `pass`, `token`, `credsFile`, `tls`, ...); secrets are masked in `toJSON()`.' },
  brokerTransportOptions: { snake: 'broker_transport_options', old: ['BROKER_TRANSPORT_OPTIONS'], type: '{ replicas?: integer 1-5 }', default: Object.freeze({}), validate: checkTransportOptions,
    doc: 'Settings of the transport itself. `replicas`: replicas of every NATS stream and KV bucket the app creates (3 on a three-server cluster; default 1; streams that exist keep theirs).' },
  brokerConnectionTimeout: { snake: 'broker_connection_timeout', old: ['BROKER_CONNECTION_TIMEOUT'], unit: 'seconds', type: 'number > 0', default: DEFAULT_CONNECTION_TIMEOUT, validate: seconds(),
    doc: 'Time allowed to establish a broker connection (NATS: the handshake deadline of each connection attempt).' },
  transportPrefix: { snake: 'transport_prefix', type: '[A-Za-z0-9_-]+', default: DEFAULT_TRANSPORT_PREFIX,
    validate: (w, v) => (typeof v === 'string' && /^[A-Za-z0-9_-]+$/.test(v) ? v : fail(w, v, 'a name of letters, digits, `_` and `-`')),
    doc: 'Prefix of every NATS subject, stream and bucket, so several apps can share a server.' },
  workerHeartbeatInterval: { snake: 'worker_heartbeat_interval', unit: 'seconds', type: 'number > 0', default: DEFAULT_HEARTBEAT_INTERVAL, validate: seconds(),
    doc: 'Interval of `worker-heartbeat` events.' },
  workerShutdownTimeout: { snake: 'worker_shutdown_timeout', unit: 'seconds', type: 'number >= 0', default: DEFAULT_SHUTDOWN_TIMEOUT, validate: seconds(false),
    doc: 'A warm shutdown becomes cold after this long.' },
  workerMaxMemoryPerChild: { snake: 'worker_max_memory_per_child', old: ['CELERYD_MAX_MEMORY_PER_CHILD'], unit: 'megabytes', type: 'number > 0 | null', default: null,
    validate: nullable((w, v) => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : fail(w, v, 'a number of megabytes > 0'))),
    doc: "Heap limit of one task thread in MB (Node's `resourceLimits`; Celery's setting is in KiB)." },
  beatSchedule: { snake: 'beat_schedule', old: ['CELERYBEAT_SCHEDULE'], type: 'name → { task, schedule, args?, kwargs?, options? }', default: Object.freeze({}), validate: checkBeatSchedule,
    doc: 'Periodic tasks; `schedule` is seconds or a schedule such as `crontab()`.' },
  beatMaxLoopInterval: { snake: 'beat_max_loop_interval', old: ['CELERYBEAT_MAX_LOOP_INTERVAL'], unit: 'seconds', type: 'number > 0', default: DEFAULT_BEAT_MAX_LOOP_INTERVAL, validate: seconds(),
    doc: 'Longest sleep of the beat loop between checks of the schedule.' },
  controlReplyTimeout: { snake: 'control_reply_timeout', unit: 'seconds', type: 'number > 0', default: DEFAULT_CONTROL_REPLY_TIMEOUT, validate: seconds(),
    doc: 'How long `inspect` and `control` wait for replies by default.' },
  eventQueueTtl: { snake: 'event_queue_ttl', old: ['CELERY_EVENT_QUEUE_TTL'], unit: 'seconds', type: 'number > 0 | null', default: DEFAULT_EVENT_QUEUE_TTL, validate: nullable(seconds()),
    doc: 'How long an unread event is kept for a receiver.' },
  resultChordJoinTimeout: { snake: 'result_chord_join_timeout', unit: 'seconds', type: 'number > 0', default: DEFAULT_CHORD_JOIN_TIMEOUT, validate: seconds(),
    doc: 'How long a chord waits for its header results before failing with ChordError.' },
};

/** Every key, in table order. */
export const KEYS: ReadonlyArray<KeySpec> = Object.freeze(
  (Object.keys(DEFS) as KeyName[]).map((name): KeySpec => {
    const d = DEFS[name] as Def<unknown>;
    return Object.freeze({ ...d, name, old: Object.freeze([...(d.old ?? [])]), unit: d.unit });
  }),
);

export const KEY_NAMES: readonly KeyName[] = Object.freeze(KEYS.map((k) => k.name));

const BY_NAME: ReadonlyMap<KeyName, KeySpec> = new Map(KEYS.map((k) => [k.name, k]));

export function keySpec<K extends KeyName>(name: K): KeySpec<ConfigValues[K]> {
  return BY_NAME.get(name) as KeySpec<ConfigValues[K]>;
}

/**
 * Every accepted spelling → its camelCase key: the name itself, Celery's snake_case name,
 * its camelCase form (`brokerUrl`), its upper-case form and Django's `CELERY_` namespaced
 * form (`CELERY_TASK_ROUTES`), and the old names (`CELERY_ROUTES`).
 */
export const SPELLINGS: ReadonlyMap<string, KeyName> = buildSpellings();

function snakeToCamel(s: string): string {
  return s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

function buildSpellings(): Map<string, KeyName> {
  const map = new Map<string, KeyName>();
  const add = (spelling: string, name: KeyName): void => {
    const had = map.get(spelling);
    // A spelling shared by two keys would be a bug in the table: fail at import, loudly.
    if (had !== undefined && had !== name) throw new Error(`config spelling ${spelling} maps to ${had} and ${name}`);
    map.set(spelling, name);
  };
  for (const k of KEYS) add(k.name, k.name);
  for (const k of KEYS) {
    const upper = k.snake.toUpperCase();
    for (const s of [k.snake, snakeToCamel(k.snake), upper, `CELERY_${upper}`, ...k.old]) add(s, k.name);
  }
  return map;
}

/** The camelCase key for any accepted spelling, or undefined. */
export const resolveKeyName = (spelling: string): KeyName | undefined => SPELLINGS.get(spelling);

/** The defaults of every key, frozen. */
export const DEFAULTS: Readonly<ConfigValues> = Object.freeze(
  Object.fromEntries(KEYS.map((k) => [k.name, k.default])) as unknown as ConfigValues,
);
