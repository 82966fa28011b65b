/**
 * The result backend's watchers: per key, a short list in subscription order; per transport
 * view, a group that its close() drops at once. Both are intrusive linked lists, so watching
 * allocates one record and one unsubscribe function (a `get()` on a running task watches its
 * key: this is on the path of every such call).
 */
import type { ResultMeta } from '../../protocol/result-meta.ts';
import type { Unsubscribe } from '../types.ts';

export interface Watcher {
  readonly key: string;
  readonly fn: (meta: ResultMeta) => void;
  active: boolean;
  /** The next watcher of the same key. */
  next: Watcher | null;
  readonly group: WatchGroup | null;
  groupPrev: Watcher | null;
  groupNext: Watcher | null;
}

/** The watchers registered through one view of the backend (see scoped.ts). */
export class WatchGroup {
  head: Watcher | null = null;
}

export class WatcherTable {
  readonly #byKey = new Map<string, Watcher>();

  add(key: string, fn: (meta: ResultMeta) => void, group: WatchGroup | null): Unsubscribe {
    const w: Watcher = { key, fn, active: true, next: null, group, groupPrev: null, groupNext: null };
    const first = this.#byKey.get(key);
    if (first === undefined) {
      this.#byKey.set(key, w);
    } else {
      let last = first;
      while (last.next !== null) last = last.next;
      last.next = w;
    }
    if (group !== null) {
      w.groupNext = group.head;
      if (group.head !== null) group.head.groupPrev = w;
      group.head = w;
    }
    return () => this.remove(w);
  }

  /** The first watcher of `key` (follow `next`), or undefined. */
  first(key: string): Watcher | undefined {
    return this.#byKey.get(key);
  }

  remove(w: Watcher): void {
    if (w.active) {
      w.active = false;
      const first = this.#byKey.get(w.key);
      if (first === w) {
        if (w.next === null) this.#byKey.delete(w.key);
        else this.#byKey.set(w.key, w.next);
      } else if (first !== undefined) {
        let prev = first;
        while (prev.next !== null && prev.next !== w) prev = prev.next;
        if (prev.next === w) prev.next = w.next;
      }
    }
    // Unlinked from its group even when already inactive (after clear()).
    const g = w.group;
    if (g !== null) {
      if (w.groupPrev !== null) w.groupPrev.groupNext = w.groupNext;
      else if (g.head === w) g.head = w.groupNext;
      if (w.groupNext !== null) w.groupNext.groupPrev = w.groupPrev;
      w.groupPrev = w.groupNext = null;
    }
  }

  /** Drops every watcher of `group`. */
  removeGroup(group: WatchGroup): void {
    while (group.head !== null) this.remove(group.head);
  }

  /** Drops every watcher. */
  clear(): void {
    for (const first of this.#byKey.values()) {
      for (let w: Watcher | null = first; w !== null; w = w.next) w.active = false;
    }
    this.#byKey.clear();
  }
}
