/** Shared pieces of the NATS transport tests: transports on a harness server, closed after the test. */
import type { TestContext } from 'node:test';
import { openNatsTransport, type NatsTransportOptions } from '../../src/transport/nats/transport.ts';
import type { Broker, Delivery, PublishOptions, Transport } from '../../src/transport/types.ts';
import type { Millis } from '../../src/util/time.ts';
import { TimeoutError } from '../../src/errors.ts';
import { uniqueName } from '../helpers/ns.ts';

/** A prefix of its own per test: nothing is shared with another test on the same server. */
export const newPrefix = (): string => uniqueName('t').replace(/-/g, '_');

export async function openNats(
  t: TestContext,
  urls: string | string[],
  opts: NatsTransportOptions = {},
): Promise<Transport> {
  const transport = await openNatsTransport(Array.isArray(urls) ? urls : [urls], {
    prefix: opts.prefix ?? newPrefix(),
    ...opts,
    // Reconnect quickly: restart and failover tests wait on it.
    connectionOptions: { reconnectTimeWait: 200, ...opts.connectionOptions },
  });
  t.after(() => transport.close());
  return transport;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
export const frame = (label: string): Uint8Array => encoder.encode(label);
export const labelOf = (d: Delivery): string => decoder.decode(d.frame);

/** Deliveries with arrival times, and a wait for the n-th with a named deadline. */
export class Collector {
  readonly deliveries: Delivery[] = [];
  readonly times: number[] = [];
  #waiters: { n: number; resolve: () => void }[] = [];

  readonly push = (d: Delivery): void => {
    this.deliveries.push(d);
    this.times.push(Date.now());
    this.#waiters = this.#waiters.filter((w) => {
      if (this.deliveries.length < w.n) return true;
      w.resolve();
      return false;
    });
  };

  get labels(): string[] {
    return this.deliveries.map(labelOf);
  }

  async until(n: number, what: string, ms: Millis = 3000): Promise<Delivery[]> {
    if (this.deliveries.length >= n) return this.deliveries;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new TimeoutError(`${what}: got ${this.deliveries.length} of ${n} after ${ms} ms`)), ms);
      this.#waiters.push({
        n,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
    return this.deliveries;
  }
}

/** The producer's publish retry policy, as the layer above the transport applies it. */
export async function publishRetrying(
  broker: Broker,
  queue: string,
  body: Uint8Array,
  opts: PublishOptions,
  deadline: Millis = 10_000,
): Promise<void> {
  const until = Date.now() + deadline;
  for (;;) {
    try {
      await broker.publish(queue, body, opts);
      return;
    } catch (err) {
      if (Date.now() > until) throw err;
      await quiet(100);
    }
  }
}

export const quiet = (ms: Millis): Promise<void> => new Promise((r) => setTimeout(r, ms));
