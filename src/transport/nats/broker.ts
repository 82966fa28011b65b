/**
 * The task broker over JetStream (DESIGN.md §4): one WorkQueue stream per prefix, a subject
 * per (queue, priority band), a durable pull consumer per (queue, band) shared by every worker,
 * a delayed stream for countdown/eta, and a dead-letter stream.
 *
 * Deduplication: `Nats-Msg-Id` = `msgId`; JetStream drops a publish whose id it saw in the
 * last 2 minutes (the stream's duplicate window). The producer gives a task's own retry a new
 * id (`<task id>.r<n>`), so only a retried *publish* is dropped.
 */
import { headers, type MsgHdrs } from '@nats-io/transport-node';
import type { Clock } from '../../actors/clock.ts';
import { ClosedError } from '../../errors.ts';
import type { Logger } from '../../log/logger.ts';
import type { Millis } from '../../util/time.ts';
import type {
  Broker,
  DeadLetter,
  Delivery,
  PublishOptions,
  SubscribeOptions,
  Subscription,
} from '../types.ts';
import type { NatsConnector } from './connection.ts';
import { DelayedMover } from './delayed.ts';
import { bandOf, type NatsNames } from './names.ts';
import type { JsPublisher } from './publisher.ts';
import { purgeQueue, queueSize, readDeadLetters } from './queue-admin.ts';
import { NatsSubscription } from './subscription.ts';
import type { NatsTopology } from './topology.ts';

/** Headers this transport writes (wire names, kept short). */
export const Hdr = {
  msgId: 'Nats-Msg-Id',
  target: 'Celeriac-Target',
  due: 'Celeriac-Due',
  reason: 'Celeriac-Reason',
  queue: 'Celeriac-Queue',
  at: 'Celeriac-At',
} as const;

export interface BrokerDeps {
  connector: NatsConnector;
  topology: NatsTopology;
  names: NatsNames;
  publisher: JsPublisher;
  clock: Clock;
  logger: Logger;
  visibilityTimeout: Millis;
}

const oneLine = (s: string): string => s.replace(/[\r\n]+/g, ' ').slice(0, 1000);

export class NatsBroker implements Broker {
  readonly #d: BrokerDeps;
  readonly #subs = new Set<NatsSubscription>();
  #mover: DelayedMover | null = null;
  #closing: Promise<void> | null = null;

  constructor(deps: BrokerDeps) {
    this.#d = deps;
  }

  async publish(queue: string, frame: Uint8Array, opts: PublishOptions = {}): Promise<void> {
    const band = await this.#publishOne(queue, frame, opts);
    if (band > 0) this.ring(queue, band);
  }

  async publishMany(items: { queue: string; frame: Uint8Array; opts?: PublishOptions }[]): Promise<void> {
    // All in flight at once; a bell per (queue, band) as soon as its first message is stored.
    const rung = new Set<string>();
    await Promise.all(
      items.map(async (i) => {
        const band = await this.#publishOne(i.queue, i.frame, i.opts ?? {});
        const key = `${band}\u0000${i.queue}`;
        if (band > 0 && !rung.has(key)) {
          rung.add(key);
          this.ring(i.queue, band);
        }
      }),
    );
  }

  /** Resolves with the band rung for (0: none). */
  async #publishOne(queue: string, frame: Uint8Array, opts: PublishOptions): Promise<number> {
    if (this.#closing !== null) throw new ClosedError('the NATS broker is closed');
    const q = this.#d.names.queue(queue);
    const band = bandOf(opts.priority);
    const id = opts.msgId;
    const notBefore = opts.notBefore;
    if (notBefore !== undefined && notBefore > this.#d.clock.now()) {
      // Held in the delayed stream, outside the task consumers, until the mover moves it.
      await this.#d.topology.delayed();
      const h = headers();
      if (id !== undefined) h.set(Hdr.msgId, id);
      h.set(Hdr.target, q.taskSubject[band]!);
      h.set(Hdr.due, String(Math.ceil(notBefore)));
      await this.#d.publisher.publish(q.delayedSubject, frame, h);
      return 0;
    }
    await this.#d.topology.tasks();
    let h: MsgHdrs | undefined;
    if (id !== undefined) {
      h = headers();
      h.set(Hdr.msgId, id);
    }
    await this.#d.publisher.publish(q.taskSubject[band]!, frame, h);
    return band;
  }

  /** Wakes idle subscribers of the queue so they pull a priority band (see subscription.ts). */
  ring(queue: string, band: number): void {
    const nc = this.#d.connector.current;
    if (nc === null) return;
    try {
      nc.publish(this.#d.names.queue(queue).bellSubject, String(band));
    } catch (err) {
      this.#d.logger.debug({ err }, 'bell not sent');
    }
  }

  subscribe(queue: string, onDelivery: (d: Delivery) => void, opts: SubscribeOptions = {}): Subscription {
    if (this.#closing !== null) throw new ClosedError('the NATS broker is closed');
    const ackWait = opts.visibilityTimeout ?? this.#d.visibilityTimeout;
    const d = this.#d;
    const onError = opts.onError;
    const onPoison = opts.onPoison;
    const sub: NatsSubscription = new NatsSubscription(
      {
        connector: d.connector,
        logger: d.logger,
        stream: d.names.tasksStream,
        maxDeliver: d.connector.tuning.maxDeliver,
        ensure: (force) => {
          if (force) d.topology.reset();
          return d.topology.queue(queue, ackWait);
        },
        ensureBand: (band) => d.topology.band(queue, band, ackWait),
        usedBands: () => d.topology.usedBands(queue),
        confirm: () => d.connector.confirm(),
        deadLetter: (qn, frame, reason, seq) => this.deadLetter(qn, frame, reason, seq),
        ring: (qn, band) => this.ring(qn, band),
        poisoned: async (qn, frame, reason, deliveryCount) => {
          try {
            await onPoison?.({ queue: qn, frame, reason, deliveryCount });
          } catch (err) {
            d.logger.error({ err, queue: qn }, 'the holder could not fail a poisoned message; dead-lettering it anyway');
          }
        },
      },
      queue,
      d.names.queue(queue),
      onDelivery,
      (err) => {
        this.#subs.delete(sub);
        onError?.(err);
      },
    );
    this.#subs.add(sub);
    // Workers are where delayed messages become due: every transport that consumes moves them.
    this.#mover ??= new DelayedMover(d.connector, d.topology, d.names, d.publisher, d.clock, d.logger, (bell, band) =>
      this.#ringSubject(bell, band),
    );
    return {
      request: (n) => sub.request(n),
      get credit() {
        return sub.credit;
      },
      close: () => {
        this.#subs.delete(sub);
        return sub.close();
      },
      health: () => sub.health(),
    };
  }

  #ringSubject(bellSubject: string, band: number): void {
    const nc = this.#d.connector.current;
    if (nc === null) return;
    try {
      nc.publish(bellSubject, String(band));
    } catch (err) {
      this.#d.logger.debug({ err }, 'bell not sent');
    }
  }

  /** Stores a frame in the dead-letter stream; `sourceSeq` makes a retried reject idempotent. */
  async deadLetter(queue: string, frame: Uint8Array, reason: string, sourceSeq: number): Promise<void> {
    await this.#d.topology.dlq();
    const h = headers();
    // The source sequence makes a retried reject of the same delivery idempotent.
    h.set(Hdr.msgId, `dlq:${this.#d.names.tasksStream}:${sourceSeq}`);
    h.set(Hdr.reason, oneLine(reason) || 'rejected');
    h.set(Hdr.queue, oneLine(queue));
    h.set(Hdr.at, String(this.#d.clock.now()));
    await this.#d.publisher.publish(this.#d.names.queue(queue).dlqSubject, frame, h);
  }

  async purge(queue: string): Promise<number> {
    await Promise.all([this.#d.topology.tasks(), this.#d.topology.delayed()]);
    return purgeQueue(await this.#d.connector.jsm(), this.#d.names, queue);
  }

  async size(queue: string): Promise<number> {
    await Promise.all([this.#d.topology.tasks(), this.#d.topology.delayed()]);
    return queueSize(await this.#d.connector.jsm(), this.#d.names, queue);
  }

  async deadLetters(queue?: string): Promise<DeadLetter[]> {
    await this.#d.topology.dlq();
    const [jsm, nc] = await Promise.all([this.#d.connector.jsm(), this.#d.connector.connection()]);
    return readDeadLetters(jsm, nc, this.#d.names, this.#d.connector.tuning.apiTimeout, queue);
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      const subs = [...this.#subs];
      this.#subs.clear();
      // Ended by the transport, not by their holders: each holder hears it through onError.
      await Promise.all(subs.map((s) => s.terminate(new ClosedError('the NATS transport closed'))));
      await this.#mover?.close();
    })();
    return this.#closing;
  }
}
