/**
 * Publish retry policy (`taskPublishRetryPolicy`, `applyAsync({ retryPolicy })`), accepted in
 * camelCase or Celery's snake_case (`max_retries`, `interval_start`, ...) and normalised to
 * camelCase. Only the fields given are returned; callers merge them over a base policy.
 */
import type { RetryPolicy } from '../util/backoff.ts';
import { unknownNameError } from './suggest.ts';
import { checkInteger, checkSeconds, fail, isObjectLike, type Where } from './validate.ts';

type Field = keyof RetryPolicy;

const SPELLINGS: ReadonlyMap<string, Field> = new Map<string, Field>([
  ['maxRetries', 'maxRetries'],
  ['max_retries', 'maxRetries'],
  ['intervalStart', 'intervalStart'],
  ['interval_start', 'intervalStart'],
  ['intervalStep', 'intervalStep'],
  ['interval_step', 'intervalStep'],
  ['intervalMax', 'intervalMax'],
  ['interval_max', 'intervalMax'],
]);

export function checkRetryPolicy(w: Where, v: unknown): Partial<RetryPolicy> {
  if (!isObjectLike(v)) fail(w, v, 'a retry policy object ({ maxRetries, intervalStart, intervalStep, intervalMax })');
  const out: Partial<RetryPolicy> = {};
  for (const [name, raw] of Object.entries(v)) {
    const field = SPELLINGS.get(name);
    if (field === undefined) {
      throw Object.assign(unknownNameError(name, SPELLINGS, 'retry policy field', w.task), {
        key: w.key,
        field: name,
      });
    }
    if (raw === undefined) continue;
    const at: Where = { key: w.key, field, task: w.task };
    if (field in out) fail(at, raw, 'given once (camelCase or snake_case, not both)');
    if (field === 'maxRetries') {
      out.maxRetries = raw === null ? null : checkInteger(at, raw, 0);
    } else {
      out[field] = checkSeconds(at, raw, false);
    }
  }
  return out;
}
