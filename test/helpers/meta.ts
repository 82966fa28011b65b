/** A minimal stored result meta, as the backend tests write them. */
import type { ResultMeta } from '../../src/protocol/result-meta.ts';

export const meta = (taskId: string, state: string, result: unknown = null): ResultMeta => ({
  taskId,
  state,
  result,
  traceback: null,
  dateDone: null,
});
