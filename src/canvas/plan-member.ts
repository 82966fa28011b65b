/**
 * Plans one member of a group or chord header: it reports to group `groupId` at `index` (and
 * to `chord`, for a header). A plain task takes these as send options directly (the common
 * case, and the hot path of a 1,000-task group); anything else is frozen and rewritten so that
 * the task producing its result carries them.
 */
import type { ChordRef, SignatureData } from '../protocol/task-message.ts';
import type { SendOptions } from '../task/app-context.ts';
import { attachChord, attachGroup, freeze } from './freeze.ts';
import { continuation, typeOf } from './shape.ts';
import type { Plan, PlanContext } from './plan-types.ts';

export function planMember(
  ctx: PlanContext,
  member: SignatureData,
  callArgs: unknown[],
  common: SendOptions,
  at: { groupId: string; index: number; chord?: ChordRef },
): Plan {
  if (typeOf(member) === null && continuation(member).length === 0) {
    const own: SendOptions = { ...common, groupId: at.groupId, groupIndex: at.index };
    if (at.chord !== undefined) own.chord = at.chord;
    return ctx.plan(member, callArgs, own);
  }
  let m = freeze(member);
  if (at.chord !== undefined) m = attachChord(m, at.chord);
  return ctx.plan(attachGroup(m, at.groupId, at.index), callArgs, common);
}
