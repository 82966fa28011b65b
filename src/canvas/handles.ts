/**
 * The result handle of a frozen signature, built before anything runs: an AsyncResult for a
 * task (a chain's last step, a chord's body), a GroupResult (members in call order) for a group.
 */
import type { SignatureData } from '../protocol/task-message.ts';
import type { AppContext, SentTask } from '../task/app-context.ts';
import { AsyncResult } from '../result/async-result.ts';
import { GroupResult, type ResultLike } from '../result/group-result.ts';
import { ConfigError } from '../errors.ts';
import { SubtaskType, chainTasks, chordBody, continuation, groupTasks, isTaskLike, normaliseSteps, typeOf } from './shape.ts';

/** `sent`: what the producer said of the messages published now (their `ignored` flag). */
export function resultHandle(app: AppContext, d: SignatureData, sent?: ReadonlyMap<string, SentTask>): ResultLike {
  if (isTaskLike(d)) {
    const cont = continuation(d);
    if (cont.length > 0) return resultHandle(app, cont[0]!, sent);
    const id = d.options.taskId;
    if (typeof id !== 'string') throw new ConfigError(`signature '${d.task}' is not frozen (no task id)`);
    return new AsyncResult(id, app, { ignored: sent?.get(id)?.ignored ?? false });
  }
  switch (typeOf(d)) {
    case SubtaskType.group: {
      const id = d.options.taskId;
      if (typeof id !== 'string') throw new ConfigError('group is not frozen (no group id)');
      return new GroupResult<unknown, ResultLike>(id, groupTasks(d).map((m) => resultHandle(app, m, sent)), app);
    }
    case SubtaskType.chain: {
      const steps = normaliseSteps(chainTasks(d));
      if (steps.length === 0) throw new ConfigError('an empty chain has no result');
      return resultHandle(app, steps[steps.length - 1]!, sent);
    }
    case SubtaskType.chord:
      return resultHandle(app, chordBody(d), sent);
    default:
      throw new ConfigError(`no result handle for a '${typeOf(d)}' signature: freeze it first`);
  }
}
