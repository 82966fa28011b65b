/**
 * Makes sure the streams and consumers exist before they are used, once per transport (each
 * `ensure` memoised; a failure is not memoised, so the next use tries again). `reset()` forgets
 * everything, for after a reconnect to a server that may have lost its store, or a publish
 * that found no stream.
 */
import type { Logger } from '../../log/logger.ts';
import type { Millis } from '../../util/time.ts';
import type { NatsConnector } from './connection.ts';
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
   * The ten band consumers of a queue, with AckWait = `ackWait`. Consumers are shared by every
   * worker of the queue: the last one to start with another visibility timeout sets it.
   */
  queue(queue: string, ackWait: Millis): Promise<void> {
    return this.#once(`queue:${queue}:${ackWait}`, async () => {
      await this.tasks();
      const jsm = await this.#connector.jsm();
      const q = this.#names.queue(queue);
      const jobs: Promise<void>[] = [];
      for (let b = 0; b < BANDS; b++) {
        jobs.push(ensureConsumer(jsm, this.#names.tasksStream, bandConsumerConfig(q.consumer[b]!, q.taskSubject[b]!, ackWait)));
      }
      await Promise.all(jobs);
    });
  }
}
