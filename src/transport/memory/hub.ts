/**
 * The process-wide registry of in-process "servers". `memory://` is the default hub and
 * `memory://<name>` a separate one; every transport opened on the same URL in this process
 * leases the same hub, so several apps share queues, results, control and events, as they
 * would on one NATS server. A hub is closed and dropped when its last lease is released; the
 * next open starts a fresh one.
 *
 * The table hangs off `globalThis` under a registered symbol, so that two copies of celeriac
 * loaded in one process (a `dist/` and a `src/` import) still meet on the same hub.
 */
import type { Clock } from '../../actors/clock.ts';
import { systemClock } from '../../actors/clock.ts';
import type { Logger } from '../../log/logger.ts';
import { Closeable, closeInTurn } from '../../util/closeable.ts';
import type { Millis } from '../../util/time.ts';
import { MemoryBroker } from './broker.ts';
import { MemoryControlBus } from './control-bus.ts';
import { MemoryEventBus } from './event-bus.ts';
import { MemoryResultBackend } from './result-backend.ts';

export interface MemoryHubOptions {
  clock?: Clock;
  logger?: Logger;
  /** Result time to live, ms; `null` keeps results for ever. @default 86_400_000 */
  resultExpires?: Millis | null;
  /** Default visibility timeout of deliveries, ms. @default 1_800_000 */
  visibilityTimeout?: Millis;
}

/** One in-process "server": the four shared parts. */
export class MemoryHub extends Closeable {
  readonly broker: MemoryBroker;
  readonly backend: MemoryResultBackend;
  readonly control: MemoryControlBus;
  readonly events: MemoryEventBus;

  constructor(
    readonly name: string,
    opts: MemoryHubOptions = {},
  ) {
    super();
    const clock = opts.clock ?? systemClock;
    const logger = opts.logger?.child({ hub: name === '' ? 'memory://' : `memory://${name}` });
    this.broker = new MemoryBroker({ clock, logger, visibilityTimeout: opts.visibilityTimeout });
    this.backend = new MemoryResultBackend({ clock, logger, resultExpires: opts.resultExpires });
    this.control = new MemoryControlBus({ clock, logger });
    this.events = new MemoryEventBus({ logger });
  }

  protected shutdown(): Promise<void> {
    // Reverse of construction. The parts' close() only clears in-memory state: nothing to report.
    return closeInTurn([this.events, this.control, this.backend, this.broker]);
  }
}

export interface HubLease {
  readonly hub: MemoryHub;
  /** Gives the lease back; the last one closes the hub. Idempotent. */
  release(): Promise<void>;
}

interface Registered {
  hub: MemoryHub;
  refs: number;
}

const KEY = Symbol.for('celeriac.memory-hubs.v1');
type Global = { [KEY]?: Map<string, Registered> };

function registry(): Map<string, Registered> {
  const g = globalThis as Global;
  return (g[KEY] ??= new Map());
}

/**
 * Leases hub `name`, creating it with `opts` if nobody holds it. Options only shape a new
 * hub: later leases share the hub as its first user configured it.
 */
export function acquireHub(name: string, opts: MemoryHubOptions = {}): HubLease {
  const table = registry();
  let entry = table.get(name);
  if (entry === undefined) {
    entry = { hub: new MemoryHub(name, opts), refs: 0 };
    table.set(name, entry);
  }
  entry.refs++;
  const held = entry;
  let released: Promise<void> | undefined;
  return {
    hub: held.hub,
    release() {
      released ??= releaseEntry(name, held);
      return released;
    },
  };
}

async function releaseEntry(name: string, entry: Registered): Promise<void> {
  entry.refs--;
  if (entry.refs > 0) return;
  const table = registry();
  // Drop it from the table at once, so an open racing with this close gets a fresh hub.
  if (table.get(name) === entry) table.delete(name);
  await entry.hub.close();
}

/** Leases currently held on hub `name` (0 when it does not exist). */
export function hubRefCount(name: string): number {
  return registry().get(name)?.refs ?? 0;
}
