/**
 * A chain: every step's id is assigned up front; the first step is published carrying the
 * rest (reversed, as Celery stores them), and whichever worker finishes a step publishes the
 * next with the result prepended. Call-time args go to the FIRST step (a partial chain). The
 * handle is the last step's, so `get()` gives the chain's result.
 */
import { ConfigError } from '../errors.ts';
import { attachChain, freeze, setResultId } from './freeze.ts';
import { resultHandle } from './handles.ts';
import { chainTasks, normaliseSteps, reviveOptions } from './shape.ts';
import { without, type Plan, type Planner } from './plan-types.ts';

export const planChain: Planner = (ctx, data, callArgs, options): Plan => {
  let steps = normaliseSteps(chainTasks(data));
  if (steps.length === 0) throw Object.assign(new ConfigError('cannot apply an empty chain'), { key: 'tasks' });
  // `taskId` of a chain call names its result, which is the last step's.
  const named = options.taskId ?? (typeof data.options.taskId === 'string' ? data.options.taskId : undefined);
  if (named !== undefined) steps = [...steps.slice(0, -1), setResultId(steps[steps.length - 1]!, named)];
  steps = steps.map(freeze);
  const entry = attachChain(steps[0]!, steps.slice(1).reverse());
  // The chain's own options (and the call's) apply to its first message, as in Celery.
  const plan = ctx.plan(entry, callArgs, without({ ...reviveOptions(data.options), ...options }, 'taskId'));
  const last = steps[steps.length - 1]!;
  return { items: plan.items, result: (sent) => resultHandle(ctx.app, last, sent) };
};
