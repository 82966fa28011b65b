/** A complete TaskMessage from the few fields a producer knows, with Celery's defaults. */
import { hostname } from 'node:os';
import { uuid } from '../util/ids.ts';
import type { TaskMessage } from './task-message.ts';

/** The fields a caller may give; only `task` is required. */
export type NewTaskMessage = Partial<TaskMessage> & Pick<TaskMessage, 'task'>;

let origin: string | undefined;

/** Celery's `anon_nodename()`: `gen<pid>@<hostname>`, computed once. */
export function defaultOrigin(): string {
  origin ??= `gen${process.pid}@${hostname()}`;
  return origin;
}

/** Fills every absent field: a fresh uuid `id`, `rootId` = `id`, no parent or group, 0 retries, ... */
export function newTaskMessage(partial: NewTaskMessage): TaskMessage {
  const id = partial.id ?? uuid();
  return {
    id,
    task: partial.task,
    args: partial.args ?? [],
    kwargs: partial.kwargs ?? {},
    rootId: partial.rootId ?? id,
    parentId: partial.parentId ?? null,
    groupId: partial.groupId ?? null,
    groupIndex: partial.groupIndex ?? null,
    retries: partial.retries ?? 0,
    eta: partial.eta ?? null,
    expires: partial.expires ?? null,
    timeLimit: partial.timeLimit ?? [null, null],
    ignoreResult: partial.ignoreResult ?? false,
    origin: partial.origin ?? defaultOrigin(),
    priority: partial.priority ?? 0,
    headers: partial.headers ?? {},
    callbacks: partial.callbacks ?? [],
    errbacks: partial.errbacks ?? [],
    chain: partial.chain ?? [],
    chord: partial.chord ?? null,
    options: partial.options ?? {},
    replyTo: partial.replyTo ?? null,
  };
}
