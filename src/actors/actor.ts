import { ClosedError, OverflowError, TimeoutError } from '../errors.ts';
import { silentLogger, type Logger } from '../log/logger.ts';
import type { Millis } from '../util/time.ts';
import { ExitSignal, SHUTDOWN_EXIT, type Child, type ExitReason } from './child.ts';
import { systemClock, type Clock, type TimerHandle } from './clock.ts';
import { Mailbox } from './mailbox.ts';

/** The reply half of an `ask`: the handler settles it once; later calls are ignored. */
export interface Reply<R> {
  readonly resolve: (value: R) => void;
  readonly reject: (err: unknown) => void;
}

export type ActorStatus = 'idle' | 'starting' | 'running' | 'stopping' | 'stopped' | 'crashed';

export interface ActorOptions<M> {
  /** Name in logs (bound as `actor`) and prefix of `id`. @default the class name */
  name?: string;
  /** Most messages waiting at once; beyond it `tell` returns false. @default Infinity */
  mailboxCapacity?: number;
  /** Parent logger; the actor logs through a child bound to `{ actor: name }`. @default silent */
  logger?: Logger;
  /** Time source for ask timeouts (and for subclasses). @default systemClock */
  clock?: Clock;
  /** Called for every message refused because the mailbox is full (after it is counted and logged). */
  onOverflow?: (msg: M) => void;
}

/**
 * Sync handlers run back to back; after this many messages in one burst the loop yields to
 * the event loop so that I/O and timers are not starved by a busy actor.
 */
const THROUGHPUT = 256;
const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

let nextId = 0;
let sharedSilent: Logger | undefined;

interface Settleable {
  reject(err: unknown): void;
}

class PendingAsk<R> implements Reply<R> {
  readonly promise: Promise<R>;
  readonly resolve: (value: R) => void;
  readonly reject: (err: unknown) => void;
  timer: TimerHandle | undefined;

  constructor(pending: Set<Settleable>) {
    let res!: (value: R) => void;
    let rej!: (err: unknown) => void;
    this.promise = new Promise<R>((a, b) => {
      res = a;
      rej = b;
    });
    pending.add(this);
    // Membership in `pending` is the "not yet settled" flag: the first settle wins.
    this.resolve = (value) => {
      if (!pending.delete(this)) return;
      this.timer?.cancel();
      res(value);
    };
    this.reject = (err) => {
      if (!pending.delete(this)) return;
      this.timer?.cancel();
      rej(err);
    };
  }
}

/**
 * A mailbox loop that handles one message at a time: the next message is taken only after
 * `receive` (and the promise it returns) has finished. A handler that throws or rejects
 * crashes the actor: it stops taking messages, runs `postStop`, and reports
 * `{ kind: 'failure', error }` to its `onExit` listeners (its supervisor). Nothing is thrown
 * into the host's event loop.
 *
 * Do not `await this.stop()` inside `receive`: stop waits for the message in hand to finish.
 * Call `void this.stop()` (or `this.fail(err)`) instead.
 */
export abstract class Actor<M> implements Child {
  readonly id: string;
  readonly name: string;
  protected readonly logger: Logger;
  protected readonly clock: Clock;
  readonly #mailbox: Mailbox<M>;
  readonly #onOverflow: ((msg: M) => void) | undefined;
  readonly #asks = new Set<Settleable>();
  readonly #exit: ExitSignal;
  #status: ActorStatus = 'idle';
  #started = false;
  #busy = false;
  #overflowCount = 0;
  #loop: Promise<void> | undefined;
  #starting: Promise<void> | undefined;
  #stopping: Promise<void> | undefined;
  #failure: { error: unknown } | undefined;

  constructor(options: ActorOptions<M> = {}) {
    this.name = options.name ?? this.constructor.name;
    this.id = `${this.name}#${++nextId}`;
    this.#mailbox = new Mailbox<M>(options.mailboxCapacity ?? Infinity);
    this.#onOverflow = options.onOverflow;
    this.clock = options.clock ?? systemClock;
    this.logger = (options.logger ?? (sharedSilent ??= silentLogger())).child({ actor: this.name });
    this.#exit = new ExitSignal((err) => this.logger.error({ err }, 'exit listener threw'));
  }

  /** Handles one message; the next waits until this returns (or its promise settles). */
  protected abstract receive(msg: M): void | Promise<void>;

  /** Runs once before the first message; if it throws, `start()` rejects and nothing runs. */
  protected preStart(): void | Promise<void> {}

  /** Runs once after the last message (on stop or crash), if `preStart` succeeded. */
  protected postStop(): void | Promise<void> {}

  get status(): ActorStatus {
    return this.#status;
  }

  /** Messages refused because the mailbox was full. */
  get overflowCount(): number {
    return this.#overflowCount;
  }

  get mailboxSize(): number {
    return this.#mailbox.size;
  }

  get mailboxCapacity(): number {
    return this.#mailbox.capacity;
  }

  /** Runs `preStart`, then handles messages (those sent before `start` included). Memoised. */
  start(): Promise<void> {
    return (this.#starting ??= this.#start());
  }

  /**
   * Fire and forget. False when refused: the mailbox is full (counted in `overflowCount`,
   * logged, passed to `onOverflow`) or the actor has stopped.
   */
  tell(msg: M): boolean {
    return this.#enqueue(msg);
  }

  /**
   * Sends the message `build(reply)` and resolves with what the handler passes to
   * `reply.resolve`. Rejects with `TimeoutError` after `timeoutMs`, with `OverflowError` if the
   * mailbox is full, and with `ClosedError` if the actor stops or crashes before replying.
   */
  ask<R>(build: (reply: Reply<R>) => M, timeoutMs?: Millis): Promise<R> {
    if (this.#mailbox.closed) return Promise.reject(new ClosedError(`actor ${this.id} is stopped`));
    const ask = new PendingAsk<R>(this.#asks);
    let msg: M;
    try {
      msg = build(ask);
    } catch (err) {
      ask.reject(err);
      return ask.promise;
    }
    if (!this.#enqueue(msg)) {
      ask.reject(
        this.#mailbox.closed
          ? new ClosedError(`actor ${this.id} is stopped`)
          : new OverflowError(`mailbox of ${this.id} is full (${this.#mailbox.capacity})`),
      );
      return ask.promise;
    }
    if (timeoutMs !== undefined && timeoutMs !== Infinity) {
      ask.timer = this.clock.setTimeout(
        () => ask.reject(new TimeoutError(`ask to ${this.id} timed out after ${timeoutMs} ms`)),
        timeoutMs,
      );
    }
    return ask.promise;
  }

  /**
   * Stops taking messages, lets the one in hand finish, runs `postStop`, rejects pending asks
   * with `ClosedError`, and reports `{ kind: 'shutdown' }`. Idempotent; never rejects.
   */
  stop(): Promise<void> {
    return (this.#stopping ??= this.#terminate());
  }

  onExit(cb: (reason: ExitReason) => void): void {
    this.#exit.add(cb);
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  /** Crashes the actor from outside `receive` (a callback, a detached promise). */
  protected fail(err: unknown): void {
    if (this.#failure !== undefined || this.#status === 'stopped' || this.#status === 'crashed') {
      this.logger.error({ err }, 'failure after the actor ended');
      return;
    }
    this.#failure = { error: err };
    this.logger.error({ err }, 'actor crashed');
    this.#stopping ??= this.#terminate();
  }

  #enqueue(msg: M): boolean {
    if (!this.#mailbox.offer(msg)) {
      this.#refused(msg);
      return false;
    }
    if (!this.#busy && this.#status === 'running') {
      this.#busy = true;
      this.#loop = this.#drain();
    }
    return true;
  }

  #refused(msg: M): void {
    if (this.#mailbox.closed) {
      this.logger.debug('message to a stopped actor refused');
      return;
    }
    this.#overflowCount++;
    this.logger.warn(
      { capacity: this.#mailbox.capacity, overflowCount: this.#overflowCount },
      'mailbox full: message refused',
    );
    if (this.#onOverflow === undefined) return;
    try {
      this.#onOverflow(msg);
    } catch (err) {
      this.logger.error({ err }, 'onOverflow hook threw');
    }
  }

  async #drain(): Promise<void> {
    // Start on a microtask: a handler never runs inside its sender's tell().
    await undefined;
    let burst = 0;
    try {
      while (this.#status === 'running' && this.#mailbox.size > 0) {
        const pending = this.receive(this.#mailbox.poll() as M);
        if (pending !== undefined) await pending;
        if (++burst === THROUGHPUT) {
          burst = 0;
          await yieldToLoop();
        }
      }
    } catch (err) {
      this.#busy = false;
      this.fail(err);
      return;
    }
    this.#busy = false;
  }

  async #start(): Promise<void> {
    if (this.#status !== 'idle') throw new ClosedError(`actor ${this.id} was stopped before it started`);
    this.#status = 'starting';
    try {
      await this.preStart();
    } catch (err) {
      this.#status = 'crashed';
      this.#mailbox.close();
      this.#mailbox.clear();
      this.#rejectAsks(new ClosedError(`actor ${this.id} failed to start`, { cause: err }));
      this.#stopping ??= Promise.resolve();
      this.logger.error({ err }, 'actor failed to start');
      throw err;
    }
    this.#started = true;
    if (this.#status !== 'starting') return; // stop() came during preStart and finishes the job
    this.#status = 'running';
    if (this.#mailbox.size > 0) {
      this.#busy = true;
      this.#loop = this.#drain();
    }
  }

  async #terminate(): Promise<void> {
    if (this.#status !== 'crashed' && this.#status !== 'stopped') this.#status = 'stopping';
    this.#mailbox.close();
    if (this.#starting !== undefined) await this.#starting.catch(() => undefined);
    if (!this.#started && this.#starting !== undefined) return; // start failed and cleaned up
    if (this.#loop !== undefined) await this.#loop; // the message in hand finishes first
    const dropped = this.#mailbox.clear();
    if (dropped > 0) this.logger.debug({ dropped }, 'messages left unhandled at stop');
    if (this.#started) {
      try {
        await this.postStop();
      } catch (err) {
        this.logger.error({ err }, 'postStop failed');
      }
    }
    const failure = this.#failure;
    this.#rejectAsks(
      failure === undefined
        ? new ClosedError(`actor ${this.id} stopped`)
        : new ClosedError(`actor ${this.id} crashed`, { cause: failure.error }),
    );
    this.#status = failure === undefined ? 'stopped' : 'crashed';
    this.#exit.fire(failure === undefined ? SHUTDOWN_EXIT : { kind: 'failure', error: failure.error });
  }

  #rejectAsks(err: ClosedError): void {
    if (this.#asks.size === 0) return;
    for (const ask of [...this.#asks]) ask.reject(err);
  }
}
