/**
 * A plan: the task messages a signature publishes now (all sent as one batch) and how to build
 * its result handle once they are accepted. Planning is synchronous and pure apart from id
 * generation, so a whole canvas is validated before anything is published.
 */
import type { SignatureData } from '../protocol/task-message.ts';
import type { AppContext, SendOptions, SentTask } from '../task/app-context.ts';

export interface SendItem {
  taskName: string;
  args: unknown[];
  options: SendOptions;
}

export interface Plan {
  items: SendItem[];
  /** The handle (AsyncResult, GroupResult) once `items` are accepted; `sent` is keyed by task id. */
  result(sent: ReadonlyMap<string, SentTask>): unknown;
}

export interface PlanContext {
  readonly app: AppContext;
  /** Plans a nested signature (any type). */
  plan(data: SignatureData, callArgs: unknown[], options: SendOptions): Plan;
}

/** Plans one `subtask_type`. */
export type Planner = (ctx: PlanContext, data: SignatureData, callArgs: unknown[], options: SendOptions) => Plan;

/** Options that belong to the call, with the ones a canvas primitive handles itself removed. */
export function without<K extends keyof SendOptions>(options: SendOptions, ...keys: K[]): Omit<SendOptions, K> {
  const out: SendOptions = { ...options };
  for (const k of keys) delete out[k];
  return out;
}
