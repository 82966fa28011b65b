/**
 * The WorkerSupervisor: an OTP-style tree (rest_for_one) over the worker's parts — pool, timer,
 * one consumer per queue, control, heartbeat — started in that order and stopped in reverse.
 * A part that crashes is restarted within the restart budget; past it the worker goes offline
 * cleanly, says why in its log and in `worker-offline`, and `stopped` resolves with the reason.
 */
import { Supervisor, type ChildSpec, type EscalationReason } from '../actors/supervisor.ts';
import type { Clock } from '../actors/clock.ts';
import type { Logger } from '../log/logger.ts';
import type { AppContext } from '../task/app-context.ts';
import type { Transport } from '../transport/types.ts';
import { createPool } from './pool/create.ts';
import type { Pool } from './pool/types.ts';
import { QueueConsumer } from './consumer.ts';
import { Dispatcher } from './dispatcher.ts';
import { Executor, type ExecutorConf } from './executor.ts';
import { FollowUps } from './follow-ups.ts';
import { Heartbeat } from './heartbeat.ts';
import { Part } from './part.ts';
import { RevokedSet } from './revoked.ts';
import { EventSender } from './task-events.ts';
import { TaskTimer } from './timer.ts';
import { KeepAlive, keepAlivePeriod } from './keep-alive.ts';
import { prefetchWindow, type ResolvedWorkerOptions } from './options.ts';
import type { TaskRequest } from './request.ts';
import { toMillis } from '../util/time.ts';

export interface SupervisorDeps {
  app: AppContext;
  transport: Transport;
  options: ResolvedWorkerOptions;
  appModule: string;
  clock: Clock;
  logger: Logger;
  conf: () => ExecutorConf & { acceptContent: readonly string[]; brokerVisibilityTimeout: number };
  accept: () => ReadonlySet<string>;
}

export class WorkerSupervisor {
  readonly d: SupervisorDeps;
  readonly revoked: RevokedSet;
  readonly events: EventSender;
  readonly timeLimits = new Map<string, { soft: number | null; hard: number | null }>();
  readonly consumers = new Map<string, QueueConsumer>();
  readonly queues: string[];
  readonly startedAt: number;
  pool!: Pool;
  timer!: TaskTimer;
  executor!: Executor;
  keepAlive!: KeepAlive;
  dispatcher!: Dispatcher;
  heartbeat: Heartbeat | undefined;

  /** What keeps this worker from consuming, one line per failing queue; empty when healthy. */
  problems(): string[] {
    const out: string[] = [];
    for (const c of this.consumers.values()) {
      const h = c.health();
      if (!h.ok) out.push(h.problem ?? `queue ${c.queue}: cannot consume`);
    }
    return out;
  }
  /** How the worker ended when it was not asked to stop. */
  offlineReason: string | undefined;
  readonly #tree: Supervisor;
  readonly #onOffline: (reason: string) => void;
  #cold = false;

  constructor(deps: SupervisorDeps, onOffline: (reason: string) => void) {
    this.d = deps;
    this.#onOffline = onOffline;
    this.revoked = new RevokedSet(deps.clock);
    this.events = new EventSender(deps.transport.events, deps.options.hostname, deps.clock, deps.options.sendTaskEvents);
    this.queues = [...deps.options.queues];
    this.startedAt = deps.clock.now();
    this.#tree = new Supervisor(this.#specs(), {
      name: `worker ${deps.options.hostname}`,
      strategy: 'rest_for_one',
      maxRestarts: deps.options.maxRestarts,
      periodMs: toMillis(deps.options.restartPeriod),
      clock: deps.clock,
      logger: deps.logger,
      onEscalate: (r) => this.#escalated(r),
    });
  }

  #specs(): ChildSpec[] {
    const log = this.d.logger;
    const specs: ChildSpec[] = [
      { id: 'pool', start: () => this.#startPool(), shutdownMs: Infinity },
      { id: 'timer', start: () => this.#startTimer() },
    ];
    for (const q of this.queues) specs.push(this.consumerSpec(q));
    specs.push({
      id: 'control',
      start: () => {
        const off = this.d.transport.control.serve(this.d.options.hostname, (req) => this.handleControl(req));
        return new Part('control', async () => off(), log);
      },
    });
    specs.push({
      id: 'heartbeat',
      start: () => {
        const hb = new Heartbeat(this.events, this.d.clock, toMillis(this.d.options.heartbeatInterval), () => {
          const problems = this.problems();
          return {
            active: this.executor.active.size,
            processed: this.executor.processed,
            healthy: problems.length === 0,
            ...(problems.length > 0 ? { problems } : {}),
          };
        });
        this.heartbeat = hb;
        hb.start();
        return new Part('heartbeat', async () => hb.stop(this.offlineReason), log);
      },
    });
    return specs;
  }

  /** Set by the Worker: the control command handler (it needs the Worker's own methods). */
  handleControl: (req: import('../protocol/control.ts').ControlRequest) => Promise<unknown> = async () => 'pong';

  async #startPool(): Promise<Part> {
    const o = this.d.options;
    const pool = createPool({
      kind: o.pool,
      concurrency: o.concurrency,
      autoscale: o.autoscale === null ? null : [o.autoscale[0], o.autoscale[1]],
      appModule: this.d.appModule,
      appName: this.d.app.name,
      clock: this.d.clock,
      logger: this.d.logger.child({ actor: 'pool' }),
      maxMemoryMb: o.maxMemoryPerChild,
    });
    await pool.start();
    this.pool = pool;
    const keepAlive = new KeepAlive({
      clock: this.d.clock,
      logger: this.d.logger.child({ actor: 'keep-alive' }),
      every: keepAlivePeriod(toMillis(this.d.conf().brokerVisibilityTimeout)),
      // Read at each tick: the timer part may have been restarted since.
      held: () => this.#unacked(),
    });
    this.keepAlive = keepAlive;
    const backend = this.d.transport.backend;
    const followUps = new FollowUps({
      app: this.d.app,
      backend,
      logger: this.d.logger,
      hostname: o.hostname,
      now: () => this.d.clock.now(),
    });
    this.executor = new Executor({
      pool,
      backend,
      followUps,
      events: this.events,
      clock: this.d.clock,
      logger: this.d.logger.child({ actor: 'executor' }),
      hostname: o.hostname,
      conf: this.d.conf,
      lookup: (n) => this.d.app.lookup(n),
      timeLimits: this.timeLimits,
      onSettled: (req) => this.#settled(req),
      onUnacked: () => keepAlive.poke(),
    });
    this.dispatcher = new Dispatcher({
      clock: this.d.clock,
      logger: this.d.logger.child({ actor: 'dispatcher' }),
      lookup: (n) => this.d.app.lookup(n),
      revoked: this.revoked,
      timer: () => this.timer,
      executor: () => this.executor,
      events: this.events,
      disableRateLimits: o.disableRateLimits,
      releaseSlot: (req) => this.consumers.get(req.delivery.queue)?.release(),
    });
    return new Part(
      'pool',
      async () => {
        try {
          await pool.close({ force: this.#cold });
        } finally {
          keepAlive.close();
        }
      },
      this.d.logger,
    );
  }

  /** Requests whose deliveries this worker holds: in the pool (and storing results), then in the Timer. */
  *#unacked(): Generator<TaskRequest> {
    yield* this.executor.active.values();
    if (this.timer !== undefined) yield* this.timer.held();
  }

  #settled(req: TaskRequest): void {
    if (this.dispatcher.holdsSlot(req)) this.consumers.get(req.delivery.queue)?.release();
  }

  #startTimer(): Part {
    this.timer = new TaskTimer({
      clock: this.d.clock,
      logger: this.d.logger.child({ actor: 'timer' }),
      onDue: (req) => this.dispatcher.due(req),
      onHold: () => this.keepAlive.poke(),
    });
    const timer = this.timer;
    return new Part(
      'timer',
      async () => {
        // Held tasks go back to the broker: another worker (or this one, later) runs them.
        const held = timer.close();
        await Promise.allSettled(held.map((r) => r.requeue()));
      },
      this.d.logger,
    );
  }

  consumerSpec(queue: string): ChildSpec {
    return {
      id: `consumer:${queue}`,
      start: () => {
        let part: Part;
        const consumer = new QueueConsumer({
          queue,
          window: prefetchWindow(this.d.options),
          broker: this.d.transport.broker,
          backend: this.d.transport.backend,
          accept: this.d.accept,
          clock: this.d.clock,
          logger: this.d.logger.child({ actor: `consumer:${queue}` }),
          hostname: this.d.options.hostname,
          visibilityTimeout: toMillis(this.d.conf().brokerVisibilityTimeout),
          onRequest: (req) => this.dispatcher.receive(req),
          onCrash: (err) => part.crash(err),
          onPoison: (msg, err) => this.executor.failUnrun(msg, err),
        });
        consumer.start();
        this.consumers.set(queue, consumer);
        part = new Part(`consumer:${queue}`, () => consumer.close(), this.d.logger);
        return part;
      },
    };
  }

  async addConsumer(queue: string): Promise<void> {
    if (this.queues.includes(queue)) return;
    this.queues.push(queue);
    await this.#tree.startChild(this.consumerSpec(queue));
  }

  async cancelConsumer(queue: string): Promise<void> {
    const i = this.queues.indexOf(queue);
    if (i < 0) return;
    this.queues.splice(i, 1);
    await this.#tree.removeChild(`consumer:${queue}`);
    this.consumers.delete(queue);
  }

  #escalated(r: EscalationReason): void {
    const err = r.exit.kind === 'failure' ? r.exit.error : undefined;
    this.offlineReason = `${r.childId} failed more than ${r.maxRestarts} times in ${r.periodMs / 1000}s: ${(err as Error | undefined)?.message ?? r.exit.kind}`;
    this.d.logger.error({ err, child: r.childId }, `worker going offline: ${this.offlineReason}`);
    this.heartbeat?.stop(this.offlineReason);
    this.#onOffline(this.offlineReason);
  }

  start(): Promise<void> {
    return this.#tree.start();
  }

  /** Stops fetching, then lets running tasks finish (warm) until `deadline`, then turns cold. */
  async stop(opts: { force: boolean; deadlineMs: number }): Promise<void> {
    await Promise.allSettled([...this.consumers.values()].map((c) => c.close()));
    if (!opts.force && this.executor !== undefined) {
      const drained = await this.#drain(opts.deadlineMs);
      if (!drained) this.d.logger.warn({ deadlineMs: opts.deadlineMs }, 'warm shutdown timed out: turning cold');
      this.#cold = !drained;
    } else {
      this.#cold = true;
      // A cold stop may arrive while a warm one waits in #drain: stop the pool now.
      if (this.pool !== undefined) await this.pool.close({ force: true });
    }
    await this.#tree.stop();
  }

  /** Waits until no task is running or queued in the pool. */
  async #drain(deadlineMs: number): Promise<boolean> {
    const until = this.d.clock.now() + deadlineMs;
    while (this.executor.active.size > 0) {
      if (this.#cold || this.d.clock.now() >= until) return false;
      // Not unref'd: the caller awaits this stop, and a task that ends while only an unref'd
      // timer is pending would let the event loop empty with the stop never resolving.
      await new Promise<void>((r) => setTimeout(r, 10));
    }
    return true;
  }
}
