/**
 * One NATS connection, opened on first use. Its status stream becomes `TransportStatus`
 * events and log lines; nothing from it is ever thrown into the host's loop. A failed first
 * connect rejects the call that needed it with `OperationalError` and is retried by the next
 * call; a connection that closes on its own (e.g. repeated auth failures) is replaced the same
 * way, and the parts that pull from it are told through `onReconnect`.
 */
import { connect, type NatsConnection, type NodeConnectionOptions } from '@nats-io/transport-node';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { ClosedError, OperationalError } from '../../errors.ts';
import type { Logger } from '../../log/logger.ts';
import type { Unsubscribe, TransportStatus } from '../types.ts';
import type { NatsTuning } from './options.ts';
import { wrapNatsError } from './errors.ts';

const DRAIN_DEADLINE_MS = 2000;

export class NatsConnector {
  readonly tuning: NatsTuning;
  readonly #options: NodeConnectionOptions;
  readonly #logger: Logger;
  #nc: NatsConnection | null = null;
  #connecting: Promise<NatsConnection> | null = null;
  #jsm: Promise<JetStreamManager> | null = null;
  #everConnected = false;
  #flushing: Promise<void> | null = null;
  #closing: Promise<void> | null = null;
  readonly #statusListeners = new Set<(s: TransportStatus) => void>();
  readonly #reconnectListeners = new Set<() => void>();

  constructor(options: NodeConnectionOptions, tuning: NatsTuning, logger: Logger) {
    this.#options = options;
    this.tuning = tuning;
    this.#logger = logger;
  }

  get closed(): boolean {
    return this.#closing !== null;
  }

  /** The open connection, or null (not yet opened, or closed). */
  get current(): NatsConnection | null {
    return this.#nc !== null && !this.#nc.isClosed() ? this.#nc : null;
  }

  /** The connection, opening it on first use. Rejects with OperationalError or ClosedError. */
  connection(): Promise<NatsConnection> {
    if (this.#closing !== null) return Promise.reject(new ClosedError('the NATS transport is closed'));
    const nc = this.current;
    if (nc !== null) return Promise.resolve(nc);
    this.#connecting ??= this.#open().finally(() => {
      this.#connecting = null;
    });
    return this.#connecting;
  }

  async #open(): Promise<NatsConnection> {
    let nc: NatsConnection;
    try {
      nc = await connect(this.#options);
    } catch (err) {
      // nats.js says only "timeout" when a server accepts the connection but never completes the handshake.
      const why =
        (err as Error).name === 'TimeoutError'
          ? `no handshake within ${String(this.#options.timeout)} ms (brokerConnectionTimeout)`
          : (err as Error).message;
      const e = new OperationalError(`cannot connect to NATS at ${String(this.#options.servers)}: ${why}`, { cause: err });
      this.#logger.warn({ err }, 'NATS connection failed');
      this.#emit({ type: 'error', error: e });
      throw e;
    }
    if (this.#closing !== null) {
      await nc.close().catch(() => undefined);
      throw new ClosedError('the NATS transport is closed');
    }
    this.#nc = nc;
    this.#jsm = null;
    const server = nc.getServer();
    this.#logger.info({ server }, 'NATS connected');
    this.#emit({ type: 'connected', server });
    void this.#watch(nc);
    if (this.#everConnected) this.#notifyReconnect();
    this.#everConnected = true;
    return nc;
  }

  async #watch(nc: NatsConnection): Promise<void> {
    let attempt = 0;
    try {
      for await (const s of nc.status()) {
        switch (s.type) {
          case 'disconnect':
            attempt = 0;
            this.#logger.warn({ server: s.server }, 'NATS disconnected');
            this.#emit({ type: 'disconnected', server: s.server });
            break;
          case 'reconnecting':
            attempt++;
            this.#logger.info({ attempt }, 'NATS reconnecting');
            this.#emit({ type: 'reconnecting', attempt });
            break;
          case 'reconnect':
            this.#logger.info({ server: s.server }, 'NATS reconnected');
            this.#emit({ type: 'reconnected', server: s.server });
            this.#notifyReconnect();
            break;
          case 'error':
            this.#logger.error({ err: s.error }, 'NATS connection error');
            this.#emit({ type: 'error', error: s.error });
            break;
          case 'ldm':
            this.#logger.warn({ server: s.server }, 'NATS server entering lame duck mode');
            break;
          case 'staleConnection':
            this.#logger.warn('NATS connection stale');
            break;
          default:
            break;
        }
      }
    } catch (err) {
      this.#logger.error({ err }, 'NATS status stream failed');
    }
    const why = await nc.closed();
    if (this.#closing === null && this.#nc === nc) {
      // Closed on its own (reconnect attempts exhausted, auth failures): the next use reopens.
      this.#nc = null;
      const error = why instanceof Error ? why : new OperationalError('the NATS connection closed');
      this.#logger.error({ err: error }, 'NATS connection closed unexpectedly');
      this.#emit({ type: 'error', error });
    }
  }

  #emit(s: TransportStatus): void {
    for (const l of this.#statusListeners) {
      try {
        l(s);
      } catch (err) {
        this.#logger.error({ err }, 'transport status listener threw');
      }
    }
  }

  #notifyReconnect(): void {
    for (const l of this.#reconnectListeners) {
      try {
        l();
      } catch (err) {
        this.#logger.error({ err }, 'reconnect listener threw');
      }
    }
  }

  onStatus(listener: (s: TransportStatus) => void): Unsubscribe {
    this.#statusListeners.add(listener);
    return () => void this.#statusListeners.delete(listener);
  }

  /** Called after the client reconnected (or a new connection replaced a closed one). */
  onReconnect(listener: () => void): Unsubscribe {
    this.#reconnectListeners.add(listener);
    return () => void this.#reconnectListeners.delete(listener);
  }

  /** The JetStream manager of the current connection (no account-info round trip). */
  async jsm(): Promise<JetStreamManager> {
    const nc = await this.connection();
    this.#jsm ??= jetstreamManager(nc, { timeout: this.tuning.apiTimeout, checkAPI: false });
    try {
      return await this.#jsm;
    } catch (err) {
      this.#jsm = null;
      throw wrapNatsError(err, 'JetStream unavailable');
    }
  }

  /**
   * Resolves once the server has received everything published so far. Calls in the same
   * tick share one PING, so confirming a window of acks costs one round trip. If the
   * connection drops meanwhile it resolves all the same: what the server never got, it
   * redelivers after AckWait (at-least-once); only a closed connection rejects.
   */
  confirm(): Promise<void> {
    if (this.#flushing !== null) return this.#flushing;
    const p = new Promise<void>((resolve, reject) => {
      setImmediate(() => {
        this.#flushing = null;
        const nc = this.current;
        if (nc === null) {
          reject(new ClosedError('the NATS connection is closed'));
          return;
        }
        nc.flush().then(resolve, (err: unknown) => {
          if (nc.isClosed()) reject(wrapNatsError(err, 'flush'));
          else {
            this.#logger.debug({ err }, 'acks not confirmed: the connection dropped');
            resolve();
          }
        });
      });
    });
    this.#flushing = p;
    return p;
  }

  /** Drains (bounded by a deadline, so a dead server cannot hang it) and closes. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    await this.#connecting?.catch(() => undefined);
    const nc = this.#nc;
    this.#reconnectListeners.clear();
    this.#statusListeners.clear();
    if (nc === null || nc.isClosed()) return;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, DRAIN_DEADLINE_MS);
      timer.unref();
    });
    try {
      await Promise.race([nc.drain(), deadline]);
    } catch (err) {
      this.#logger.debug({ err }, 'NATS drain failed; closing');
    } finally {
      clearTimeout(timer);
    }
    if (!nc.isClosed()) await nc.close().catch(() => undefined);
  }
}
