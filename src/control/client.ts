/**
 * Remote control and inspection, as Celery's `app.control`: a request broadcast to every worker
 * (or to `destination` hostnames), replies gathered into `Record<hostname, reply>`.
 */
import type { ControlCommand, ControlReply } from '../protocol/control.ts';
import type { Transport } from '../transport/types.ts';
import { uuid } from '../util/ids.ts';
import { toMillis, type Seconds } from '../util/time.ts';

export interface ControlOptions {
  /** Hostnames to address (all workers when absent). */
  destination?: string | string[];
  /** Seconds to wait for replies. @default controlReplyTimeout (1) */
  timeout?: Seconds;
}

export type Replies<T = unknown> = Record<string, T>;

interface ControlDeps {
  transport: () => Promise<Transport>;
  conf: () => { controlReplyTimeout: unknown };
}

const toList = (d: string | string[] | undefined) => (d === undefined ? undefined : Array.isArray(d) ? d : d.split(','));

export class ControlClient {
  readonly #deps: ControlDeps;

  constructor(deps: ControlDeps) {
    this.#deps = deps;
  }

  /** Sends one command and returns each worker's reply (`{ error }` for a worker that failed it). */
  async broadcast<T = unknown>(command: ControlCommand, args: Record<string, unknown> = {}, opts: ControlOptions = {}): Promise<Replies<T>> {
    const transport = await this.#deps.transport();
    const destination = toList(opts.destination);
    const timeout = toMillis(opts.timeout ?? (this.#deps.conf().controlReplyTimeout as number));
    const req = { command, args, id: uuid(), ...(destination ? { destination } : {}) };
    const replies: ControlReply[] = await transport.control.broadcast(req, {
      timeout,
      ...(destination ? { destination, limit: destination.length } : {}),
    });
    const out: Replies<T> = {};
    for (const r of replies) out[r.hostname] = ('ok' in r ? r.ok : { error: r.error }) as T;
    return out;
  }

  inspect(opts: ControlOptions = {}): Inspect {
    return new Inspect(this, opts);
  }

  ping(opts?: ControlOptions) {
    return this.broadcast<'pong'>('ping', {}, opts);
  }
  revoke(taskId: string | string[], opts: ControlOptions & { terminate?: boolean } = {}) {
    const ids = Array.isArray(taskId) ? taskId : [taskId];
    return this.broadcast('revoke', { ids, terminate: opts.terminate ?? false }, opts);
  }
  rateLimit(task: string, rate: string | number | null, opts?: ControlOptions) {
    return this.broadcast('rate_limit', { task, rate }, opts);
  }
  timeLimit(task: string, limits: { soft?: Seconds | null; hard?: Seconds | null }, opts?: ControlOptions) {
    return this.broadcast('time_limit', { task, soft: limits.soft ?? null, hard: limits.hard ?? null }, opts);
  }
  poolGrow(n = 1, opts?: ControlOptions) {
    return this.broadcast('pool_grow', { n }, opts);
  }
  poolShrink(n = 1, opts?: ControlOptions) {
    return this.broadcast('pool_shrink', { n }, opts);
  }
  autoscale(max: number, min: number, opts?: ControlOptions) {
    return this.broadcast('autoscale', { max, min }, opts);
  }
  addConsumer(queue: string, opts?: ControlOptions) {
    return this.broadcast('add_consumer', { queue }, opts);
  }
  cancelConsumer(queue: string, opts?: ControlOptions) {
    return this.broadcast('cancel_consumer', { queue }, opts);
  }
  enableEvents(opts?: ControlOptions) {
    return this.broadcast('enable_events', {}, opts);
  }
  disableEvents(opts?: ControlOptions) {
    return this.broadcast('disable_events', {}, opts);
  }
  shutdown(opts?: ControlOptions) {
    return this.broadcast('shutdown', {}, opts);
  }

  /** Removes every waiting message from the given queues; returns how many. */
  async purge(queues: string[]): Promise<number> {
    const transport = await this.#deps.transport();
    let n = 0;
    for (const q of queues) n += await transport.broker.purge(q);
    return n;
  }
}

export class Inspect {
  readonly #client: ControlClient;
  readonly #opts: ControlOptions;
  constructor(client: ControlClient, opts: ControlOptions) {
    this.#client = client;
    this.#opts = opts;
  }
  #ask<T>(command: ControlCommand) {
    return this.#client.broadcast<T>(command, {}, this.#opts);
  }
  active() {
    return this.#ask<TaskSummary[]>('active');
  }
  scheduled() {
    return this.#ask<ScheduledSummary[]>('scheduled');
  }
  reserved() {
    return this.#ask<TaskSummary[]>('reserved');
  }
  registered() {
    return this.#ask<string[]>('registered');
  }
  stats() {
    return this.#ask<WorkerStats>('stats');
  }
  revoked() {
    return this.#ask<string[]>('revoked');
  }
  ping() {
    return this.#ask<'pong'>('ping');
  }
  conf() {
    return this.#ask<Record<string, unknown>>('conf');
  }
  activeQueues() {
    return this.#ask<{ name: string }[]>('active_queues');
  }
}

/** One task as `inspect active/reserved` show it (Celery's request dict). */
export interface TaskSummary {
  id: string;
  name: string;
  args: unknown[];
  kwargs: Record<string, unknown>;
  hostname: string;
  timeStart: number | null;
  acknowledged: boolean;
  deliveryInfo: { routingKey: string; priority: number; redelivered: boolean };
}

export interface ScheduledSummary {
  eta: string;
  priority: number;
  request: TaskSummary;
}

export interface WorkerStats {
  pool: { implementation: 'threads' | 'inline'; size: number; min: number; max: number; [k: string]: unknown };
  total: Record<string, number>;
  prefetchCount: number;
  uptime: number;
  broker: { url: string; transport: string };
  pid: number;
  [k: string]: unknown;
}
