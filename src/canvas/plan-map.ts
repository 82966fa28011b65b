/**
 * `celery.map` / `celery.starmap` run as ONE task each (the builtin calls the user's task for
 * every item in the same worker thread); `chunks` is a group of `celery.starmap` tasks. All
 * three are immutable: call-time args are ignored, as in Celery.
 */
import type { SignatureData } from '../protocol/task-message.ts';
import { expandChunks } from './shape.ts';
import type { Plan, Planner, PlanContext } from './plan-types.ts';
import type { SendOptions } from '../task/app-context.ts';

/** Published as a plain task whose kwargs are `{ task, it }`, as Celery sends it. */
export const planMap: Planner = (ctx: PlanContext, data: SignatureData, _callArgs: unknown[], options: SendOptions): Plan => {
  const { task, it } = data.kwargs;
  const plain: SignatureData = { task: data.task, args: [], kwargs: { task, it }, options: data.options, immutable: true };
  return ctx.plan(plain, [], options);
};

export const planChunks: Planner = (ctx, data, _callArgs, options) => ctx.plan(expandChunks(data), [], options);
