/** Builds the backend record for a task's outcome or state change. */
import type { WireError } from '../errors.ts';
import type { ResultMeta, TaskState } from '../protocol/result-meta.ts';
import type { TaskMessage } from '../protocol/task-message.ts';

export function buildMeta(
  msg: TaskMessage,
  state: TaskState,
  fields: { result?: unknown; error?: WireError; meta?: unknown; now: number; hostname: string; children?: string[] },
): ResultMeta {
  const ready = state === 'SUCCESS' || state === 'FAILURE' || state === 'REVOKED';
  const meta: ResultMeta = {
    taskId: msg.id,
    state,
    result: fields.error ?? fields.result ?? null,
    traceback: fields.error === undefined ? null : (fields.error.traceback ?? fields.error.stack ?? null),
    dateDone: ready ? new Date(fields.now).toISOString() : null,
    name: msg.task,
    args: msg.args,
    parentId: msg.parentId,
    rootId: msg.rootId,
    groupId: msg.groupId,
    hostname: fields.hostname,
  };
  if (fields.meta !== undefined) meta.meta = fields.meta;
  if (fields.children !== undefined && fields.children.length > 0) meta.children = fields.children;
  return meta;
}
