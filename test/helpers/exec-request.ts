/** ExecRequests for pool and tracer tests: a task name, its args, and any field to override. */
import type { ExecRequest, TaskRequestInfo } from '../../src/protocol/execution.ts';
import { uuid } from '../../src/util/ids.ts';

export function execRequest(
  task: string,
  args: unknown[] = [],
  over: Partial<Omit<ExecRequest, 'request'>> & { request?: Partial<TaskRequestInfo> } = {},
): ExecRequest {
  const { request, ...rest } = over;
  const id = request?.id ?? uuid();
  return {
    request: {
      id,
      task,
      args,
      kwargs: {},
      retries: 0,
      hostname: 'celery@test',
      queue: 'celery',
      eta: null,
      expires: null,
      parentId: null,
      rootId: id,
      groupId: null,
      redelivered: false,
      ...request,
    },
    softTimeLimit: null,
    timeLimit: null,
    trackStarted: false,
    ...rest,
  };
}
