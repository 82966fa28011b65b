/**
 * Runs one request through the pool and settles it: early or late ack, the result record,
 * events, follow-ups (links, chain, chord, errbacks, retry). Never rejects: every failure ends
 * as a task state and a log line, and the request's slot is always given back.
 */
import { ClosedError, TaskRevokedError, toWire, type WireError } from '../errors.ts';
import { delay } from '../util/delay.ts';
import type { Logger } from '../log/logger.ts';
import type { ExecEvent, ExecOutcome, ExecRequest } from '../protocol/execution.ts';
import type { ResultMeta, TaskState } from '../protocol/result-meta.ts';
import type { TaskMessage } from '../protocol/task-message.ts';
import type { TaskDefinition } from '../task/registry.ts';
import type { ResultBackend } from '../transport/types.ts';
import type { Clock } from '../actors/clock.ts';
import type { Pool } from './pool/types.ts';
import type { TaskRequest } from './request.ts';
import type { EventSender } from './task-events.ts';
import type { FollowUps } from './follow-ups.ts';
import { buildMeta } from './result-meta.ts';

export interface ExecutorConf {
  taskAcksLate: boolean;
  taskTrackStarted: boolean;
  taskTimeLimit: number | null;
  taskSoftTimeLimit: number | null;
}

export interface ExecutorDeps {
  pool: Pool;
  backend: ResultBackend | null;
  followUps: FollowUps;
  events: EventSender;
  clock: Clock;
  logger: Logger;
  hostname: string;
  conf: () => ExecutorConf;
  lookup: (name: string) => TaskDefinition | undefined;
  /** Run-time time limits set by the `time_limit` control command. */
  timeLimits: Map<string, { soft: number | null; hard: number | null }>;
  /** Called once per request when it is settled (gives its prefetch slot back). */
  onSettled: (req: TaskRequest) => void;
  /** An `acksLate` request was handed to the pool: its unacked delivery needs keeping alive. */
  onUnacked?: () => void;
}

/** How long a final state is retried through a broker outage before it is given up (logged). */
const RESULT_WRITE_DEADLINE_MS = 120_000;

const repr = (v: unknown): string => {
  try {
    const s = JSON.stringify(v);
    return s === undefined ? String(v) : s.length > 1024 ? `${s.slice(0, 1021)}...` : s;
  } catch {
    return String(v);
  }
};

/** Callbacks, a next chain step or a chord to join: what a success sets off (follow-ups.ts). */
const hasFollowUps = (msg: TaskRequest['message']): boolean =>
  msg.callbacks.length > 0 || msg.chain.length > 0 || msg.chord !== null;

export class Executor {
  readonly #d: ExecutorDeps;
  /** Requests handed to the pool, in hand-over order. */
  readonly active = new Map<string, TaskRequest>();
  /** Tasks run, by name (`stats().total`). */
  readonly total: Record<string, number> = {};
  processed = 0;

  constructor(deps: ExecutorDeps) {
    this.#d = deps;
    deps.pool.onEvent((ev) => this.#onPoolEvent(ev));
  }

  #onPoolEvent(ev: ExecEvent): void {
    const req = this.active.get(ev.id);
    if (req === undefined) return;
    if (ev.type === 'started') {
      req.timeStart = ev.at;
      this.#write(req, 'STARTED', { meta: { pid: ev.pid, hostname: this.#d.hostname } });
    } else {
      this.#write(req, ev.state, { meta: ev.meta });
    }
  }

  #write(req: Pick<TaskRequest, 'message' | 'id'>, state: TaskState, f: { result?: unknown; error?: WireError; meta?: unknown; children?: string[] }): Promise<unknown> {
    const backend = this.#d.backend;
    if (backend === null) return Promise.resolve();
    const meta = buildMeta(req.message, state, {
      result: f.result,
      error: f.error,
      meta: f.meta,
      children: f.children,
      now: this.#d.clock.now(),
      hostname: this.#d.hostname,
    });
    // A final state must not be lost to a broker outage (a restarting server, a cluster
    // election): retry it with backoff before the message is acked (acksLate) or given up.
    // Progress states are best effort: a newer one follows anyway.
    const final = state === 'SUCCESS' || state === 'FAILURE' || state === 'REVOKED' || state === 'RETRY';
    return this.#persist(backend, meta, final, req.message.replyTo).catch((err: unknown) => {
      this.#d.logger.error({ err, taskId: req.id, state }, 'could not store the task state');
    });
  }

  async #persist(backend: ResultBackend, meta: ResultMeta, final: boolean, replyTo: string | null | undefined): Promise<void> {
    const deadline = this.#d.clock.now() + RESULT_WRITE_DEADLINE_MS;
    for (let wait = 100; ; wait = Math.min(wait * 2, 2000)) {
      try {
        await backend.set(meta, replyTo);
        return;
      } catch (err) {
        if (!final || err instanceof ClosedError || this.#d.clock.now() + wait > deadline) throw err;
        this.#d.logger.warn({ err, taskId: meta.taskId, state: meta.state, retryInMs: wait }, 'storing the task state failed, retrying');
        await delay(wait);
      }
    }
  }


  #ack(req: TaskRequest): Promise<void> {
    return req.ack().catch((err: unknown) => this.#d.logger.warn({ err, taskId: req.id }, 'ack failed'));
  }

  /** Ends a request that will not run (revoked, expired, unknown, undecodable): state, event, ack. */
  async settleWithout(req: TaskRequest, state: 'REVOKED' | 'FAILURE', error: Error, extra: { expired?: boolean } = {}): Promise<void> {
    const wire = toWire(error);
    try {
      if (!req.message.ignoreResult || state === 'FAILURE') await this.#write(req, state, { error: wire });
      if (state === 'REVOKED') {
        this.#d.events.task({ type: 'task-revoked', uuid: req.id, name: req.name, terminated: false, expired: extra.expired ?? false });
      } else {
        this.#d.events.task({ type: 'task-failed', uuid: req.id, name: req.name, exception: `${wire.name}('${wire.message}')` });
      }
      await this.#d.followUps.onFailure(req.message, wire);
    } finally {
      await this.#ack(req);
      this.#d.onSettled(req);
    }
  }

  /**
   * Fails a task that will never run here and has no delivery left to settle (the broker
   * dead-lettered its message, see `SubscribeOptions.onPoison`): state, event, errbacks.
   */
  async failUnrun(message: TaskMessage, error: Error): Promise<void> {
    const wire = toWire(error);
    await this.#write({ message, id: message.id }, 'FAILURE', { error: wire });
    this.#d.events.task({ type: 'task-failed', uuid: message.id, name: message.task, exception: `${wire.name}('${wire.message}')` });
    await this.#d.followUps.onFailure(message, wire);
  }

  /**
   * Runs the request and settles it in the background; never throws. No async function and no
   * promise of its own: this runs for every task, and each await costs a promise and a frame.
   */
  execute(req: TaskRequest, def: TaskDefinition): void {
    const d = this.#d;
    const conf = d.conf();
    const msg = req.message;
    const acksLate = msg.options.acksLate ?? def.options.acksLate ?? conf.taskAcksLate;
    if (!acksLate) void this.#ack(req);
    const override = d.timeLimits.size === 0 ? undefined : d.timeLimits.get(msg.task);
    const exec: ExecRequest = {
      request: {
        id: msg.id,
        task: msg.task,
        args: msg.args,
        kwargs: msg.kwargs,
        retries: msg.retries,
        hostname: d.hostname,
        queue: req.delivery.queue,
        eta: msg.eta,
        expires: msg.expires,
        parentId: msg.parentId,
        rootId: msg.rootId,
        groupId: msg.groupId,
        redelivered: req.delivery.redelivered,
      },
      softTimeLimit: override?.soft ?? msg.timeLimit[0] ?? def.options.softTimeLimit ?? conf.taskSoftTimeLimit,
      timeLimit: override?.hard ?? msg.timeLimit[1] ?? def.options.timeLimit ?? conf.taskTimeLimit,
      trackStarted: msg.options.trackStarted ?? def.options.trackStarted ?? conf.taskTrackStarted,
    };
    if (msg.options.maxRetries !== undefined) exec.maxRetries = msg.options.maxRetries;
    this.active.set(req.id, req);
    req.timeStart ??= d.clock.now();
    if (d.events.enabled) d.events.task({ type: 'task-started', uuid: req.id, name: req.name });
    req.acksLate = acksLate;
    // Unacked until its result is stored: extended with working() while it waits and runs.
    if (acksLate) d.onUnacked?.();
    const pool = d.pool;
    if (pool.runWith !== undefined) {
      // The request itself is the callback's context: nothing is allocated to wait for it.
      pool.runWith(exec, this.#onOutcome, req);
      return;
    }
    let running: Promise<ExecOutcome>;
    try {
      running = pool.run(exec);
    } catch (err) {
      running = Promise.reject(err);
    }
    running.then(
      (outcome) => this.#ran(req, acksLate, outcome),
      // The pool promises never to reject; if it does, the task still ends in a state.
      (err: unknown) => this.#ran(req, acksLate, { status: 'failure', error: toWire(err), runtime: 0 }),
    );
  }

  readonly #onOutcome = (req: TaskRequest, outcome: ExecOutcome): void => {
    void this.#ran(req, req.acksLate, outcome);
  };

  /** The pool's outcome is in: counters, the result and follow-ups, then ack and the slot. */
  #ran(req: TaskRequest, acksLate: boolean, outcome: ExecOutcome): Promise<void> | void {
    const d = this.#d;
    const msg = req.message;
    // Counted before the result is stored, so whoever sees the result sees the count too.
    this.total[msg.task] = (this.total[msg.task] ?? 0) + 1;
    this.processed += 1;
    let settling: Promise<unknown> | undefined;
    try {
      // The common case (a success with nothing to follow and no events) skips #settle's frames,
      // and continues straight from the result write.
      if (outcome.status === 'success' && !hasFollowUps(msg) && !d.events.enabled) {
        const backend = d.backend;
        if (msg.ignoreResult || backend === null) return this.#end(req, acksLate, outcome);
        const meta = buildMeta(msg, 'SUCCESS', { result: outcome.value, now: d.clock.now(), hostname: d.hostname });
        if (backend.setNow !== undefined) {
          // Stored before this returns (memory://): no promise to wait on. A failure takes the
          // retrying path below, as any final state's write does (#write).
          let stored = false;
          try {
            backend.setNow(meta);
            stored = true;
          } catch {
            // retried below
          }
          if (stored) return this.#end(req, acksLate, outcome);
        }
        return this.#persist(backend, meta, true, msg.replyTo).then(
          () => this.#end(req, acksLate, outcome),
          (err: unknown) => {
            d.logger.error({ err, taskId: req.id, state: 'SUCCESS' }, 'could not store the task state');
            return this.#end(req, acksLate, outcome);
          },
        );
      }
      settling = this.#settle(req, outcome);
    } catch (err) {
      d.logger.error({ err, taskId: req.id }, 'settling the task failed');
    }
    if (settling === undefined) return this.#end(req, acksLate, outcome);
    return settling.then(
      () => this.#end(req, acksLate, outcome),
      (err: unknown) => {
        d.logger.error({ err, taskId: req.id }, 'settling the task failed');
        return this.#end(req, acksLate, outcome);
      },
    );
  }

  /** Ack (acksLate) or requeue (aborted), then give the slot back. */
  #end(req: TaskRequest, acksLate: boolean, outcome: ExecOutcome): Promise<void> | void {
    const d = this.#d;
    this.active.delete(req.id);
    if (!acksLate) {
      d.onSettled(req);
      return;
    }
    const ending =
      outcome.status === 'aborted'
        ? req.requeue().catch((err: unknown) => d.logger.warn({ err, taskId: req.id }, 'requeue failed'))
        : this.#ack(req);
    return ending.then(() => d.onSettled(req));
  }

  async #settle(req: TaskRequest, outcome: ExecOutcome): Promise<void> {
    const d = this.#d;
    const msg = req.message;
    switch (outcome.status) {
      case 'success': {
        const plan = hasFollowUps(msg) ? d.followUps.planSuccess(msg, outcome.value) : null;
        if (!msg.ignoreResult) await this.#write(req, 'SUCCESS', { result: outcome.value, children: plan?.children });
        if (d.events.enabled) {
          d.events.task({ type: 'task-succeeded', uuid: req.id, name: req.name, result: repr(outcome.value), runtime: outcome.runtime });
        }
        if (plan !== null) await plan.run();
        return;
      }
      case 'failure': {
        if (!msg.ignoreResult) await this.#write(req, 'FAILURE', { error: outcome.error });
        d.logger.error({ taskId: req.id, task: req.name, err: outcome.error }, 'task failed');
        d.events.task({
          type: 'task-failed',
          uuid: req.id,
          name: req.name,
          exception: `${outcome.error.name}('${outcome.error.message}')`,
          traceback: outcome.error.traceback ?? outcome.error.stack ?? '',
          runtime: outcome.runtime,
        });
        await d.followUps.onFailure(msg, outcome.error);
        return;
      }
      case 'retry': {
        try {
          await d.followUps.retry(msg, req.delivery.queue, outcome.countdown);
        } catch (err) {
          // The retry could not be published: the task fails with that reason instead.
          const wire = toWire(err);
          await this.#write(req, 'FAILURE', { error: wire });
          await d.followUps.onFailure(msg, wire);
          return;
        }
        await this.#write(req, 'RETRY', { error: outcome.error });
        d.logger.info({ taskId: req.id, task: req.name, countdown: outcome.countdown }, 'task retry');
        d.events.task({ type: 'task-retried', uuid: req.id, name: req.name, exception: `${outcome.error.name}('${outcome.error.message}')` });
        return;
      }
      case 'revoked': {
        await this.#write(req, 'REVOKED', { error: outcome.error });
        d.events.task({ type: 'task-revoked', uuid: req.id, name: req.name, terminated: true });
        await d.followUps.onFailure(msg, outcome.error ?? toWire(new TaskRevokedError('revoked')));
        return;
      }
      case 'aborted':
        return;
    }
  }
}
