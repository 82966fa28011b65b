/** Copies of result metas, as a NATS KV round trip would give them. */
import type { ResultMeta } from '../../protocol/result-meta.ts';

/**
 * `structuredClone(meta)`, cheaply when it can be: a task's meta is usually flat (ids, state,
 * strings) with at most one field holding an object (the result, an error, `children`). Those
 * fields are copied, and the one object is cloned alone, which is the same clone: no other field
 * can share it. Anything else (two objects, a non-plain meta) is cloned whole.
 */
export function cloneMeta(meta: ResultMeta): ResultMeta {
  if (typeof meta !== 'object' || meta === null || Object.getPrototypeOf(meta) !== Object.prototype) {
    return structuredClone(meta);
  }
  const src = meta as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  let objectKey: string | undefined;
  // for-in, not Object.keys: no array per call; the prototype checked above has no enumerable keys.
  for (const key in src) {
    const v = src[key];
    if (typeof v === 'object' && v !== null) {
      if (objectKey !== undefined) return structuredClone(meta);
      objectKey = key;
    } else if (typeof v === 'function' || typeof v === 'symbol') {
      // Not cloneable: structuredClone throws its DataCloneError.
      return structuredClone(meta);
    }
    out[key] = v;
  }
  if (objectKey !== undefined) out[objectKey] = structuredClone(src[objectKey]);
  return out as unknown as ResultMeta;
}
