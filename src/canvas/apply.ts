/**
 * Publishes a signature of any kind: plans it (every id frozen, every message built), sends all
 * its messages as one batch, and returns its result handle (AsyncResult or GroupResult).
 */
import type { SignatureData } from '../protocol/task-message.ts';
import type { AppContext, SendOptions, SentTask } from '../task/app-context.ts';
import { planSignature } from './plan.ts';

export { mergeArgs, reviveOptions } from './shape.ts';

export async function applySignature(
  app: AppContext,
  data: SignatureData,
  callArgs: unknown[],
  options: SendOptions,
): Promise<unknown> {
  const plan = planSignature(app, data, callArgs, options);
  const sent = await app.sendMany(plan.items);
  const byId = new Map<string, SentTask>();
  for (const s of sent) byId.set(s.id, s);
  return plan.result(byId);
}
