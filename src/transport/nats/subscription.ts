/**
 * A queue subscription driven by credit. Invariant: the messages all open pull requests may
 * still bring never exceed the credit, so the worker gets exactly its free slots and nothing
 * sits in a client buffer with its AckWait running (nats.js `consume()` would buffer 100).
 *
 * - A *pass* pulls with `no_wait`, band 9 down to band 0, each asking for the credit left, so
 *   the highest priority is served first. Bands 1-9 are skipped while known empty: a pass that
 *   found one empty marks it so, and a *bell* (a core message the publisher sends after storing
 *   a priority message), a nack, the end of an idle long poll or a 1 s refresh (redeliveries
 *   ring no bell) marks it again. Default-priority traffic thus costs one round trip per pass.
 *   A priority band's consumer is created when the band is first used (see topology.ts).
 * - When a pass finds nothing, the subscription *idles* on one long poll on band 0, where
 *   default-priority messages arrive, with all free credit; a bell cancels it for a new pass.
 * - Liveness: long polls carry server heartbeats and a watchdog; a stalled request, a
 *   reconnect or a missing consumer restarts the loop (consumers re-created), and is logged.
 */
import type { Msg, NatsConnection, Subscription as CoreSubscription } from '@nats-io/transport-node';
import { ClosedError } from '../../errors.ts';
import type { Logger } from '../../log/logger.ts';
import type { Delivery, Subscription, SubscriptionHealth } from '../types.ts';
import type { NatsConnector } from './connection.ts';
import { NatsDelivery, type DeliveryHost } from './delivery.ts';
import { BANDS, type QueueNames } from './names.ts';
import { AckBody, nextSubject, parseAckSubject, PullRequest, type PullEnd, type PullOptions } from './pull.ts';
import { PullHealth } from './pull-health.ts';
import { Waker } from './waker.ts';

const LONG_POLL_MS = 5000;
const HEARTBEAT_MS = 1000;
const REFRESH_MS = 1000;
/** How often a busy subscription asks the stream which priority bands hold messages. */
const DISCOVER_MS = 10_000;
const MAX_BACKOFF_MS = 5000;
/** A pull loop failing for longer than this reports the subscription unhealthy. */
const UNHEALTHY_AFTER_MS = 3000;
/** Silence (no pull round ended) for longer than this is unhealthy too: a long poll ends every 5 s. */
const SILENT_AFTER_MS = LONG_POLL_MS * 3;

export interface SubscriptionHost extends DeliveryHost {
  readonly connector: NatsConnector;
  readonly logger: Logger;
  readonly stream: string;
  readonly maxDeliver: number;
  /** Creates the stream and the band-0 consumer (`force`: again, even if made before). */
  ensure(force: boolean): Promise<void>;
  /** Creates the consumer of a priority band that just got used. */
  ensureBand(band: number): Promise<void>;
  /** The priority bands holding messages now (consumers or not). */
  usedBands(): Promise<number[]>;
  /** Tells the holder of a message about to be dead-lettered for `maxDeliver`; never rejects. */
  poisoned(queue: string, frame: Uint8Array, reason: string, deliveryCount: number): Promise<void>;
}

class PullFailure extends Error {
  constructor(
    readonly band: number,
    readonly end: PullEnd,
    detail: string,
  ) {
    super(`pull on band ${band} ended: ${end}${detail ? ` (${detail})` : ''}`);
  }
}

export class NatsSubscription implements Subscription {
  readonly #host: SubscriptionHost;
  readonly #queue: string;
  readonly #names: QueueNames;
  readonly #onDelivery: (d: Delivery) => void;
  readonly #onError: (err: Error) => void;
  readonly #next: string[];
  readonly #requests = new Set<PullRequest>();
  /** Band may hold messages (band 0 is always pulled). */
  readonly #maybe: boolean[] = new Array<boolean>(BANDS).fill(false);
  /** Band's consumer is known to exist. */
  readonly #ready: boolean[] = new Array<boolean>(BANDS).fill(false);
  #credit = 0;
  /** Bumped by every bell: a pass that saw it change looks again before idling. */
  #gen = 0;
  readonly #waker = new Waker();
  /** When to ask the stream which bands are used (a bell may have been lost). */
  #discoverAt = 0;
  #reset = false;
  #closed = false;
  readonly #health: PullHealth;
  #closing: Promise<void> | null = null;
  #bell: CoreSubscription | null = null;
  #bellConn: NatsConnection | null = null;
  readonly #refresh: NodeJS.Timeout;
  readonly #offReconnect: () => void;
  readonly #loop: Promise<void>;

  constructor(
    host: SubscriptionHost,
    queue: string,
    names: QueueNames,
    onDelivery: (d: Delivery) => void,
    onError: (err: Error) => void,
  ) {
    this.#host = host;
    this.#health = new PullHealth(queue, UNHEALTHY_AFTER_MS, SILENT_AFTER_MS);
    this.#onError = onError;
    this.#queue = queue;
    this.#names = names;
    this.#onDelivery = onDelivery;
    this.#next = names.consumer.map((c) => nextSubject(host.stream, c));
    this.#refresh = setInterval(() => this.#recheck(), REFRESH_MS);
    this.#refresh.unref();
    this.#offReconnect = host.connector.onReconnect(() => this.#restart('reconnected'));
    this.#loop = this.#run();
  }

  get credit(): number {
    return this.#credit;
  }

  request(n: number): void {
    if (this.#closed || !(n > 0)) return;
    this.#credit += Math.floor(n);
    this.#waker.poke('credit');
  }

  /** Credit not promised to an open pull request. */
  #free(): number {
    let out = 0;
    for (const r of this.#requests) out += r.outstanding;
    return this.#credit - out;
  }

  /** Bands with a consumer may hold redeliveries, which ring no bell: look again. */
  #recheck(): void {
    for (let b = 1; b < BANDS; b++) if (this.#ready[b]) this.#maybe[b] = true;
  }

  #restart(why: string): void {
    if (this.#closed) return;
    this.#host.logger.info({ queue: this.#queue, why }, 'restarting the pull loop');
    this.#reset = true;
    for (const r of this.#requests) void r.cancel();
    this.#waker.poke('any');
  }

  async #run(): Promise<void> {
    let failures = 0;
    let missing = 0;
    let force = false;
    while (!this.#closed) {
      try {
        const nc = await this.#host.connector.connection();
        this.#ensureBell(nc);
        this.#ready.fill(false);
        await this.#host.ensure(force);
        this.#ready[0] = true;
        this.#discoverAt = 0;
        this.#reset = false;
        force = false;
        await this.#serve(nc, () => {
          failures = missing = 0;
          this.#health.recovered();
        });
      } catch (err) {
        if (this.#closed) break;
        this.#health.failed(err);
        if (err instanceof ClosedError) {
          // The connection was closed under us: this subscription cannot continue.
          void this.terminate(err);
          break;
        }
        failures++;
        // Re-create the stream and consumers only when they keep being missing (503): on a
        // cluster a consumer is unreachable for a moment while it elects a new leader (the
        // JetStream API may time out meanwhile too), while a restarted server that lost its
        // store keeps answering 503. A stalled request is just restarted.
        missing = err instanceof PullFailure && err.end === 'no-responders' ? missing + 1 : 0;
        force = missing >= 3;
        const wait = Math.min(MAX_BACKOFF_MS, 100 * 2 ** Math.min(failures, 6));
        this.#host.logger.warn({ err, queue: this.#queue, retryInMs: wait }, 'pull loop failed; recreating it');
        await this.#waker.sleep('backoff', wait);
      }
    }
  }

  async #serve(nc: NatsConnection, progressed: () => void): Promise<void> {
    while (!this.#closed && !this.#reset) {
      if (this.#free() <= 0) {
        await this.#waker.sleep('credit');
        // Silence counts only while there was credit to pull with.
        this.#health.alive();
        continue;
      }
      if (Date.now() >= this.#discoverAt) await this.#discover();
      const gen = this.#gen;
      const got = await this.#pass(nc);
      progressed();
      if (got > 0 || this.#gen !== gen || this.#free() <= 0 || this.#reset) continue;
      // Idle: wait on band 0 with all free credit until a message, a bell or the expiry.
      const lp = this.#pull(nc, 0, { batch: this.#free(), expires: LONG_POLL_MS, heartbeat: HEARTBEAT_MS });
      const woken = this.#waker.sleep('bands');
      const end = await Promise.race([lp.done, woken.then(() => null)]);
      if (end === null) {
        await lp.cancel();
        continue;
      }
      this.#waker.clear();
      this.#recheck();
      if (end === 'expired' || end === 'complete' || end === 'empty') this.#health.alive();
      this.#discoverAt = 0;
      if (end === 'no-responders' || end === 'error' || end === 'stalled') throw new PullFailure(0, end, lp.detail);
    }
  }

  /** Asks the stream which priority bands hold messages; a failure only delays the next ask. */
  async #discover(): Promise<void> {
    try {
      this.#discoverAt = Date.now() + DISCOVER_MS;
      for (const b of await this.#host.usedBands()) this.#maybe[b] = true;
    } catch (err) {
      // The JetStream API may be electing a leader while the consumers already serve.
      this.#discoverAt = Date.now() + REFRESH_MS;
      this.#host.logger.debug({ err, queue: this.#queue }, 'cannot list used priority bands yet');
    }
  }

  /** One priority-ordered sweep; resolves with the number of messages received. */
  async #pass(nc: NatsConnection): Promise<number> {
    let got = 0;
    for (let band = BANDS - 1; band >= 0; band--) {
      if (this.#closed || this.#reset) break;
      if (band > 0 && !this.#maybe[band]) continue;
      const free = this.#free();
      if (free <= 0) break;
      this.#maybe[band] = false;
      if (!this.#ready[band]) {
        await this.#host.ensureBand(band);
        this.#ready[band] = true;
      }
      const req = this.#pull(nc, band, { batch: free, noWait: true, stallAfter: this.#host.connector.tuning.apiTimeout });
      const end = await req.done;
      got += req.received;
      if (end === 'complete' || end === 'cancelled') this.#maybe[band] = true;
      else if (end !== 'empty' && end !== 'expired') {
        this.#maybe[band] = true;
        if (end === 'no-responders') this.#ready[band] = false;
        throw new PullFailure(band, end, req.detail);
      }
    }
    return got;
  }

  #pull(nc: NatsConnection, band: number, opts: PullOptions): PullRequest {
    const req = new PullRequest(nc, this.#next[band]!, opts, (m) => this.#onMessage(m, band));
    this.#requests.add(req);
    void req.done.then(() => this.#requests.delete(req));
    return req;
  }

  #onMessage(msg: Msg, band: number): void {
    const info = parseAckSubject(msg.reply!);
    if (this.#closed || this.#credit <= 0) {
      // Only reachable in a race with close/cancel: hand it straight back.
      try {
        msg.respond(AckBody.nak);
      } catch {
        // connection gone: AckWait will hand it back
      }
      if (band > 0) this.#host.ring(this.#queue, band);
      return;
    }
    if (info.deliveryCount > this.#host.maxDeliver) {
      this.#deadLetterPoison(msg, info.deliveryCount, info.streamSeq);
      return;
    }
    this.#credit--;
    const d = new NatsDelivery(this.#host, msg, this.#queue, band, info);
    try {
      this.#onDelivery(d);
    } catch (err) {
      this.#host.logger.error({ err, queue: this.#queue }, 'delivery listener threw');
    }
  }

  #deadLetterPoison(msg: Msg, count: number, seq: number): void {
    const reason = `delivered ${count} times (maxDeliver ${this.#host.maxDeliver})`;
    this.#host.logger.warn({ queue: this.#queue, seq, count }, 'dead-lettering a message delivered too often');
    try {
      // A full AckWait for what follows, so it is not handed out again meanwhile.
      msg.respond(AckBody.working);
    } catch {
      // connection gone: AckWait hands it back, and this runs again
    }
    // Its task ends FAILURE before the message leaves: a crash in between hands the message
    // back to come here again, never leaves a task PENDING for ever.
    this.#host
      .poisoned(this.#queue, msg.data, reason, count)
      .then(() => this.#host.deadLetter(this.#queue, msg.data, reason, seq))
      .then(() => msg.respond(AckBody.term))
      .catch((err: unknown) => this.#host.logger.error({ err, queue: this.#queue }, 'could not dead-letter a message'));
  }

  #ensureBell(nc: NatsConnection): void {
    if (this.#bell !== null && this.#bellConn === nc && !this.#bell.isClosed()) return;
    this.#bellConn = nc;
    this.#bell = nc.subscribe(this.#names.bellSubject, {
      callback: (_err, m) => {
        const band = Number(new TextDecoder().decode(m.data));
        if (!Number.isInteger(band) || band < 1 || band >= BANDS) return;
        this.#maybe[band] = true;
        this.#gen++;
        this.#waker.poke('bands');
      },
    });
  }

  /** See pull-health.ts. */
  health(): SubscriptionHealth {
    return this.#health.report(!this.#closed && this.#free() > 0);
  }

  /** Stopped by its holder. */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  /** Ended on its own (transport or connection closed): tells the holder through onError. */
  terminate(err: Error): Promise<void> {
    if (this.#closing !== null) return this.#closing;
    const closing = this.close();
    try {
      this.#onError(err);
    } catch (e) {
      this.#host.logger.error({ err: e }, 'subscription onError listener threw');
    }
    return closing;
  }

  async #close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#refresh);
    this.#offReconnect();
    await Promise.all([...this.#requests].map((r) => r.cancel()));
    this.#waker.poke('any');
    await this.#loop;
    try {
      this.#bell?.unsubscribe();
    } catch {
      // connection already closed
    }
  }
}
