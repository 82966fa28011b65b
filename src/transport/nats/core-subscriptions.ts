/**
 * The core NATS subscriptions of a bus (control `serve`, event `subscribe`): each is made as soon
 * as the connection is open (at once when it is), and stopped once, by its `Unsubscribe` or by
 * `close()`.
 */
import type { Msg, Subscription as CoreSubscription } from '@nats-io/transport-node';
import type { Unsubscribe } from '../types.ts';
import type { NatsConnector } from './connection.ts';

interface Entry {
  sub: CoreSubscription | null;
  stopped: boolean;
}

export class CoreSubscriptions {
  readonly #connector: NatsConnector;
  readonly #entries = new Set<Entry>();
  #closed = false;

  constructor(connector: NatsConnector) {
    this.#connector = connector;
  }

  /** `noConnection` is told when the connection could not be opened (nothing was subscribed). */
  add(subject: string, callback: (err: Error | null, m: Msg) => void, noConnection: (err: unknown) => void): Unsubscribe {
    const entry: Entry = { sub: null, stopped: false };
    this.#entries.add(entry);
    const start = (): void => {
      const nc = this.#connector.current;
      if (nc === null || entry.stopped || this.#closed) return;
      entry.sub = nc.subscribe(subject, { callback });
    };
    if (this.#connector.current !== null) start();
    else this.#connector.connection().then(start, noConnection);
    return () => {
      this.#entries.delete(entry);
      stop(entry);
    };
  }

  /** Stops every subscription; later `add`s subscribe nothing. */
  close(): void {
    this.#closed = true;
    for (const e of this.#entries) stop(e);
    this.#entries.clear();
  }
}

function stop(e: Entry): void {
  e.stopped = true;
  try {
    e.sub?.unsubscribe();
  } catch {
    // connection already closed
  }
}
