/**
 * Makes sure the streams and consumers exist before they are used, once per transport (each
 * `ensure` memoised; a failure is not memoised, so the next use tries again).
 *
 * A stream already made once and then forgotten (`noStream`, a publish found none) is re-made
 * in the background while publishing goes on: on a cluster that lost a server the
 * stream is usually back (new leader) before the JetStream API (meta leader) answers again,
 * and if the stream is really gone the publish's own 503 retries wait for the re-make.
 * `reset()` forgets everything, after consumers kept being missing.
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

export type StreamKey = 'tasks' | 'delayed' | 'dlq';

export class NatsTopology {
  readonly #connector: NatsConnector;
  readonly #names: NatsNames;
  readonly #replicas: number;
  readonly #logger: Logger;
  readonly #memo = new Map<string, Promise<void>>();
  readonly #known = new Set<string>();
  readonly #remaking = new Set<string>();

  constructor(connector: NatsConnector, names: NatsNames, replicas: number, logger: Logger) {
    this.#connector = connector;
    this.#names = names;
    this.#replicas = replicas;
    this.#logger = logger;
  }

  #once(key: string, make: () => Promise<void>): Promise<void> {
    const memo = this.#memo.get(key);
    if (memo !== undefined) return memo;
    if (this.#known.has(key)) {
      // Made before: go on at once, re-make in the background (one attempt at a time).
      const done = Promise.resolve();
      this.#memo.set(key, done);
      if (!this.#remaking.has(key)) {
        this.#remaking.add(key);
        make()
          .catch((err: unknown) => {
            this.#logger.debug({ err, key }, 're-making JetStream topology failed');
            if (this.#memo.get(key) === done) this.#memo.delete(key);
          })
          .finally(() => this.#remaking.delete(key));
      }
      return done;
    }
    const made = make().then(() => void this.#known.add(key));
    this.#memo.set(key, made);
    made.catch(() => {
      if (this.#memo.get(key) === made) this.#memo.delete(key);
    });
    return made;
  }

  /**
   * A publish to `subject` found no stream: forget that its stream exists and make it again
   * (in the background when it was made before, see above).
   */
  noStream(subject: string): void {
    const p = this.#names.prefix;
    const key: StreamKey | null = subject.startsWith(`${p}.task.`)
      ? 'tasks'
      : subject.startsWith(`${p}.delayed.`)
        ? 'delayed'
        : subject.startsWith(`${p}.dlq.`)
          ? 'dlq'
          : null;
    if (key === null) return;
    this.#memo.delete(key);
    this[key]().catch(() => undefined); // logged by #once
  }

  reset(): void {
    this.#memo.clear();
  }

  tasks(): Promise<void> {
    return this.#stream('tasks', tasksStreamConfig);
  }

  delayed(): Promise<void> {
    return this.#stream('delayed', delayedStreamConfig);
  }

  dlq(): Promise<void> {
    return this.#stream('dlq', dlqStreamConfig);
  }

  #stream(key: StreamKey, config: typeof tasksStreamConfig): Promise<void> {
    return this.#once(key, async () => {
      const jsm = await this.#connector.jsm();
      await ensureStream(jsm, config(this.#names, this.#replicas), this.#logger);
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
   * The queue's band-0 consumer (AckWait = `ackWait`). Band consumers are shared by every
   * worker of the queue (the last to start with another visibility timeout sets it). A
   * priority band gets its consumer only once it is used (`band`): most queues never see a
   * priority, and on a cluster every consumer is a Raft group.
   */
  queue(queue: string, ackWait: Millis): Promise<void> {
    return this.band(queue, 0, ackWait);
  }

  /** The priority bands (1-9) of the queue that hold messages now. */
  async usedBands(queue: string): Promise<number[]> {
    await this.tasks();
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
