/**
 * The in-process event bus behind `memory://`: fire-and-forget, delivered in publish order on
 * a microtask (never inside `publish()`), to the listeners whose pattern matches the event's
 * type. The matching listeners of each type are cached until a listener comes or goes.
 */
import { ClosedError } from '../../errors.ts';
import type { Logger } from '../../log/logger.ts';
import type { CeleriacEvent } from '../../protocol/events.ts';
import { Closeable } from '../../util/closeable.ts';
import { Deque } from '../../util/deque.ts';
import { globToRegExp, isGlob } from '../../util/glob.ts';
import type { EventBus, Unsubscribe } from '../types.ts';

export interface MemoryEventBusOptions {
  logger?: Logger;
}

interface Listener {
  readonly pattern: string;
  readonly matches: (type: string) => boolean;
  readonly fn: (event: CeleriacEvent) => void;
  active: boolean;
}

/** `'*'`, an exact event type, or a glob such as `'task-*'`. */
export function eventMatcher(pattern: string): (type: string) => boolean {
  if (pattern === '*') return () => true;
  if (isGlob(pattern)) {
    const re = globToRegExp(pattern);
    return (type) => re.test(type);
  }
  return (type) => type === pattern;
}

export class MemoryEventBus extends Closeable implements EventBus {
  readonly #log: Logger | undefined;
  #listeners: Listener[] = [];
  readonly #byType = new Map<string, Listener[]>();
  readonly #pendingListeners = new Deque<Listener>();
  readonly #pendingEvents = new Deque<CeleriacEvent>();
  #scheduled = false;
  readonly #run = (): void => this.#deliver();
  #closed = false;

  constructor(opts: MemoryEventBusOptions = {}) {
    super();
    this.#log = opts.logger;
  }

  publish(event: CeleriacEvent): void {
    if (this.#closed) return;
    const listeners = this.#matching(event.type);
    if (listeners.length === 0) return;
    let copy: CeleriacEvent;
    try {
      // One copy shared by this event's listeners, as if it crossed the wire: the publisher
      // may reuse its object.
      copy = structuredClone(event);
    } catch (err) {
      this.#log?.warn({ err, type: event.type }, 'event not cloneable, dropped');
      return;
    }
    for (const l of listeners) {
      this.#pendingListeners.push(l);
      this.#pendingEvents.push(copy);
    }
    if (!this.#scheduled) {
      this.#scheduled = true;
      queueMicrotask(this.#run);
    }
  }

  subscribe(pattern: string, listener: (event: CeleriacEvent) => void): Unsubscribe {
    if (this.#closed) throw new ClosedError('memory event bus is closed');
    const l: Listener = { pattern, matches: eventMatcher(pattern), fn: listener, active: true };
    this.#listeners = [...this.#listeners, l];
    this.#byType.clear();
    return () => {
      if (!l.active) return;
      l.active = false;
      this.#listeners = this.#listeners.filter((x) => x !== l);
      this.#byType.clear();
    };
  }

  /** Number of listeners (inspection and tests). */
  get listenerCount(): number {
    return this.#listeners.length;
  }

  protected async shutdown(): Promise<void> {
    this.#closed = true;
    for (const l of this.#listeners) l.active = false;
    this.#listeners = [];
    this.#byType.clear();
    this.#pendingListeners.clear();
    this.#pendingEvents.clear();
  }

  #matching(type: string): Listener[] {
    let list = this.#byType.get(type);
    if (list === undefined) {
      list = this.#listeners.filter((l) => l.matches(type));
      this.#byType.set(type, list);
    }
    return list;
  }

  #deliver(): void {
    this.#scheduled = false;
    while (this.#pendingListeners.length > 0) {
      const l = this.#pendingListeners.shift() as Listener;
      const event = this.#pendingEvents.shift() as CeleriacEvent;
      if (!l.active) continue;
      try {
        l.fn(event);
      } catch (err) {
        // A listener's bug must never break the bus or the publisher.
        this.#log?.error({ err, type: event.type, pattern: l.pattern }, 'event listener threw');
      }
    }
  }
}
