/**
 * The mover of countdown/eta messages. They wait in the delayed stream, which no task consumer
 * reads, so they never count against a task consumer's MaxAckPending or a worker's prefetch
 * (Celery's issue #2481). Every consuming transport runs a mover; all share one durable
 * consumer, so each delayed message is with one mover at a time. A message not yet due is
 * nak'd with the time left (JetStream redelivers it then); a due one is published to its task
 * subject with its `Nats-Msg-Id` and acked only after JetStream stored it, so a move retried
 * (mover crash, lost ack) is stored once.
 */
import { headers, type Msg, type NatsConnection } from '@nats-io/transport-node';
import type { Clock } from '../../actors/clock.ts';
import type { Logger } from '../../log/logger.ts';
import type { NatsConnector } from './connection.ts';
import { bandOfSubject, type NatsNames } from './names.ts';
import type { JsPublisher } from './publisher.ts';
import { AckBody, nextSubject, parseAckSubject, PullRequest, type PullEnd } from './pull.ts';
import type { NatsTopology } from './topology.ts';

const BATCH = 256;
const LONG_POLL_MS = 5000;
const HEARTBEAT_MS = 1000;
const RETRY_MOVE_MS = 1000;

class MoverPullError extends Error {
  constructor(
    readonly end: PullEnd,
    detail: string,
  ) {
    super(`mover pull ended: ${end}${detail ? ` (${detail})` : ''}`);
  }
}

export class DelayedMover {
  readonly #connector: NatsConnector;
  readonly #topology: NatsTopology;
  readonly #names: NatsNames;
  readonly #publisher: JsPublisher;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #ring: (bellSubject: string, band: number) => void;
  #current: PullRequest | null = null;
  #closed = false;
  #reset = false;
  #wake: (() => void) | null = null;
  #closing: Promise<void> | null = null;
  readonly #offReconnect: () => void;
  readonly #loop: Promise<void>;

  constructor(
    connector: NatsConnector,
    topology: NatsTopology,
    names: NatsNames,
    publisher: JsPublisher,
    clock: Clock,
    logger: Logger,
    ring: (bellSubject: string, band: number) => void,
  ) {
    this.#connector = connector;
    this.#topology = topology;
    this.#names = names;
    this.#publisher = publisher;
    this.#clock = clock;
    this.#logger = logger;
    this.#ring = ring;
    this.#offReconnect = connector.onReconnect(() => {
      this.#reset = true;
      void this.#current?.cancel();
    });
    this.#loop = this.#run();
  }

  async #run(): Promise<void> {
    let failures = 0;
    let missing = 0;
    while (!this.#closed) {
      try {
        const nc = await this.#connector.connection();
        await this.#topology.mover();
        this.#reset = false;
        await this.#pullLoop(nc, () => (failures = missing = 0));
      } catch (err) {
        if (this.#closed) break;
        failures++;
        // As for task subscriptions: re-create only what keeps being missing (see subscription.ts).
        missing = err instanceof MoverPullError && err.end === 'no-responders' ? missing + 1 : 0;
        if (missing >= 3) this.#topology.reset();
        const wait = Math.min(5000, 100 * 2 ** Math.min(failures, 6));
        this.#logger.warn({ err, retryInMs: wait }, 'delayed-message mover failed; restarting it');
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, wait);
          t.unref();
          this.#wake = () => {
            clearTimeout(t);
            resolve();
          };
        });
        this.#wake = null;
      }
    }
  }

  async #pullLoop(nc: NatsConnection, progressed: () => void): Promise<void> {
    const subject = nextSubject(this.#names.delayedStream, this.#names.moverConsumer);
    while (!this.#closed && !this.#reset) {
      const req = new PullRequest(nc, subject, { batch: BATCH, expires: LONG_POLL_MS, heartbeat: HEARTBEAT_MS }, (m) =>
        this.#handle(m),
      );
      this.#current = req;
      const end = await req.done;
      this.#current = null;
      if (end === 'no-responders' || end === 'error' || end === 'stalled') {
        throw new MoverPullError(end, req.detail);
      }
      progressed();
    }
  }

  #handle(m: Msg): void {
    const h = m.headers;
    const target = h?.get('Celeriac-Target') ?? '';
    const due = Number(h?.get('Celeriac-Due'));
    if (target === '' || !Number.isFinite(due)) {
      this.#logger.error({ subject: m.subject }, 'delayed message without target or due time; dropping it');
      this.#respond(m, AckBody.term);
      return;
    }
    const left = due - this.#clock.now();
    if (left > 0) {
      this.#respond(m, AckBody.nakDelay(left));
      return;
    }
    const info = parseAckSubject(m.reply!);
    const out = headers();
    out.set('Nats-Msg-Id', h!.get('Nats-Msg-Id') || `delayed:${info.streamSeq}`);
    this.#publisher.publish(target, m.data, out).then(
      () => {
        this.#respond(m, AckBody.ack);
        const band = bandOfSubject(target);
        if (band > 0) this.#ring(this.#names.bellOfTaskSubject(target), band);
      },
      (err: unknown) => {
        this.#logger.warn({ err, target }, 'moving a due message failed; retrying');
        this.#respond(m, AckBody.nakDelay(RETRY_MOVE_MS));
      },
    );
  }

  #respond(m: Msg, body: Uint8Array): void {
    try {
      m.respond(body);
    } catch (err) {
      // Connection gone: the message stays pending and comes back after AckWait.
      this.#logger.debug({ err }, 'mover ack not sent');
    }
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#closed = true;
      this.#offReconnect();
      await this.#current?.cancel();
      this.#wake?.();
      await this.#loop;
    })();
    return this.#closing;
  }
}
