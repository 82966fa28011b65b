/**
 * One queue's consumer. It keeps at most `window` deliveries in flight (prefetch), decodes each
 * message once, and routes it: undecodable or disallowed → dead-letter; revoked or expired →
 * REVOKED; unknown task → FAILURE NotRegistered; future eta → the Timer (its slot freed);
 * otherwise → the executor, through the per-task rate limit.
 */
import { ContentDisallowed, MessageDecodeError, PoisonMessageError, toWire } from '../errors.ts';
import type { Logger } from '../log/logger.ts';
import { decodeTask, peekTaskHeaders } from '../protocol/wire.ts';
import type { TaskMessage } from '../protocol/task-message.ts';
import type { Broker, Delivery, PoisonedMessage, ResultBackend, Subscription, SubscriptionHealth } from '../transport/types.ts';
import type { Clock } from '../actors/clock.ts';
import { TaskRequest } from './request.ts';
import { buildMeta } from './result-meta.ts';

export interface ConsumerDeps {
  queue: string;
  window: number;
  broker: Broker;
  backend: ResultBackend | null;
  accept: () => ReadonlySet<string>;
  clock: Clock;
  logger: Logger;
  hostname: string;
  visibilityTimeout: number;
  /** Hands a decoded request on; the consumer's slot stays taken until `release()`. */
  onRequest: (req: TaskRequest) => void;
  /** Reports a fatal consumer error to the supervisor. */
  onCrash: (err: Error) => void;
  /** Fails a task whose message the broker dead-letters without handing it over (the executor's `failUnrun`). */
  onPoison: (msg: TaskMessage, err: Error) => Promise<void>;
}

export class QueueConsumer {
  readonly #d: ConsumerDeps;
  #sub: Subscription | undefined;
  #inFlight = 0;
  #closed = false;
  /** Messages refused before they became requests (dead-lettered), for stats. */
  rejected = 0;

  constructor(deps: ConsumerDeps) {
    this.#d = deps;
  }

  get queue(): string {
    return this.#d.queue;
  }
  get inFlight(): number {
    return this.#inFlight;
  }
  get window(): number {
    return this.#d.window;
  }

  /** Whether its subscription can consume (see `Subscription.health`). */
  health(): SubscriptionHealth {
    return this.#sub?.health?.() ?? { ok: true };
  }

  start(): void {
    this.#sub = this.#d.broker.subscribe(this.#d.queue, (d) => this.#onDelivery(d), {
      visibilityTimeout: this.#d.visibilityTimeout,
      onError: (err) => {
        if (!this.#closed) this.#d.onCrash(err);
      },
      onPoison: (p) => this.#poisoned(p),
    });
    this.#sub.request(this.#d.window);
  }

  /** A slot is free again (its request settled or moved to the Timer). */
  release(n = 1): void {
    this.#inFlight -= n;
    if (!this.#closed && this.#sub !== undefined) this.#sub.request(n);
  }

  #onDelivery(delivery: Delivery): void {
    this.#inFlight += 1;
    let req: TaskRequest;
    try {
      const msg = decodeTask(delivery.frame, this.#d.accept());
      req = new TaskRequest(msg, delivery, this.#d.clock.now());
    } catch (err) {
      void this.#refuse(delivery, err as Error);
      return;
    }
    try {
      this.#d.onRequest(req);
    } catch (err) {
      this.#d.onCrash(err as Error);
    }
  }

  /** Dead-letters a message that cannot be read, and fails its task when the id is readable. */
  async #refuse(delivery: Delivery, err: Error): Promise<void> {
    this.rejected += 1;
    const kind = err instanceof ContentDisallowed ? 'disallowed content' : err instanceof MessageDecodeError ? 'malformed message' : 'unreadable message';
    const head = peekTaskHeaders(delivery.frame);
    this.#d.logger.error({ err, queue: this.#d.queue, taskId: head?.id, task: head?.task }, `Received invalid task message (${kind}): dead-lettered`);
    try {
      // Celery leaves such a task PENDING forever (CELERY-BEHAVIOUR.md #25); a FAILURE that
      // says why is more useful to whoever waits on it.
      if (head !== null && this.#d.backend !== null) {
        const stub = { id: head.id, task: head.task, args: [], parentId: null, rootId: null, groupId: null } as never;
        await this.#d.backend.set(buildMeta(stub, 'FAILURE', { error: toWire(err), now: this.#d.clock.now(), hostname: this.#d.hostname }), head.replyTo);
      }
      await delivery.reject(`${err.name}: ${err.message}`);
    } catch (e) {
      this.#d.logger.error({ err: e }, 'could not dead-letter a message');
    } finally {
      this.release();
    }
  }

  /**
   * The broker gives up on a message delivered `maxDeliver` times (its task keeps killing the
   * worker, say) and dead-letters it: its task ends FAILURE PoisonMessageError, with its
   * event and errbacks, instead of leaving whoever waits on it waiting for ever.
   */
  async #poisoned(p: PoisonedMessage): Promise<void> {
    this.rejected += 1;
    const err = new PoisonMessageError(`${p.reason}: dead-lettered instead of run again`);
    let msg: TaskMessage;
    try {
      msg = decodeTask(p.frame, this.#d.accept());
    } catch {
      // Unreadable now (acceptContent changed meanwhile): fail it by its headers, as #refuse does.
      const head = peekTaskHeaders(p.frame);
      this.#d.logger.error({ queue: this.#d.queue, taskId: head?.id, deliveryCount: p.deliveryCount }, 'message delivered too often: dead-lettered');
      if (head !== null && this.#d.backend !== null) {
        const stub = { id: head.id, task: head.task, args: [], parentId: null, rootId: null, groupId: null } as never;
        await this.#d.backend.set(buildMeta(stub, 'FAILURE', { error: toWire(err), now: this.#d.clock.now(), hostname: this.#d.hostname }), head.replyTo);
      }
      return;
    }
    this.#d.logger.error({ queue: this.#d.queue, taskId: msg.id, task: msg.task, deliveryCount: p.deliveryCount }, 'message delivered too often: dead-lettered, its task fails');
    await this.#d.onPoison(msg, err);
  }

  /** Stops fetching. Requests already taken stay with the worker until settled. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#sub?.close();
  }
}

