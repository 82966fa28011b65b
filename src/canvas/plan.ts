/**
 * Plans any signature by its `subtask_type`. Before a canvas primitive is planned, what the
 * caller says about where its result goes (the rest of a chain, a chord, a group) is written
 * into it, so every primitive nests inside every other.
 */
import { ConfigError } from '../errors.ts';
import type { SignatureData } from '../protocol/task-message.ts';
import type { AppContext, SendOptions } from '../task/app-context.ts';
import { AsyncResult } from '../result/async-result.ts';
import { uuid } from '../util/ids.ts';
import { attachChain, attachChord, attachGroup } from './freeze.ts';
import { SubtaskType, isTaskLike, mergeArgs, reviveOptions, typeOf } from './shape.ts';
import { planChain } from './plan-chain.ts';
import { planChord } from './plan-chord.ts';
import { planGroup } from './plan-group.ts';
import { planChunks, planMap } from './plan-map.ts';
import { without, type Plan, type PlanContext, type Planner } from './plan-types.ts';

const PLANNERS: Readonly<Record<string, Planner>> = {
  [SubtaskType.group]: planGroup,
  [SubtaskType.chain]: planChain,
  [SubtaskType.chord]: planChord,
  [SubtaskType.chunks]: planChunks,
  [SubtaskType.xmap]: planMap,
  [SubtaskType.xstarmap]: planMap,
};

/** One task message: the signature's options under the call's, its args after the call's. */
function planTask(app: AppContext, data: SignatureData, callArgs: unknown[], options: SendOptions): Plan {
  const merged = reviveOptions({ ...data.options, ...options });
  if (Object.keys(data.kwargs).length > 0) merged.kwargs = { ...data.kwargs, ...(merged.kwargs ?? {}) };
  const id = merged.taskId ?? uuid();
  merged.taskId = id;
  return {
    items: [{ taskName: data.task, args: mergeArgs(data, callArgs), options: merged }],
    result: (sent) => new AsyncResult(id, app, { ignored: sent.get(id)?.ignored ?? false }),
  };
}

export function planSignature(app: AppContext, data: SignatureData, callArgs: unknown[], options: SendOptions): Plan {
  if (typeOf(data) === null) return planTask(app, data, callArgs, options);
  let d = data;
  let o = options;
  if (!isTaskLike(d)) {
    if (o.chain !== undefined && o.chain.length > 0) d = attachChain(d, o.chain);
    if (o.chord !== undefined && o.chord !== null) d = attachChord(d, o.chord);
    if (typeof o.groupId === 'string') d = attachGroup(d, o.groupId, o.groupIndex ?? 0);
    o = without(o, 'chain', 'chord', 'groupId', 'groupIndex');
  }
  const type = typeOf(d);
  const planner = type === null ? undefined : PLANNERS[type];
  if (planner === undefined) {
    throw Object.assign(new ConfigError(`unknown signature type '${String(type)}'`), { key: 'subtask_type', value: type });
  }
  const ctx: PlanContext = { app, plan: (nd, args, opts) => planSignature(app, nd, args, opts) };
  return planner(ctx, d, callArgs, o);
}
