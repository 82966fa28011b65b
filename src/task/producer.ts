/**
 * Turns a call into a task message and publishes it: routing, eta/expiry, time limits,
 * serializer and compression resolved once here; publish retried by the retry policy, then
 * `OperationalError`. A publish that resolved is never lost (the broker accepted it).
 */
import { hostname } from 'node:os';
import { OperationalError, ClosedError } from '../errors.ts';
import type { Clock } from '../actors/clock.ts';
import type { Logger } from '../log/logger.ts';
import type { Compression, SerializerName, TaskMessage } from '../protocol/task-message.ts';
import { encodeTask } from '../protocol/wire.ts';
import type { Broker, EventBus, PublishOptions } from '../transport/types.ts';
import { delay } from '../util/delay.ts';
import { policyInterval, type RetryPolicy } from '../util/backoff.ts';
import { uuid } from '../util/ids.ts';
import { toMillis, type Seconds } from '../util/time.ts';
import { toSignatureData, type SignatureLike } from './signature-like.ts';
import type { SendOptions, SentTask } from './app-context.ts';
import type { TaskDefinition } from './registry.ts';
import { NO_ROUTES, resolveRoute, type compileRoutes } from './routing.ts';

/** The configuration the producer reads at each publish (resolved values). */
export interface ProducerConf {
  taskDefaultQueue: string;
  taskDefaultPriority: number;
  taskSerializer: SerializerName;
  taskCompression: Compression | null;
  taskIgnoreResult: boolean;
  taskTimeLimit: Seconds | null;
  taskSoftTimeLimit: Seconds | null;
  taskPublishRetry: boolean;
  taskPublishRetryPolicy: RetryPolicy;
  taskSendSentEvent: boolean;
}

export interface ProducerDeps {
  conf: () => ProducerConf;
  router: () => ReturnType<typeof compileRoutes>;
  broker: () => Promise<Broker>;
  /** The broker once the transport is open, else undefined: a publish then skips the hop through `broker()`. */
  openBroker?: () => Broker | undefined;
  events: () => Promise<EventBus>;
  /** Registers a task about to be published with the result backend's reply route (see ResultBackend.expectReply). */
  replyTo?: (taskId: string) => string | undefined;
  lookup: (name: string) => TaskDefinition | undefined;
  clock: Clock;
  logger: Logger;
}

/** What publishing (and retrying) a prepared message needs. */
interface Publishable {
  queue: string;
  frame: Uint8Array;
  opts: PublishOptions;
  retry: boolean;
  policy: RetryPolicy;
}

interface Prepared extends Publishable {
  message: TaskMessage;
}

const ORIGIN = `${process.pid}@${hostname()}`;
/** How long before its eta a delayed task is handed to a worker's Timer. */
const ETA_LOOKAHEAD_MS = 1000;

const asList = (v: SignatureLike | SignatureLike[] | undefined) =>
  v === undefined ? [] : (Array.isArray(v) ? v : [v]).map(toSignatureData);

export class Producer {
  readonly #deps: ProducerDeps;
  #closed = false;
  /** Aborted by close(): ends the retry waits in progress. */
  readonly #closing = new AbortController();

  constructor(deps: ProducerDeps) {
    this.#deps = deps;
  }

  /** Builds the message and its publish options without sending. */
  prepare(taskName: string, args: unknown[], o: SendOptions): Prepared {
    const conf = this.#deps.conf();
    const def = this.#deps.lookup(taskName);
    const topts = def?.options ?? {};
    const now = this.#deps.clock.now();
    const id = o.taskId ?? uuid();
    let queue: string;
    let routePriority: number | undefined;
    if (o.queue !== undefined) {
      queue = o.queue;
    } else {
      const router = this.#deps.router();
      // resolveRoute's rules, without its objects when no route applies (the common case).
      const route = router === NO_ROUTES ? undefined : resolveRoute({
        explicitQueue: undefined,
        router,
        taskQueue: topts.queue,
        defaultQueue: conf.taskDefaultQueue,
        name: taskName,
        args,
        options: o as Record<string, unknown>,
      });
      queue = route?.queue ?? topts.queue ?? conf.taskDefaultQueue;
      routePriority = route?.priority;
    }
    const etaMs = o.eta !== undefined ? o.eta.getTime() : o.countdown !== undefined ? now + toMillis(o.countdown) : null;
    const expiresOpt = o.expires ?? topts.expires ?? null;
    const expiresMs =
      expiresOpt === null ? null : expiresOpt instanceof Date ? expiresOpt.getTime() : now + toMillis(expiresOpt);
    const priority = o.priority ?? routePriority ?? topts.priority ?? conf.taskDefaultPriority;
    const ignoreResult = o.ignoreResult ?? topts.ignoreResult ?? conf.taskIgnoreResult;
    const replyTo = o.replyTo !== undefined ? o.replyTo : ignoreResult ? null : (this.#deps.replyTo?.(id) ?? null);
    // One literal with every field (newTaskMessage's defaults, spelled out).
    const message: TaskMessage = {
      id,
      task: taskName,
      args,
      kwargs: o.kwargs ?? {},
      rootId: o.rootId ?? id,
      parentId: o.parentId ?? null,
      groupId: o.groupId ?? null,
      groupIndex: o.groupIndex ?? null,
      retries: o.retries ?? 0,
      eta: etaMs === null ? null : new Date(etaMs).toISOString(),
      expires: expiresMs === null ? null : new Date(expiresMs).toISOString(),
      timeLimit: [
        o.softTimeLimit ?? topts.softTimeLimit ?? conf.taskSoftTimeLimit ?? null,
        o.timeLimit ?? topts.timeLimit ?? conf.taskTimeLimit ?? null,
      ],
      ignoreResult,
      origin: ORIGIN,
      priority,
      headers: o.headers ?? {},
      callbacks: asList(o.link),
      errbacks: asList(o.linkError),
      chain: o.chain ?? [],
      chord: o.chord ?? null,
      options: {},
      replyTo,
    };
    const frame = encodeTask(message, {
      serializer: o.serializer ?? topts.serializer ?? conf.taskSerializer,
      compression: o.compression ?? conf.taskCompression,
    });
    // A retry republishes the same task id: its dedup key must differ from the first publish's.
    const msgId = message.retries > 0 ? `${id}.r${message.retries}` : id;
    const opts: PublishOptions = { priority, msgId };
    // The broker keeps a future task until shortly before its eta; the worker's Timer holds it
    // for the rest, so it starts on time and shows in `inspect scheduled` (DESIGN.md §4).
    if (etaMs !== null && etaMs - ETA_LOOKAHEAD_MS > now) opts.notBefore = etaMs - ETA_LOOKAHEAD_MS;
    return {
      queue,
      frame,
      opts,
      message,
      retry: o.retry ?? conf.taskPublishRetry,
      policy: o.retryPolicy === undefined ? conf.taskPublishRetryPolicy : { ...conf.taskPublishRetryPolicy, ...o.retryPolicy },
    };
  }

  /**
   * Publishes one call. With the transport open, the first attempt goes straight to the broker
   * (no async frames in between: this is every `delay()`); a failure enters the retry loop.
   */
  send(taskName: string, args: unknown[], options: SendOptions): Promise<SentTask> {
    if (this.#closed) return Promise.reject(new ClosedError('the app is closed'));
    const broker = this.#deps.openBroker?.();
    if (broker === undefined) return this.sendMany([{ taskName, args, options }]).then((sent) => sent[0]!);
    let p: Prepared;
    let first: Promise<void>;
    try {
      p = this.prepare(taskName, args, options);
      first = broker.publish(p.queue, p.frame, p.opts);
    } catch (err) {
      return Promise.reject(err);
    }
    if (!this.#deps.conf().taskSendSentEvent) {
      // Until the publish settles, keep alive what a retry needs, not the whole message: a
      // caller publishing thousands at once holds them all. (The closures are made in another
      // method: any closure here would keep `p` in this frame's context for all of them.)
      const sent: SentTask = { id: p.message.id, ignored: p.message.ignoreResult };
      return this.#afterPublish(first, sent, { queue: p.queue, frame: p.frame, opts: p.opts, retry: p.retry, policy: p.policy });
    }
    return this.#afterPublishWithEvents(first, p);
  }

  #afterPublish(first: Promise<void>, sent: SentTask, again: Publishable): Promise<SentTask> {
    return first.then(
      () => sent,
      (err: unknown) => this.#withRetry(again.retry, again.policy, () => this.#publishOne(again), { err }).then(() => sent),
    );
  }

  #afterPublishWithEvents(first: Promise<void>, p: Prepared): Promise<SentTask> {
    return first.then(
      () => this.#sent(p),
      (err: unknown) => this.#withRetry(p.retry, p.policy, () => this.#publishOne(p), { err }).then(() => this.#sent(p)),
    );
  }

  async #publishOne(p: Publishable): Promise<void> {
    const broker = await this.#deps.broker();
    await broker.publish(p.queue, p.frame, p.opts);
  }

  /** What a publish resolves to, after its `task-sent` event when those are on. */
  #sent(p: Prepared): SentTask | Promise<SentTask> {
    const sent: SentTask = { id: p.message.id, ignored: p.message.ignoreResult };
    if (!this.#deps.conf().taskSendSentEvent) return sent;
    return this.#sentEvents([p]).then(() => sent);
  }

  async sendMany(items: { taskName: string; args: unknown[]; options: SendOptions }[]): Promise<SentTask[]> {
    if (this.#closed) throw new ClosedError('the app is closed');
    let prepared = items.map((i) => this.prepare(i.taskName, i.args, i.options));
    if (prepared.length === 0) return [];
    if (this.#deps.replyTo !== undefined && this.#deps.openBroker?.() === undefined && prepared.some((p) => p.message.replyTo === null && !p.message.ignoreResult)) {
      // The app's first calls: prepared (and so validated, ids fixed) before anything was open,
      // so without the result backend's reply route. Open the transport, then make them again
      // with the same ids to carry it. A failure to open is the publish attempt's to retry.
      const opened = await this.#deps.broker().then(
        () => true,
        () => false,
      );
      if (opened) prepared = items.map((i, k) => this.prepare(i.taskName, i.args, { ...i.options, taskId: prepared[k]!.message.id }));
    }
    const first = prepared[0]!;
    // Opening the connection is part of the attempt: a broker that is down at first use is
    // retried by the same policy.
    await this.#withRetry(first.retry, first.policy, async () => {
      const broker = await this.#deps.broker();
      await (prepared.length === 1
        ? broker.publish(first.queue, first.frame, first.opts)
        : broker.publishMany(prepared.map((p) => ({ queue: p.queue, frame: p.frame, opts: p.opts }))));
    });
    if (this.#deps.conf().taskSendSentEvent) await this.#sentEvents(prepared);
    return prepared.map((p) => ({ id: p.message.id, ignored: p.message.ignoreResult }));
  }

  async #sentEvents(prepared: Prepared[]): Promise<void> {
    const events = await this.#deps.events();
    for (const p of prepared) {
      const m = p.message;
      events.publish({
        type: 'task-sent',
        hostname: ORIGIN,
        timestamp: this.#deps.clock.now() / 1000,
        clock: 0,
        pid: process.pid,
        uuid: m.id,
        name: m.task,
        args: m.args,
        kwargs: m.kwargs,
        eta: m.eta,
        expires: m.expires,
        retries: m.retries,
        parentId: m.parentId,
        rootId: m.rootId,
        queue: p.queue,
      });
    }
  }

  /** Runs `op` until it succeeds or the policy gives up; `failed`: the first attempt already failed so. */
  async #withRetry(retry: boolean, policy: RetryPolicy, op: () => Promise<void>, failed?: { err: unknown }): Promise<void> {
    const maxRetries = retry ? policy.maxRetries : 0;
    for (let attempt = 0; ; attempt += 1) {
      try {
        if (attempt === 0 && failed !== undefined) throw failed.err;
        await op();
        return;
      } catch (err) {
        if (err instanceof ClosedError) throw err;
        if (maxRetries !== null && attempt >= maxRetries) {
          throw new OperationalError(`publish failed after ${attempt + 1} attempt(s): ${(err as Error).message}`, {
            cause: err,
          });
        }
        const wait = policyInterval(policy, attempt);
        this.#deps.logger.warn({ err, attempt: attempt + 1, wait }, 'publish failed, retrying');
        // Ref'd: a script whose only work is this publish must live to see how it ends.
        await delay(toMillis(wait), this.#closing.signal, { keepAlive: true });
      }
    }
  }

  close(): void {
    this.#closed = true;
    this.#closing.abort(new ClosedError('the app closed while a publish waited to retry'));
  }
}
