/**
 * Decides what happens to a request once decoded: revoked and expired ones end REVOKED,
 * unknown tasks FAILURE NotRegistered, future ones wait in the Timer (their slot freed), and
 * the rest pass the task's rate limit (token bucket) on their way to the executor.
 */
import { NotRegistered, TaskRevokedError } from '../errors.ts';
import { parseRateLimit } from '../config/rate-limit.ts';
import type { Logger } from '../log/logger.ts';
import type { Clock } from '../actors/clock.ts';
import type { TaskDefinition } from '../task/registry.ts';
import type { Executor } from './executor.ts';
import type { RevokedSet } from './revoked.ts';
import type { TaskRequest } from './request.ts';
import type { TaskTimer } from './timer.ts';
import type { EventSender } from './task-events.ts';
import { TokenBucket } from './token-bucket.ts';

export interface DispatcherDeps {
  clock: Clock;
  logger: Logger;
  lookup: (name: string) => TaskDefinition | undefined;
  revoked: RevokedSet;
  timer: () => TaskTimer;
  executor: () => Executor;
  events: EventSender;
  disableRateLimits: boolean;
  /** Frees the request's prefetch slot (when it moves to the Timer). */
  releaseSlot: (req: TaskRequest) => void;
}

export class Dispatcher {
  readonly #d: DispatcherDeps;
  readonly #buckets = new Map<string, TokenBucket | null>();
  /** How many times a task waited for its rate-limit token (stats, and tests). */
  rateLimited = 0;
  /** Run-time rate limits set by the `rate_limit` control command (null: none). */
  readonly rateLimits = new Map<string, number | string | null>();

  constructor(deps: DispatcherDeps) {
    this.#d = deps;
  }

  /** True while the request holds a prefetch slot (everything except eta tasks moved to the Timer). */
  holdsSlot(req: TaskRequest): boolean {
    return req.holdsSlot;
  }

  /** A request fresh from a consumer. */
  receive(req: TaskRequest): void {
    req.holdsSlot = true;
    const events = this.#d.events;
    if (events.enabled) {
      const msg = req.message;
      events.task({
        type: 'task-received',
        uuid: req.id,
        name: req.name,
        args: msg.args,
        kwargs: msg.kwargs,
        eta: msg.eta,
        expires: msg.expires,
        retries: msg.retries,
        parentId: msg.parentId,
        rootId: msg.rootId,
        queue: req.delivery.queue,
      });
    }
    const def = this.#endEarly(req);
    if (def === undefined) return;
    if (req.etaMs !== null && req.etaMs > this.#d.clock.now()) {
      req.holdsSlot = false;
      this.#d.releaseSlot(req);
      this.#d.timer().hold(req, req.etaMs, 'eta');
      return;
    }
    this.#admit(req, def);
  }

  /** A held request whose time came (eta reached, or a rate-limit token may be free). */
  due(req: TaskRequest): void {
    const def = this.#endEarly(req);
    if (def === undefined) return;
    // A rate-limited one takes the token again: several may have waited for the same token.
    this.#admit(req, def);
  }

  /** Revoked, expired or unknown: settled without running (undefined). Otherwise its task. */
  #endEarly(req: TaskRequest): TaskDefinition | undefined {
    if (this.#d.revoked.has(req.id)) {
      this.#d.logger.info({ taskId: req.id, task: req.name }, 'Discarding revoked task');
      void this.#d.executor().settleWithout(req, 'REVOKED', new TaskRevokedError('revoked'));
      return undefined;
    }
    if (req.expiresMs !== null && req.isExpired(this.#d.clock.now())) {
      this.#d.logger.info({ taskId: req.id, task: req.name }, 'Discarding expired task');
      void this.#d.executor().settleWithout(req, 'REVOKED', new TaskRevokedError('expired'), { expired: true });
      return undefined;
    }
    const def = this.#d.lookup(req.name);
    if (def === undefined) {
      this.#d.logger.error({ taskId: req.id, task: req.name }, `Received unregistered task of type '${req.name}'. The message has been ignored and discarded.`);
      void this.#d.executor().settleWithout(req, 'FAILURE', new NotRegistered(req.name));
    }
    return def;
  }

  #bucket(def: TaskDefinition): TokenBucket | null {
    if (this.#d.disableRateLimits) return null;
    let b = this.#buckets.get(def.name);
    if (b === undefined) {
      const rate = this.rateLimits.has(def.name) ? this.rateLimits.get(def.name)! : (def.options.rateLimit ?? null);
      const parsed = parseRateLimit(rate);
      b = parsed === null || parsed.perSecond <= 0 ? null : new TokenBucket(parsed.perSecond, this.#d.clock.now());
      this.#buckets.set(def.name, b);
    }
    return b;
  }

  /** Forgets a task's bucket so a new rate applies. */
  resetRate(task: string, rate: number | string | null): void {
    this.rateLimits.set(task, rate);
    this.#buckets.delete(task);
  }

  #admit(req: TaskRequest, def: TaskDefinition): void {
    const bucket = this.#bucket(def);
    if (bucket !== null) {
      const now = this.#d.clock.now();
      const wait = bucket.take(now);
      if (wait > 0) {
        this.rateLimited += 1;
        this.#d.timer().hold(req, now + wait, 'rate');
        return;
      }
    }
    this.#d.executor().execute(req, def);
  }
}
