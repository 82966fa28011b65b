/**
 * Makes sure the streams and consumers exist before they are used, once per transport (each
 * `ensure` memoised; a failure is not memoised, so the next use tries again). `reset()` forgets
 * everything, for after a reconnect to a server that may have lost its store, or a publish
 * that found no stream.
 */
import type { Logger } from '../../log/logger.ts';
import type { Millis } from '../../util/time.ts';
import type { NatsConnector } from './connection.ts';
import { wrapNatsError } from './errors.ts';
import { BANDS, type NatsNames } from './names.ts';
import {
  bandConsumerConfig,
  delayedStreamConfig,
  dlqStreamConfig,
  ensureConsumer,
  ensureStream,
  moverConsumerConfig,
  tasksStreamConfig,
} from './streams.ts';

export class NatsTopology {
  readonly #connector: NatsConnector;
  readonly #names: NatsNames;
  readonly #replicas: number;
  readonly #logger: Logger;
  readonly #memo = new Map<string, Promise<void>>();

  constructor(connector: NatsConnector, names: NatsNames, replicas: number, logger: Logger) {
    this.#connector = connector;
    this.#names = names;
    this.#replicas = replicas;
    this.#logger = logger;
  }

  #once(key: string, make: () => Promise<void>): Promise<void> {
    let p = this.#memo.get(key);
    if (p === undefined) {
      p = make();
      this.#memo.set(key, p);
      p.catch(() => {
        if (this.#memo.get(key) === p) this.#memo.delete(key);
      });
    }
    return p;
  }

  reset(): void {
    this.#memo.clear();
  }

  tasks(): Promise<void> {
    return this.#once('tasks', async () => {
      const jsm = await this.#connector.jsm();
      await ensureStream(jsm, tasksStreamConfig(this.#names, this.#replicas), this.#logger);
    });
  }

  delayed(): Promise<void> {
    return this.#once('delayed', async () => {
      const jsm = await this.#connector.jsm();
      await ensureStream(jsm, delayedStreamConfig(this.#names, this.#replicas), this.#logger);
    });
  }

  dlq(): Promise<void> {
    return this.#once('dlq', async () => {
      const jsm = await this.#connector.jsm();
      await ensureStream(jsm, dlqStreamConfig(this.#names, this.#replicas), this.#logger);
    });
  }

  /** The delayed stream and the mover's durable consumer (and the task stream it moves to). */
  mover(): Promise<void> {
    return this.#once('mover', async () => {
      await Promise.all([this.delayed(), this.tasks()]);
      const jsm = await this.#connector.jsm();
      await ensureConsumer(jsm, this.#names.delayedStream, moverConsumerConfig(this.#names));
    });
  }

  /**
   * The queue's band-0 consumer (AckWait = `ackWait`), plus the consumers of the priority bands
   * that hold messages now; resolves with those bands. Band consumers are shared by every
   * worker of the queue (the last to start with another visibility timeout sets it), and a
   * priority band gets its consumer only once it is used: most queues never see a priority,
   * and on a cluster every consumer is a Raft group.
   */
  async queue(queue: string, ackWait: Millis): Promise<number[]> {
    await this.band(queue, 0, ackWait);
    const jsm = await this.#connector.jsm();
    const q = this.#names.queue(queue);
    let counts: Record<string, number>;
    try {
      const info = await jsm.streams.info(this.#names.tasksStream, { subjects_filter: q.taskFilter });
      counts = info.state.subjects ?? {};
    } catch (err) {
      throw wrapNatsError(err, `reading stream ${this.#names.tasksStream}`);
    }
    const used: number[] = [];
    for (let b = 1; b < BANDS; b++) if ((counts[q.taskSubject[b]!] ?? 0) > 0) used.push(b);
    await Promise.all(used.map((b) => this.band(queue, b, ackWait)));
    return used;
  }

  /** One band's durable consumer, created or updated to `ackWait`. */
  band(queue: string, band: number, ackWait: Millis): Promise<void> {
    return this.#once(`band:${queue}:${band}:${ackWait}`, async () => {
      await this.tasks();
      const jsm = await this.#connector.jsm();
      const q = this.#names.queue(queue);
      await ensureConsumer(jsm, this.#names.tasksStream, bandConsumerConfig(q.consumer[band]!, q.taskSubject[band]!, ackWait));
    });
  }
}
