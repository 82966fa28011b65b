import { CeleriacError, ClosedError, ConfigError } from '../errors.ts';
import { silentLogger, type Logger } from '../log/logger.ts';
import type { Millis } from '../util/time.ts';
import { ExitSignal, SHUTDOWN_EXIT, type Child, type ExitReason } from './child.ts';
import { systemClock, type Clock } from './clock.ts';
import { RestartWindow } from './restart-window.ts';
import { stopWithin } from './stop-within.ts';

/** `permanent` restarts on any exit, `transient` only on a failure, `temporary` never. */
export type RestartType = 'permanent' | 'transient' | 'temporary';

/** `one_for_one` restarts the failed child; `rest_for_one` also those started after it. */
export type SupervisorStrategy = 'one_for_one' | 'rest_for_one';

/** A child written as data (OTP child spec). */
export interface ChildSpec {
  /** Unique among the supervisor's children; bound as `child` in log lines. */
  readonly id: string;
  /** Creates and starts the child; a throw or rejection is a start failure. */
  readonly start: () => Promise<Child> | Child;
  /** @default 'permanent' */
  readonly restart?: RestartType;
  /** Milliseconds to wait for the child's `stop()` before abandoning it; `Infinity` waits. @default 5000 */
  readonly shutdownMs?: Millis;
}

/** What `onEscalate` receives when the restart budget is exceeded. */
export interface EscalationReason {
  readonly supervisor: string;
  /** The child whose exit (or failed restart) exceeded the budget. */
  readonly childId: string;
  /** How it ended; a restart whose start threw is `{ kind: 'failure', error }`. */
  readonly exit: ExitReason;
  readonly maxRestarts: number;
  readonly periodMs: Millis;
}

export interface SupervisorOptions {
  /** Name in logs (bound as `supervisor`). @default 'supervisor' */
  name?: string;
  /** @default 'one_for_one' */
  strategy?: SupervisorStrategy;
  /** Restarts allowed within `periodMs` before escalating. @default 3 */
  maxRestarts?: number;
  /** Sliding window for `maxRestarts`, in milliseconds. @default 5000 */
  periodMs?: Millis;
  /** @default systemClock */
  clock?: Clock;
  /** @default silent */
  logger?: Logger;
  /** Called once, after every child has been stopped, when the restart budget is exceeded. */
  onEscalate?: (reason: EscalationReason) => void;
}

export type SupervisorStatus = 'idle' | 'starting' | 'running' | 'stopping' | 'stopped' | 'escalated';

interface Entry {
  readonly spec: Required<ChildSpec>;
  child: Child | undefined;
  /** Bumped when the supervisor takes the child down itself, so that exit is not a failure. */
  gen: number;
}

const RESTART_TYPES: readonly string[] = ['permanent', 'transient', 'temporary'];

function resolveSpec(spec: ChildSpec): Required<ChildSpec> {
  const restart = spec.restart ?? 'permanent';
  const shutdownMs = spec.shutdownMs ?? 5000;
  if (typeof spec.id !== 'string' || spec.id === '') throw new ConfigError('child spec id must be a non-empty string');
  if (!RESTART_TYPES.includes(restart)) throw new ConfigError(`child ${spec.id}: restart must be one of ${RESTART_TYPES.join(', ')}, got ${restart}`);
  if (!(shutdownMs >= 0)) throw new ConfigError(`child ${spec.id}: shutdownMs must be >= 0, got ${shutdownMs}`);
  return Object.freeze({ id: spec.id, start: spec.start, restart, shutdownMs });
}

/**
 * An OTP-style supervisor. Children start in spec order and stop in reverse; an unexpected
 * exit restarts per the child's `restart` type and the strategy, within a restart budget of
 * `maxRestarts` in `periodMs`. Past the budget it escalates: stops every child, calls
 * `onEscalate`, and exits with a failure (so a parent supervisor sees it as one). It is itself
 * a `Child`, so supervisors nest. All its work (start, restarts, stop) runs one step at a time.
 */
export class Supervisor implements Child {
  readonly name: string;
  readonly strategy: SupervisorStrategy;
  readonly #entries: Entry[];
  readonly #window: RestartWindow;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #onEscalate: ((reason: EscalationReason) => void) | undefined;
  readonly #exit: ExitSignal;
  #status: SupervisorStatus = 'idle';
  #queue: Promise<unknown> = Promise.resolve();
  #starting: Promise<void> | undefined;
  #stopping: Promise<void> | undefined;

  constructor(specs: readonly ChildSpec[], options: SupervisorOptions = {}) {
    this.name = options.name ?? 'supervisor';
    this.strategy = options.strategy ?? 'one_for_one';
    if (this.strategy !== 'one_for_one' && this.strategy !== 'rest_for_one') {
      throw new ConfigError(`strategy must be one_for_one or rest_for_one, got ${String(this.strategy)}`);
    }
    this.#window = new RestartWindow({ maxRestarts: options.maxRestarts ?? 3, periodMs: options.periodMs ?? 5000 });
    this.#clock = options.clock ?? systemClock;
    this.#logger = (options.logger ?? silentLogger()).child({ supervisor: this.name });
    this.#onEscalate = options.onEscalate;
    this.#exit = new ExitSignal((err) => this.#logger.error({ err }, 'exit listener threw'));
    this.#entries = [];
    for (const spec of specs) this.#add(resolveSpec(spec));
  }

  get status(): SupervisorStatus {
    return this.#status;
  }

  /** Restarts inside the current window. */
  get restarts(): number {
    return this.#window.count(this.#clock.now());
  }

  /** The running instance of child `id` (it changes on every restart). */
  child(id: string): Child | undefined {
    return this.#entries.find((e) => e.spec.id === id)?.child;
  }

  /** Every child in start order, with its running instance if any (OTP `which_children`). */
  children(): { id: string; restart: RestartType; child: Child | undefined }[] {
    return this.#entries.map((e) => ({ id: e.spec.id, restart: e.spec.restart, child: e.child }));
  }

  /**
   * Starts the children in order. If one fails to start, those already started are stopped
   * in reverse order and this rejects with its error: a start failure is never retried.
   */
  start(): Promise<void> {
    return (this.#starting ??= this.#serial(() => this.#startAll()));
  }

  /** Adds a child after the others and starts it (OTP `start_child`). */
  startChild(spec: ChildSpec): Promise<Child> {
    return this.#serial(async () => {
      if (this.#status !== 'running') throw new ClosedError(`supervisor ${this.name} is not running`);
      const entry = this.#add(resolveSpec(spec));
      try {
        return await this.#startEntry(entry);
      } catch (err) {
        this.#entries.splice(this.#entries.indexOf(entry), 1);
        throw err;
      }
    });
  }

  /** Stops child `id` (within its `shutdownMs`) and forgets its spec. */
  removeChild(id: string): Promise<void> {
    return this.#serial(async () => {
      const entry = this.#entries.find((e) => e.spec.id === id);
      if (entry === undefined) return;
      this.#entries.splice(this.#entries.indexOf(entry), 1);
      await this.#stopEntry(entry);
    });
  }

  /** Stops every child in reverse start order, each within its `shutdownMs`. Idempotent; never rejects. */
  stop(): Promise<void> {
    return (this.#stopping ??= this.#terminate());
  }

  onExit(cb: (reason: ExitReason) => void): void {
    this.#exit.add(cb);
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  #add(spec: Required<ChildSpec>): Entry {
    if (this.#entries.some((e) => e.spec.id === spec.id)) throw new ConfigError(`duplicate child id ${spec.id}`);
    const entry: Entry = { spec, child: undefined, gen: 0 };
    this.#entries.push(entry);
    return entry;
  }

  // Runs `job` after every job queued before it: the supervisor handles one thing at a time.
  #serial<T>(job: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(job);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #startAll(): Promise<void> {
    if (this.#status !== 'idle') throw new ClosedError(`supervisor ${this.name} was stopped before it started`);
    this.#status = 'starting';
    for (const entry of [...this.#entries]) {
      if (this.#status !== 'starting') throw new ClosedError(`supervisor ${this.name} stopped while starting`);
      try {
        await this.#startEntry(entry);
      } catch (err) {
        this.#logger.error({ err, child: entry.spec.id }, 'child failed to start');
        await this.#stopAll();
        if (this.#status === 'starting') this.#status = 'stopped';
        this.#stopping ??= Promise.resolve();
        throw err;
      }
    }
    if (this.#status === 'starting') this.#status = 'running';
  }

  async #startEntry(entry: Entry): Promise<Child> {
    const child = await entry.spec.start();
    entry.child = child;
    const gen = entry.gen;
    child.onExit((reason) => this.#childExited(entry, gen, reason));
    return child;
  }

  #childExited(entry: Entry, gen: number, reason: ExitReason): void {
    if (gen !== entry.gen || entry.child === undefined) return; // we stopped it ourselves
    entry.child = undefined;
    entry.gen++;
    const err = reason.kind === 'failure' ? reason.error : undefined;
    this.#logger.warn({ err, child: entry.spec.id, exit: reason.kind }, 'child exited');
    this.#serial(() => this.#handleExit(entry, reason)).catch((e: unknown) =>
      this.#logger.error({ err: e, child: entry.spec.id }, 'handling a child exit failed'),
    );
  }

  async #handleExit(entry: Entry, reason: ExitReason): Promise<void> {
    if (this.#status !== 'running' || !this.#entries.includes(entry)) return;
    const { restart, id } = entry.spec;
    if (restart === 'temporary' || (restart === 'transient' && reason.kind !== 'failure')) {
      if (restart === 'temporary') this.#entries.splice(this.#entries.indexOf(entry), 1);
      return;
    }
    if (!this.#window.record(this.#clock.now())) return this.#escalate(id, reason);
    const targets = [entry];
    if (this.strategy === 'rest_for_one') {
      const rest = this.#entries.slice(this.#entries.indexOf(entry) + 1).filter((e) => e.child !== undefined);
      for (const e of [...rest].reverse()) await this.#stopEntry(e);
      for (const e of rest) {
        // OTP: a temporary child taken down with its siblings is not restarted but deleted.
        if (e.spec.restart === 'temporary') this.#entries.splice(this.#entries.indexOf(e), 1);
        else targets.push(e);
      }
    }
    for (const target of targets) {
      for (;;) {
        if (this.#status !== 'running') return;
        this.#logger.warn({ child: target.spec.id }, 'restarting child');
        try {
          await this.#startEntry(target);
          break;
        } catch (err) {
          this.#logger.error({ err, child: target.spec.id }, 'child failed to restart');
          // Counts against the budget, so a child that cannot start ends in escalation, not a spin.
          if (!this.#window.record(this.#clock.now())) {
            return this.#escalate(target.spec.id, { kind: 'failure', error: err });
          }
        }
      }
    }
  }

  async #escalate(childId: string, exit: ExitReason): Promise<void> {
    if (this.#status !== 'running') return;
    this.#status = 'escalated';
    const { maxRestarts, periodMs } = this.#window.intensity;
    const reason: EscalationReason = { supervisor: this.name, childId, exit, maxRestarts, periodMs };
    this.#logger.error({ child: childId, maxRestarts, periodMs }, 'restart intensity exceeded: escalating');
    await this.#stopAll();
    this.#stopping ??= Promise.resolve();
    try {
      this.#onEscalate?.(reason);
    } catch (err) {
      this.#logger.error({ err }, 'onEscalate threw');
    }
    const cause = exit.kind === 'failure' ? exit.error : undefined;
    const error = new CeleriacError(
      `supervisor ${this.name}: child ${childId} exceeded ${maxRestarts} restarts in ${periodMs} ms`,
      { cause },
    );
    this.#exit.fire({ kind: 'failure', error });
  }

  async #terminate(): Promise<void> {
    if (this.#status === 'escalated') {
      await this.#serial(async () => undefined); // let the escalation finish its teardown
      return;
    }
    this.#status = 'stopping';
    await this.#serial(() => this.#stopAll());
    this.#status = 'stopped';
    this.#exit.fire(SHUTDOWN_EXIT);
  }

  // Reverse start order; each step on its own, so one bad child never stops the teardown.
  async #stopAll(): Promise<void> {
    for (let i = this.#entries.length - 1; i >= 0; i--) {
      const entry = this.#entries[i];
      if (entry === undefined) continue;
      try {
        await this.#stopEntry(entry);
      } catch (err) {
        this.#logger.error({ err, child: entry.spec.id }, 'stopping child failed');
      }
    }
  }

  async #stopEntry(entry: Entry): Promise<void> {
    const child = entry.child;
    if (child === undefined) return;
    entry.child = undefined;
    entry.gen++;
    await stopWithin(child, entry.spec.shutdownMs, this.#clock, this.#logger, entry.spec.id);
  }
}
