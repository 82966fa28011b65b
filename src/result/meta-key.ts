import type { ResultMeta } from '../protocol/result-meta.ts';

/**
 * A cheap identity for one backend write, used to drop the one write that a `get()` may see
 * twice: once as the current value and once from its watch (when it lands in between).
 */
export function metaKey(m: ResultMeta): string {
  let body: string;
  try {
    body = JSON.stringify([m.result, m.meta]);
  } catch {
    body = String(m.result);
  }
  return `${m.state}|${m.dateDone ?? ''}|${body}`;
}
