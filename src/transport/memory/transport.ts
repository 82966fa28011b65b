/**
 * `memory://` as a Transport: a lease on a hub (see hub.ts) and this transport's own views of
 * the hub's four parts. Closing it removes only what it registered and releases the lease;
 * the last lease closes the hub.
 */
import type { Clock } from '../../actors/clock.ts';
import { ConfigError } from '../../errors.ts';
import type { Logger } from '../../log/logger.ts';
import { Closeable, closeInTurn } from '../../util/closeable.ts';
import type { Millis } from '../../util/time.ts';
import type { Transport, TransportStatus, Unsubscribe } from '../types.ts';
import { parseBrokerUrl } from '../url.ts';
import { acquireHub, type HubLease, type MemoryHub } from './hub.ts';
import { ScopedBackend, ScopedBroker, ScopedControlBus, ScopedEventBus } from './scoped.ts';

export interface MemoryTransportOptions {
  clock?: Clock;
  logger?: Logger;
  /**
   * Result time to live, ms; `null`: for ever. The hub's backend is shared, so the first
   * transport to open the hub sets it. @default 86_400_000
   */
  resultExpires?: Millis | null;
  /** Default visibility timeout of this transport's subscriptions, ms. @default 1_800_000 */
  visibilityTimeout?: Millis;
  /** Expose the hub's result backend; `false` makes `backend` null. @default true */
  backend?: boolean;
}

export class MemoryTransport extends Closeable implements Transport {
  readonly url: string;
  readonly broker: ScopedBroker;
  readonly backend: ScopedBackend | null;
  readonly control: ScopedControlBus;
  readonly events: ScopedEventBus;
  readonly #lease: HubLease;

  /** Leases the hub named by `url` (`memory://` or `memory://<name>`). Throws ConfigError on another URL. */
  constructor(url = 'memory://', opts: MemoryTransportOptions = {}) {
    super();
    const parsed = parseBrokerUrl(url);
    if (parsed.scheme !== 'memory') throw new ConfigError(`MemoryTransport needs a memory:// URL, got '${url}'`);
    this.url = url;
    this.#lease = acquireHub(parsed.name, opts);
    const hub = this.#lease.hub;
    this.broker = new ScopedBroker(hub.broker, opts.visibilityTimeout);
    this.backend = opts.backend === false ? null : new ScopedBackend(hub.backend);
    this.control = new ScopedControlBus(hub.control);
    this.events = new ScopedEventBus(hub.events);
  }

  /** The shared hub (inspection and tests: `hub.broker.inFlight()`, `hub.control.hostnames()`). */
  get hub(): MemoryHub {
    return this.#lease.hub;
  }

  /** In-process: always connected, so no status ever changes. */
  onStatus(_listener: (s: TransportStatus) => void): Unsubscribe {
    return () => {};
  }

  protected async shutdown(): Promise<void> {
    // The views' close() only drops registrations: nothing to report if one fails.
    await closeInTurn([this.events, this.control, this.backend, this.broker]);
    await this.#lease.release();
  }
}
