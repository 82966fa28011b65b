/**
 * A group: every member published in ONE batch, each carrying the group id and its index;
 * call-time args are prepended to every member (a partial group). The group's own options
 * (queue, countdown, link, ...) apply to every member.
 */
import { GroupResult, type ResultLike } from '../result/group-result.ts';
import { uuid } from '../util/ids.ts';
import { groupTasks, reviveOptions } from './shape.ts';
import { planMember } from './plan-member.ts';
import { without, type Plan, type Planner } from './plan-types.ts';

export const planGroup: Planner = (ctx, data, callArgs, options): Plan => {
  const groupId = options.taskId ?? (typeof data.options.taskId === 'string' ? data.options.taskId : uuid());
  const common = without({ ...reviveOptions(data.options), ...options }, 'taskId', 'groupId', 'groupIndex');
  const plans = groupTasks(data).map((member, index) => planMember(ctx, member, callArgs, common, { groupId, index }));
  return {
    items: plans.flatMap((p) => p.items),
    result: (sent) => new GroupResult<unknown, ResultLike>(groupId, plans.map((p) => p.result(sent) as ResultLike), ctx.app),
  };
};
