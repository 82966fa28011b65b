/**
 * `nats://`: the four transport interfaces over one NATS connection (a second one only when
 * the result backend lives on other servers). Nothing connects until first use.
 */
import { systemClock } from '../../actors/clock.ts';
import { ConfigError } from '../../errors.ts';
import { silentLogger, type Logger } from '../../log/logger.ts';
import type { Millis } from '../../util/time.ts';
import type { Broker, ControlBus, EventBus, ResultBackend, Transport, TransportOptions, TransportStatus, Unsubscribe } from '../types.ts';
import { NatsBroker } from './broker.ts';
import { NatsConnector } from './connection.ts';
import { NatsControlBus } from './control-bus.ts';
import { JsErr, jsErrCode, wrapNatsError } from './errors.ts';
import { NatsEventBus } from './event-bus.ts';
import { DEFAULT_PREFIX, NatsNames } from './names.ts';
import { displayUrl, normalizeUrls, resolveOptions } from './options.ts';
import { JsPublisher } from './publisher.ts';
import { NatsResultBackend } from './result-backend.ts';
import type { ReplyTiming } from './replies.ts';
import { NatsTopology } from './topology.ts';

/** Celery's default `result_expires`: one day. */
const DEFAULT_RESULT_EXPIRES: Millis = 86_400_000;
const DEFAULT_VISIBILITY_TIMEOUT: Millis = 30_000;

export interface NatsTransportOptions extends TransportOptions {
  /** When a result reply that never came is read from the bucket instead (see replies.ts). */
  replyTiming?: Partial<ReplyTiming>;
}

class Side {
  readonly connector: NatsConnector;
  readonly publisher: JsPublisher;
  constructor(urls: string[], connectionOptions: Record<string, unknown> | undefined, connectTimeout: Millis | undefined, logger: Logger) {
    const { nats, tuning } = resolveOptions(urls, connectionOptions, { timeout: connectTimeout });
    this.connector = new NatsConnector(nats, tuning, logger);
    this.publisher = new JsPublisher(this.connector, logger);
  }
}

export class NatsTransport implements Transport {
  readonly url: string;
  readonly broker: Broker;
  readonly backend: ResultBackend | null;
  readonly control: ControlBus;
  readonly events: EventBus;
  readonly #main: Side;
  readonly #backendSide: Side | null;
  readonly #logger: Logger;
  readonly #names: NatsNames;
  #closing: Promise<void> | null = null;

  constructor(urls: string[], opts: NatsTransportOptions) {
    const logger = (opts.logger ?? silentLogger()).child({ transport: 'nats' });
    this.#logger = logger;
    this.url = displayUrl(normalizeUrls(urls));
    const names = new NatsNames(opts.prefix ?? DEFAULT_PREFIX);
    this.#names = names;
    const clock = opts.clock ?? systemClock;
    const replicas = opts.replicas ?? 1;
    if (!Number.isInteger(replicas) || replicas < 1 || replicas > 5) {
      throw new ConfigError(`replicas must be an integer from 1 to 5, got ${String(opts.replicas)}`);
    }
    this.#main = new Side(urls, opts.connectionOptions, opts.connectTimeout, logger);
    const topology = new NatsTopology(this.#main.connector, names, replicas, logger);
    this.#main.publisher.onNoStream = (subject) => topology.noStream(subject);
    this.broker = new NatsBroker({
      connector: this.#main.connector,
      topology,
      names,
      publisher: this.#main.publisher,
      clock,
      logger,
      visibilityTimeout: opts.visibilityTimeout ?? DEFAULT_VISIBILITY_TIMEOUT,
    });
    this.control = new NatsControlBus(this.#main.connector, names, logger);
    this.events = new NatsEventBus(this.#main.connector, names, logger);

    const b = opts.backendUrl;
    if (b === 'disabled') {
      this.#backendSide = null;
      this.backend = null;
      return;
    }
    let side = this.#main;
    this.#backendSide = null;
    if (b !== undefined && b !== '' && displayUrl(normalizeUrls([b])) !== this.url) {
      if (!/^nats:\/\//i.test(b.trim())) throw new ConfigError(`the NATS transport cannot use backend ${b}`);
      side = new Side([b], opts.connectionOptions, opts.connectTimeout, logger.child({ side: 'backend' }));
      this.#backendSide = side;
    }
    this.backend = new NatsResultBackend({
      connector: side.connector,
      publisher: side.publisher,
      names,
      clock,
      logger,
      replicas,
      resultExpires: opts.resultExpires === undefined ? DEFAULT_RESULT_EXPIRES : opts.resultExpires,
      ...(opts.replyTiming !== undefined ? { replyTiming: opts.replyTiming } : {}),
      ...(opts.resultSerializer !== undefined ? { resultSerializer: opts.resultSerializer } : {}),
    });
  }

  onStatus(listener: (s: TransportStatus) => void): Unsubscribe {
    const offs = [this.#main.connector.onStatus(listener)];
    if (this.#backendSide !== null) offs.push(this.#backendSide.connector.onStatus(listener));
    return () => offs.forEach((off) => off());
  }

  /** Opens the connection if needed and waits until the server has seen everything sent so far. */
  async flush(): Promise<void> {
    await this.#main.connector.connection();
    await this.#main.connector.confirm();
  }

  close(): Promise<void> {
    this.#closing ??= this.#close(null);
    return this.#closing;
  }

  destroy(): Promise<string[]> {
    const deleted: string[] = [];
    this.#closing ??= this.#close(deleted);
    return this.#closing.then(() => deleted);
  }

  /**
   * Deletes the namespace's streams and buckets (their streams), once nothing of this transport
   * uses them any more: a running part (the delayed mover, a pull loop) would re-create them.
   */
  async #deleteNamespace(deleted: string[]): Promise<void> {
    const n = this.#names;
    const sides: [Side, string[]][] = [[this.#main, [n.tasksStream, n.delayedStream, n.dlqStream]]];
    const buckets = [`KV_${n.resultsBucket}`, `KV_${n.keysBucket}`];
    if (this.#backendSide === null) sides[0]![1].push(...buckets);
    else sides.push([this.#backendSide, buckets]);
    for (const [side, streams] of sides) {
      const jsm = await side.connector.jsm();
      for (const name of streams) {
        try {
          if (await jsm.streams.delete(name)) deleted.push(name);
        } catch (err) {
          // Never made (a bucket nothing wrote to): nothing to delete.
          if (jsErrCode(err) !== JsErr.StreamNotFound) throw wrapNatsError(err, `deleting stream ${name}`);
        }
      }
    }
  }

  async #close(deleting: string[] | null): Promise<void> {
    // Reverse order of use; each step on its own so one failure does not stop the rest.
    const steps: [string, () => Promise<void>][] = [
      ['broker', () => this.broker.close()],
      ['backend', async () => this.backend?.close()],
      ['control', () => this.control.close()],
      ['events', () => this.events.close()],
      ['namespace', async () => (deleting === null ? undefined : this.#deleteNamespace(deleting))],
      ['publisher', () => this.#main.publisher.close()],
      ['backend publisher', async () => this.#backendSide?.publisher.close()],
      ['connection', () => this.#main.connector.close()],
      ['backend connection', async () => this.#backendSide?.connector.close()],
    ];
    for (const [what, step] of steps) {
      try {
        await step();
      } catch (err) {
        this.#logger.warn({ err, what }, 'error while closing the NATS transport');
      }
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/**
 * Opens a `nats://` transport over `urls` (one server or a cluster). Resolves at once: the
 * connection opens on first use, and a failure to reach the servers surfaces there as
 * `OperationalError`. Rejects with `ConfigError` for bad options.
 */
export async function openNatsTransport(urls: string[], opts: NatsTransportOptions): Promise<Transport> {
  return new NatsTransport(urls, opts);
}
