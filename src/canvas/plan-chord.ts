/**
 * A chord: the body and the chord id are frozen first; each header member carries
 * `chord: { id, body, size, index }`, so whichever worker finishes it joins the chord in the
 * result backend, and the one that completes the join publishes the body with the header's
 * results in order. An empty header calls the body with `[]` at once. Call-time args go to
 * the header members. The handle is the body's.
 */
import { uuid } from '../util/ids.ts';
import { freeze, setResultId } from './freeze.ts';
import { resultHandle } from './handles.ts';
import { chordBody, chordHeader, groupTasks, isTaskLike, reviveOptions } from './shape.ts';
import { planMember } from './plan-member.ts';
import { without, type Plan, type Planner } from './plan-types.ts';

export const planChord: Planner = (ctx, data, callArgs, options): Plan => {
  let body = chordBody(data);
  if (options.taskId !== undefined) body = setResultId(body, options.taskId);
  body = freeze(body);
  const header = chordHeader(data);
  const members = groupTasks(header);
  const common = without({ ...reviveOptions(data.options), ...options }, 'taskId', 'groupId', 'groupIndex');
  const result: Plan['result'] = (sent) => resultHandle(ctx.app, body, sent);
  if (members.length === 0) {
    const plan = ctx.plan(body, [[]], common);
    return { items: plan.items, result };
  }
  // The chord id (its join key): frozen already inside a chain; else the body's task id when
  // the body is one task, as in Celery (see freeze.ts).
  const frozenId = data.options.taskId;
  const id = typeof frozenId === 'string' ? frozenId : isTaskLike(body) ? (body.options.taskId as string) : uuid();
  const groupId = typeof header.options.taskId === 'string' ? header.options.taskId : uuid();
  const size = members.length;
  const plans = members.map((m, index) => planMember(ctx, m, callArgs, common, { groupId, index, chord: { id, body, size, index } }));
  return { items: plans.flatMap((p) => p.items), result };
};
