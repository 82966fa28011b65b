/**
 * Builds the backend record for a task's outcome or state change. As Celery's default meta
 * (without `result_extended`) it does not carry the task's arguments; it keeps the name, the
 * ids the canvas and `children()` read, and the worker that wrote it.
 */
import type { WireError } from '../errors.ts';
import type { ResultMeta, TaskState } from '../protocol/result-meta.ts';
import type { TaskMessage } from '../protocol/task-message.ts';

// Many results end within the same millisecond: their `dateDone` is one string, formatted once.
let lastMs = Number.NaN;
let lastIso = '';

function isoTime(ms: number): string {
  if (ms !== lastMs) {
    lastIso = new Date(ms).toISOString();
    lastMs = ms;
  }
  return lastIso;
}

export function buildMeta(
  msg: Pick<TaskMessage, 'id' | 'task' | 'parentId' | 'rootId' | 'groupId'>,
  state: TaskState,
  fields: { result?: unknown; error?: WireError; meta?: unknown; now: number; hostname: string; children?: string[] },
): ResultMeta {
  const ready = state === 'SUCCESS' || state === 'FAILURE' || state === 'REVOKED';
  const error = fields.error;
  const meta: ResultMeta = {
    taskId: msg.id,
    state,
    result: error ?? fields.result ?? null,
    traceback: error === undefined ? null : (error.traceback ?? error.stack ?? null),
    dateDone: ready ? isoTime(fields.now) : null,
    name: msg.task,
    parentId: msg.parentId,
    rootId: msg.rootId,
    groupId: msg.groupId,
    hostname: fields.hostname,
  };
  if (fields.meta !== undefined) meta.meta = fields.meta;
  if (fields.children !== undefined && fields.children.length > 0) meta.children = fields.children;
  return meta;
}
