/**
 * The in-process control bus behind `memory://`: workers `serve` under their hostname, and a
 * broadcast runs the addressed handlers (asynchronously, each on its own copy of the request)
 * and gathers their replies until the timeout or the limit. In memory the live servers are
 * known exactly, so by default a broadcast ends as soon as every addressed one answered.
 */
import { ClosedError, ConfigError } from '../../errors.ts';
import type { Clock, TimerHandle } from '../../actors/clock.ts';
import { systemClock } from '../../actors/clock.ts';
import type { Logger } from '../../log/logger.ts';
import type { ControlReply, ControlRequest } from '../../protocol/control.ts';
import { Closeable } from '../../util/closeable.ts';
import type { BroadcastOptions, ControlBus, ControlHandler, Unsubscribe } from '../types.ts';

export interface MemoryControlBusOptions {
  clock?: Clock;
  logger?: Logger;
}

const noop = (): void => {};

interface Server {
  hostname: string;
  handler: ControlHandler;
}

/** One broadcast waiting for replies. */
class Gathering {
  readonly replies: ControlReply[] = [];
  #done = false;

  constructor(
    readonly limit: number,
    readonly resolve: (replies: ControlReply[]) => void,
    readonly onDone: (g: Gathering) => void,
  ) {}

  get done(): boolean {
    return this.#done;
  }

  add(reply: ControlReply): void {
    if (this.#done) return;
    this.replies.push(reply);
    if (this.replies.length >= this.limit) this.finish();
  }

  finish(): void {
    if (this.#done) return;
    this.#done = true;
    this.onDone(this);
    this.resolve(this.replies);
  }
}

export class MemoryControlBus extends Closeable implements ControlBus {
  readonly #clock: Clock;
  readonly #log: Logger | undefined;
  readonly #servers = new Set<Server>();
  readonly #gatherings = new Set<Gathering>();
  #closed = false;

  constructor(opts: MemoryControlBusOptions = {}) {
    super();
    this.#clock = opts.clock ?? systemClock;
    this.#log = opts.logger;
  }

  /** Hostnames currently serving (inspection and tests). */
  hostnames(): string[] {
    return [...this.#servers].map((s) => s.hostname);
  }

  async broadcast(req: ControlRequest, opts: BroadcastOptions): Promise<ControlReply[]> {
    if (this.#closed) throw new ClosedError('memory control bus is closed');
    const timeout = opts.timeout;
    if (typeof timeout !== 'number' || !(timeout >= 0)) {
      throw new ConfigError(`broadcast: \`timeout\` must be a number of ms >= 0, got ${String(timeout)}`);
    }
    const destination = opts.destination ?? req.destination;
    const wanted = destination === undefined ? undefined : new Set(destination);
    const targets = [...this.#servers].filter((s) => wanted === undefined || wanted.has(s.hostname));
    const limit = opts.limit ?? targets.length;
    if (targets.length === 0 || limit <= 0) return [];
    const request: ControlRequest = destination === undefined ? req : { ...req, destination: [...destination] };

    return new Promise<ControlReply[]>((resolve) => {
      let timer: TimerHandle | undefined;
      // The clock's timers are unref'd, and in memory nothing else (no socket, as with NATS)
      // holds the loop open: without this ref'd twin a host awaiting a broadcast to a silent
      // server would exit mid-await. It is cleared as soon as the broadcast ends.
      const keepAlive = setTimeout(noop, Math.min(timeout, 2 ** 31 - 1));
      const gathering = new Gathering(limit, resolve, (g) => {
        timer?.cancel();
        clearTimeout(keepAlive);
        this.#gatherings.delete(g);
      });
      this.#gatherings.add(gathering);
      timer = this.#clock.setTimeout(() => gathering.finish(), timeout);
      for (const server of targets) void this.#ask(server, request, gathering);
    });
  }

  serve(hostname: string, handler: ControlHandler): Unsubscribe {
    if (this.#closed) throw new ClosedError('memory control bus is closed');
    if (typeof hostname !== 'string' || hostname === '') {
      throw new ConfigError(`serve: \`hostname\` must be a non-empty string, got ${String(hostname)}`);
    }
    const server: Server = { hostname, handler };
    this.#servers.add(server);
    return () => void this.#servers.delete(server);
  }

  protected async shutdown(): Promise<void> {
    this.#closed = true;
    this.#servers.clear();
    // Pending broadcasts end now with what they have: nothing else will answer.
    for (const g of [...this.#gatherings]) g.finish();
  }

  /** Runs one handler on its own copy of the request (as if it crossed the wire). Never rejects. */
  async #ask(server: Server, req: ControlRequest, gathering: Gathering): Promise<void> {
    let reply: ControlReply;
    try {
      // Handlers always run after broadcast() returned its promise, never inside it.
      await Promise.resolve();
      const ok = await server.handler(structuredClone(req));
      reply = { hostname: server.hostname, ok: ok === undefined ? null : structuredClone(ok) };
    } catch (err) {
      this.#log?.warn({ err, hostname: server.hostname, command: req.command }, 'control handler failed');
      reply = { hostname: server.hostname, error: err instanceof Error ? err.message : String(err) };
    }
    gathering.add(reply);
  }
}
