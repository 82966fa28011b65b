/**
 * URL → Transport. `memory://…` opens the in-process hub; `nats://…` imports the NATS
 * transport only when asked for, so that an app on `memory://` never loads `@nats-io/*`.
 * A result backend on another URL than the broker's is opened on its own and composed in.
 */
import { ConfigError } from '../errors.ts';
import { Closeable, closeInTurn } from '../util/closeable.ts';
import { MemoryTransport } from './memory/transport.ts';
import type { Transport, TransportOptions, TransportStatus, Unsubscribe } from './types.ts';
import { type BrokerUrl, parseBrokerUrl } from './url.ts';

export { parseBrokerUrl } from './url.ts';
export type { BrokerScheme, BrokerUrl } from './url.ts';

export type OpenTransportOptions = TransportOptions;

/** The shape of `./nats/transport.ts`, imported only for a `nats://` URL. */
interface NatsTransportModule {
  openNatsTransport(urls: string[], opts: OpenTransportOptions): Promise<Transport>;
}

export async function openTransport(url: string, opts: OpenTransportOptions = {}): Promise<Transport> {
  const broker = parseBrokerUrl(url);
  const backendUrl = opts.backendUrl;
  const backend = backendUrl === undefined || backendUrl === 'disabled' ? undefined : parseBrokerUrl(backendUrl);
  if (backend === undefined || sameTarget(broker, backend)) {
    return openOne(url, broker, { ...opts, backendUrl: backendUrl === 'disabled' ? 'disabled' : undefined });
  }
  const main = await openOne(url, broker, { ...opts, backendUrl: 'disabled' });
  try {
    const results = await openOne(backendUrl as string, backend, { ...opts, backendUrl: undefined });
    return new ComposedTransport(main, results);
  } catch (err) {
    await main.close();
    throw err;
  }
}

async function openOne(url: string, parsed: BrokerUrl, opts: OpenTransportOptions): Promise<Transport> {
  if (parsed.scheme === 'memory') {
    return new MemoryTransport(url, {
      clock: opts.clock,
      logger: opts.logger,
      resultExpires: opts.resultExpires,
      visibilityTimeout: opts.visibilityTimeout,
      backend: opts.backendUrl !== 'disabled',
    });
  }
  const mod = await importNats();
  return mod.openNatsTransport(parsed.urls, opts);
}

async function importNats(): Promise<NatsTransportModule> {
  // Built at run time so that tsc neither resolves it nor rewrites it: the extension follows
  // this file's own (.ts from source under tsx, .js from dist/).
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  const specifier: string = new URL(`./nats/transport${ext}`, import.meta.url).href;
  let mod: Partial<NatsTransportModule>;
  try {
    mod = (await import(specifier)) as Partial<NatsTransportModule>;
  } catch (cause) {
    throw new ConfigError('the nats:// transport could not be loaded', { cause });
  }
  if (typeof mod.openNatsTransport !== 'function') {
    throw new ConfigError('the nats:// transport module has no openNatsTransport export');
  }
  return mod as NatsTransportModule;
}

function sameTarget(a: BrokerUrl, b: BrokerUrl): boolean {
  if (a.scheme !== b.scheme || a.name !== b.name) return false;
  return [...a.hosts].sort().join(',') === [...b.hosts].sort().join(',');
}

/** Broker, control and events from one transport; results from another. */
class ComposedTransport extends Closeable implements Transport {
  readonly url: string;
  readonly broker: Transport['broker'];
  readonly backend: Transport['backend'];
  readonly control: Transport['control'];
  readonly events: Transport['events'];

  constructor(
    readonly main: Transport,
    readonly results: Transport,
  ) {
    super();
    this.url = main.url;
    this.broker = main.broker;
    this.backend = results.backend;
    this.control = main.control;
    this.events = main.events;
  }

  onStatus(listener: (s: TransportStatus) => void): Unsubscribe {
    const a = this.main.onStatus(listener);
    const b = this.results.onStatus(listener);
    return () => {
      a();
      b();
    };
  }

  protected shutdown(): Promise<void> {
    // Each side reports its own close problems through its logger; close the other anyway.
    return closeInTurn([this.main, this.results]);
  }
}
