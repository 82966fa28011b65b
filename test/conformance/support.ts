/**
 * Shared pieces of the transport conformance cases: opening a transport that closes after
 * the test, frames that carry a label, and an inbox that collects deliveries and lets a test
 * wait for the n-th one with a named deadline.
 */
import type { TestContext } from 'node:test';
import type { Broker, Delivery, SubscribeOptions, Subscription, Transport } from '../../src/transport/types.ts';
import type { Millis } from '../../src/util/time.ts';
import { TimeoutError } from '../../src/errors.ts';

export interface ConformanceTransportOptions {
  /** Default visibility timeout of the transport's broker, ms. */
  visibilityTimeout?: Millis;
}

/**
 * Opens a transport for one test. Every call must reach the same namespace (a second call
 * sees the first one's queues, results, control servers and events), as two apps on one URL.
 */
export type MakeTransport = (opts?: ConformanceTransportOptions) => Promise<Transport>;

export async function openFor(t: TestContext, make: MakeTransport, opts?: ConformanceTransportOptions): Promise<Transport> {
  const transport = await make(opts);
  t.after(() => transport.close());
  return transport;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
export const frame = (label: string): Uint8Array => encoder.encode(label);
export const label = (d: Delivery): string => decoder.decode(d.frame);

/** A quiet period for "nothing else arrives" checks, where no event can be awaited. */
export const quiet = (ms: Millis): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Waiter {
  n: number;
  resolve: () => void;
}

/** Collects a subscription's deliveries, with their arrival times. */
export class Inbox {
  readonly deliveries: Delivery[] = [];
  readonly times: number[] = [];
  readonly sub: Subscription;
  #waiters: Waiter[] = [];

  constructor(broker: Broker, queue: string, opts?: SubscribeOptions & { onDelivery?: (d: Delivery) => void }) {
    this.sub = broker.subscribe(
      queue,
      (d) => {
        this.deliveries.push(d);
        this.times.push(Date.now());
        opts?.onDelivery?.(d);
        this.#waiters = this.#waiters.filter((w) => {
          if (this.deliveries.length < w.n) return true;
          w.resolve();
          return false;
        });
      },
      opts,
    );
  }

  get labels(): string[] {
    return this.deliveries.map(label);
  }

  /** Resolves once `n` deliveries arrived in total; rejects naming `what` after `ms`. */
  async until(n: number, what: string, ms: Millis = 2_000): Promise<Delivery[]> {
    if (this.deliveries.length < n) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          reject(new TimeoutError(`${what}: got ${this.deliveries.length} of ${n} deliveries after ${ms} ms`));
        }, ms);
        this.#waiters.push({
          n,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
      });
    }
    return this.deliveries;
  }
}
