/**
 * What the task, result and canvas layers need from an app, without importing `app/` (a lower
 * layer never imports a higher one). `Celeriac` implements it.
 */
import type { Logger } from '../log/logger.ts';
import type { ResultBackend, Transport } from '../transport/types.ts';
import type { ChordRef, SignatureData } from '../protocol/task-message.ts';
import type { ApplyOptions } from './options.ts';
import type { TaskDefinition } from './registry.ts';
import type { Clock } from '../actors/clock.ts';

/** Everything a publish may carry beyond the public ApplyOptions (canvas ids and embeds). */
export interface SendOptions extends ApplyOptions {
  kwargs?: Record<string, unknown>;
  parentId?: string | null;
  rootId?: string | null;
  groupId?: string | null;
  groupIndex?: number | null;
  retries?: number;
  chain?: SignatureData[];
  chord?: ChordRef | null;
  /** The message's reply route: kept by a retry, `null` for none; by default the backend's own. */
  replyTo?: string | null;
}

export interface SentTask {
  id: string;
  /** The call asked for no result to be stored (ignoreResult). */
  ignored: boolean;
}

export interface AppContext {
  readonly name: string;
  readonly logger: Logger;
  readonly clock: Clock;
  /** Publishes one task message; resolves once the broker accepted it. */
  send(taskName: string, args: unknown[], options: SendOptions): Promise<SentTask>;
  /** Publishes many at once (a group): one window, confirmed together. */
  sendMany(items: { taskName: string; args: unknown[]; options: SendOptions }[]): Promise<SentTask[]>;
  /** The open transport (opened on first use). */
  transport(): Promise<Transport>;
  /** The result backend, or null when results are disabled. */
  backend(): Promise<ResultBackend | null>;
  /** `backend()` without waiting, once the transport is open; undefined before. */
  openBackend?(): ResultBackend | null | undefined;
  lookup(taskName: string): TaskDefinition | undefined;
  /** Tells every worker to revoke these tasks (and to stop them when `terminate`). */
  revoke(taskIds: string[], opts?: { terminate?: boolean }): Promise<void>;
}
