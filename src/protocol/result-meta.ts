/** Task states, as Celery names them. Custom states (e.g. `PROGRESS`) are any other string. */
export const States = {
  PENDING: 'PENDING',
  RECEIVED: 'RECEIVED',
  STARTED: 'STARTED',
  RETRY: 'RETRY',
  SUCCESS: 'SUCCESS',
  FAILURE: 'FAILURE',
  REVOKED: 'REVOKED',
} as const;

export type BuiltinState = (typeof States)[keyof typeof States];
export type TaskState = BuiltinState | (string & {});

/** States after which a task will not change again. */
export const READY_STATES: ReadonlySet<string> = new Set([States.SUCCESS, States.FAILURE, States.REVOKED]);
/** States that mean the task did not succeed. */
export const EXCEPTION_STATES: ReadonlySet<string> = new Set([States.FAILURE, States.REVOKED, States.RETRY]);

export const isReady = (state: string): boolean => READY_STATES.has(state);

/**
 * A task's record in the result backend. For FAILURE, REVOKED and RETRY `result` holds the
 * error as a `WireError`; for custom states the value is in `meta`.
 */
export interface ResultMeta {
  taskId: string;
  state: TaskState;
  result: unknown;
  traceback: string | null;
  /** ISO 8601, set when the state is ready. */
  dateDone: string | null;
  meta?: unknown;
  name?: string;
  args?: unknown[];
  parentId?: string | null;
  rootId?: string | null;
  groupId?: string | null;
  /** Ids of tasks this one started (links, chain steps), as Celery's `children`. */
  children?: string[];
  /** Worker that wrote it. */
  hostname?: string;
}
