/**
 * A chord: the body and every id are frozen first; each header member carries
 * `chord: { id, body, size, index }`, so whichever worker finishes it joins the chord in the
 * result backend, and the one that completes the join publishes the body with the header's
 * results in order. An empty header calls the body with `[]` at once. Call-time args go to
 * the header members. The handle is the body's.
 */
import { attachChord, attachGroup, freeze, setResultId } from './freeze.ts';
import { resultHandle } from './handles.ts';
import { chordBody, chordHeader, groupTasks, reviveOptions } from './shape.ts';
import { without, type Plan, type Planner } from './plan-types.ts';

export const planChord: Planner = (ctx, data, callArgs, options): Plan => {
  let chord = data;
  if (options.taskId !== undefined) chord = { ...chord, kwargs: { ...chord.kwargs, body: setResultId(chordBody(chord), options.taskId) } };
  chord = freeze(chord);
  const body = chordBody(chord);
  const header = chordHeader(chord);
  const members = groupTasks(header);
  const common = without({ ...reviveOptions(data.options), ...options }, 'taskId', 'groupId', 'groupIndex');
  const result: Plan['result'] = (sent) => resultHandle(ctx.app, body, sent);
  if (members.length === 0) {
    const plan = ctx.plan(body, [[]], common);
    return { items: plan.items, result };
  }
  const id = chord.options.taskId as string;
  const gid = header.options.taskId as string;
  const size = members.length;
  const plans = members.map((m, index) =>
    ctx.plan(attachGroup(attachChord(m, { id, body, size, index }), gid, index), callArgs, common),
  );
  return { items: plans.flatMap((p) => p.items), result };
};
