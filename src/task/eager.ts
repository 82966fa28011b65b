/**
 * Running a task in this process: `run()` calls the function directly; `apply()` traces it with
 * task semantics and, like Celery's eager mode, runs retries again at once (no countdown).
 */
import type { ExecOutcome, ExecRequest, TaskRequestInfo } from '../protocol/execution.ts';
import type { AppContext } from './app-context.ts';
import type { ApplyOptions } from './options.ts';
import type { TaskDefinition } from './registry.ts';
import { TaskContext } from './context.ts';
import { traceTask } from './trace.ts';
import { uuid } from '../util/ids.ts';
import { hostname } from 'node:os';

/** Eager retries stop here even when a task allows unlimited retries. */
const EAGER_RETRY_CAP = 100;

function requestInfo(def: TaskDefinition, id: string, args: unknown[], retries: number): TaskRequestInfo {
  return {
    id,
    task: def.name,
    args,
    kwargs: {},
    retries,
    hostname: `eager@${hostname()}`,
    queue: def.options.queue ?? 'eager',
    eta: null,
    expires: null,
    parentId: null,
    rootId: id,
    groupId: null,
    redelivered: false,
  };
}

export function runEager(
  def: TaskDefinition,
  args: unknown[],
  opts: { app: AppContext; id?: string; options?: ApplyOptions },
): { direct(): unknown; traced(): Promise<ExecOutcome> } {
  const id = opts.id ?? uuid();
  return {
    direct() {
      const fn = def.fn as (...a: unknown[]) => unknown;
      if (def.options.bind !== true) return fn(...args);
      const ctx = new TaskContext(requestInfo(def, id, args, 0), { sink: () => {} });
      return fn(ctx, ...args);
    },
    async traced() {
      let outcome: ExecOutcome;
      let retries = 0;
      for (;;) {
        const exec: ExecRequest = {
          request: requestInfo(def, id, args, retries),
          softTimeLimit: opts.options?.softTimeLimit ?? def.options.softTimeLimit ?? null,
          timeLimit: null,
          trackStarted: false,
        };
        outcome = await traceTask(def, exec, { sink: () => {} });
        if (outcome.status !== 'retry' || retries >= EAGER_RETRY_CAP) break;
        retries += 1;
      }
      return outcome;
    },
  };
}
