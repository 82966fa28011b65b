/**
 * Events on core NATS subjects `<prefix>.event.<type>`, msgpack-encoded, fire and forget.
 * An exact type subscribes to its subject; `'*'` and globs such as `'task-*'` subscribe to
 * `<prefix>.event.>` and filter here (NATS wildcards match whole tokens only). Events
 * published before the connection is open wait in a bounded buffer.
 */
import type { Msg } from '@nats-io/transport-node';
import type { Logger } from '../../log/logger.ts';
import type { CeleriacEvent } from '../../protocol/events.ts';
import { msgpackCodec } from '../../serialization/codecs.ts';
import { globToRegExp, isGlob } from '../../util/glob.ts';
import type { EventBus, Unsubscribe } from '../types.ts';
import type { NatsConnector } from './connection.ts';
import { CoreSubscriptions } from './core-subscriptions.ts';
import type { NatsNames } from './names.ts';

const MAX_BUFFERED = 10_000;

export class NatsEventBus implements EventBus {
  readonly #connector: NatsConnector;
  readonly #names: NatsNames;
  readonly #logger: Logger;
  readonly #subs: CoreSubscriptions;
  #buffer: { subject: string; body: Uint8Array }[] = [];
  #dropped = 0;
  #closed = false;

  constructor(connector: NatsConnector, names: NatsNames, logger: Logger) {
    this.#connector = connector;
    this.#names = names;
    this.#logger = logger;
    this.#subs = new CoreSubscriptions(connector);
  }

  publish(event: CeleriacEvent): void {
    if (this.#closed) return;
    let body: Uint8Array;
    try {
      body = msgpackCodec.encode(event);
    } catch (err) {
      this.#logger.warn({ err, type: event.type }, 'event not encodable; dropped');
      return;
    }
    const subject = this.#names.eventSubject(event.type);
    const nc = this.#connector.current;
    if (nc !== null) {
      try {
        nc.publish(subject, body);
      } catch (err) {
        this.#logger.debug({ err }, 'event not sent');
      }
      return;
    }
    if (this.#buffer.length >= MAX_BUFFERED) {
      this.#buffer.shift();
      if (this.#dropped++ === 0) this.#logger.warn('event buffer full while connecting; dropping the oldest');
    }
    this.#buffer.push({ subject, body });
    if (this.#buffer.length === 1) {
      this.#connector.connection().then(
        () => this.#flushBuffer(),
        (err: unknown) => {
          this.#logger.warn({ err, dropped: this.#buffer.length }, 'events dropped: no connection');
          this.#buffer = [];
        },
      );
    }
  }

  #flushBuffer(): void {
    const nc = this.#connector.current;
    const buffered = this.#buffer;
    this.#buffer = [];
    this.#dropped = 0;
    if (nc === null) return;
    for (const { subject, body } of buffered) {
      try {
        nc.publish(subject, body);
      } catch (err) {
        this.#logger.debug({ err }, 'event not sent');
      }
    }
  }

  subscribe(pattern: string, listener: (event: CeleriacEvent) => void): Unsubscribe {
    const all = pattern === '*';
    const glob = !all && isGlob(pattern);
    const re = glob ? globToRegExp(pattern) : null;
    const subject = all || glob ? this.#names.eventWildcard : this.#names.eventSubject(pattern);
    const onMsg = (_err: Error | null, m: Msg): void => {
      let event: CeleriacEvent;
      try {
        event = msgpackCodec.decode(m.data) as CeleriacEvent;
      } catch (err) {
        this.#logger.warn({ err }, 'undecodable event');
        return;
      }
      if (re !== null && !re.test(event.type)) return;
      try {
        listener(event);
      } catch (err) {
        this.#logger.error({ err, type: event.type }, 'event listener threw');
      }
    };
    return this.#subs.add(subject, onMsg, (err) => this.#logger.warn({ err }, 'cannot subscribe to events: no connection'));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#buffer = [];
    this.#subs.close();
  }
}
