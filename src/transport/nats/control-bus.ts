/**
 * Remote control over core NATS request/reply: a request goes to `<prefix>.control`, every
 * worker's `serve()` answers it when addressed (the destination list travels in the request),
 * and replies gather on one inbox until the timeout or `limit` replies.
 *
 * Core NATS keeps nothing for late subscribers, so a worker whose subscription reached the
 * server a moment after the request would miss it; the request is therefore sent again at
 * 50 ms and 250 ms (within the timeout). Servers answer a request id once and the caller keeps
 * one reply per hostname, so the repeats are invisible.
 */
import { createInbox, type Subscription as CoreSubscription } from '@nats-io/transport-node';
import type { Logger } from '../../log/logger.ts';
import type { ControlReply, ControlRequest } from '../../protocol/control.ts';
import { msgpackCodec } from '../../serialization/codecs.ts';
import type { BroadcastOptions, ControlBus, ControlHandler, Unsubscribe } from '../types.ts';
import type { NatsConnector } from './connection.ts';
import { CoreSubscriptions } from './core-subscriptions.ts';
import { wrapNatsError } from './errors.ts';
import type { NatsNames } from './names.ts';

const RESEND_AT_MS = [50, 250];
const SEEN_IDS = 1000;

export class NatsControlBus implements ControlBus {
  readonly #connector: NatsConnector;
  readonly #names: NatsNames;
  readonly #logger: Logger;
  readonly #serving: CoreSubscriptions;
  #closed = false;

  constructor(connector: NatsConnector, names: NatsNames, logger: Logger) {
    this.#connector = connector;
    this.#names = names;
    this.#logger = logger;
    this.#serving = new CoreSubscriptions(connector);
  }

  async broadcast(req: ControlRequest, opts: BroadcastOptions): Promise<ControlReply[]> {
    const nc = await this.#connector.connection();
    const limit = opts.limit ?? opts.destination?.length ?? Number.POSITIVE_INFINITY;
    const destination = opts.destination ?? req.destination;
    const body = msgpackCodec.encode(destination !== undefined ? { ...req, destination } : { ...req, destination: null });
    const inbox = createInbox();
    const replies = new Map<string, ControlReply>();
    return new Promise<ControlReply[]>((resolve, reject) => {
      const timers: NodeJS.Timeout[] = [];
      let sub: CoreSubscription | undefined;
      let finished = false;
      const finish = (): void => {
        if (finished) return;
        finished = true;
        timers.forEach(clearTimeout);
        try {
          sub?.unsubscribe();
        } catch {
          // closed meanwhile
        }
        resolve([...replies.values()]);
      };
      try {
        sub = nc.subscribe(inbox, {
          callback: (_err, m) => {
            // With no worker listening, the server answers the request itself with an empty
            // "no responders" status message (503): not a reply, and nothing to warn about.
            if (m.data.length === 0) return;
            try {
              const r = msgpackCodec.decode(m.data) as ControlReply;
              if (typeof r?.hostname === 'string' && !replies.has(r.hostname)) replies.set(r.hostname, r);
            } catch (err) {
              this.#logger.warn({ err }, 'undecodable control reply');
            }
            if (replies.size >= limit) finish();
          },
        });
        const send = (): void => {
          try {
            nc.publish(this.#names.controlSubject, body, { reply: inbox });
          } catch (err) {
            this.#logger.debug({ err }, 'control request not sent');
          }
        };
        send();
        for (const at of RESEND_AT_MS) if (at < opts.timeout) timers.push(setTimeout(send, at));
        timers.push(setTimeout(finish, Math.max(0, opts.timeout)));
        timers.forEach((t) => t.unref());
      } catch (err) {
        timers.forEach(clearTimeout);
        reject(wrapNatsError(err, 'control broadcast'));
      }
    });
  }

  serve(hostname: string, handler: ControlHandler): Unsubscribe {
    const seen = new Set<string>();
    return this.#serving.add(
      this.#names.controlSubject,
      (_err, m) => {
        let req: ControlRequest;
        try {
          req = msgpackCodec.decode(m.data) as ControlRequest;
        } catch (err) {
          this.#logger.warn({ err }, 'undecodable control request');
          return;
        }
        if (req.destination !== undefined && req.destination !== null && !req.destination.includes(hostname)) return;
        if (seen.has(req.id)) return; // a resend
        seen.add(req.id);
        if (seen.size > SEEN_IDS) seen.delete(seen.values().next().value!);
        void this.#answer(hostname, handler, req, m.reply);
      },
      (err) => this.#logger.warn({ err, hostname }, 'cannot serve control: no connection'),
    );
  }

  async #answer(hostname: string, handler: ControlHandler, req: ControlRequest, reply: string | undefined): Promise<void> {
    let out: ControlReply;
    try {
      out = { hostname, ok: await handler(req) };
    } catch (err) {
      out = { hostname, error: err instanceof Error ? err.message : String(err) };
    }
    if (reply === undefined) return;
    const nc = this.#connector.current;
    if (nc === null) return;
    let body: Uint8Array;
    try {
      body = msgpackCodec.encode(out);
    } catch (err) {
      body = msgpackCodec.encode({ hostname, error: `reply not encodable: ${(err as Error).message}` });
    }
    try {
      nc.publish(reply, body);
    } catch (err) {
      this.#logger.debug({ err }, 'control reply not sent');
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#serving.close();
  }
}
