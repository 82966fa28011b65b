/**
 * A batch's ExecRequests as one flat array of their fields, for the trip to a thread. Piscina
 * posts a batch by structured clone, which costs per property: the same values in positions
 * clone about three times faster than nested objects, and the thread rebuilds each request
 * (in parallel with the main thread). Values are still structured clones (a SharedArrayBuffer
 * argument stays shared); the usual ones are left out: an empty `args` or `kwargs` travels as
 * null, a `rootId` equal to the id as `true`. (V8's serializer writes these faster than any
 * msgpack writer in JS: strings are copied, not walked.) Imports only types, so the thread entry
 * may import it.
 */
import type { ExecRequest } from '../../protocol/execution.ts';

/** Fields per request in the flat array. */
export const EXEC_FIELDS = 17;

export function packExecs(execs: readonly ExecRequest[]): unknown[] {
  // Pushed, not preallocated: a packed array clones densely, a holey one may not.
  const out: unknown[] = [];
  for (const e of execs) {
    const r = e.request;
    out.push(
      r.id,
      r.task,
      r.args.length === 0 && Array.isArray(r.args) ? null : r.args,
      isEmptyObject(r.kwargs) ? null : r.kwargs,
      r.retries,
      r.hostname,
      r.queue,
      r.eta,
      r.expires,
      r.parentId,
      r.rootId === r.id ? true : r.rootId,
      r.groupId,
      r.redelivered,
      e.softTimeLimit,
      e.timeLimit,
      e.trackStarted,
      e.maxRetries,
    );
  }
  return out;
}

/** A plain object without keys: rebuilt as `{}` on the other side. */
function isEmptyObject(o: object): boolean {
  if (Object.getPrototypeOf(o) !== Object.prototype) return false;
  for (const _ in o) return false;
  return true;
}

/** How many requests `flat` holds. */
export const packedCount = (flat: readonly unknown[]): number => flat.length / EXEC_FIELDS;

/** Request `i` of a packed batch, as the ExecRequest it was. */
export function unpackExec(flat: readonly unknown[], i: number): ExecRequest {
  const k = i * EXEC_FIELDS;
  const id = flat[k] as string;
  const args = flat[k + 2] as unknown[] | null;
  const kwargs = flat[k + 3] as Record<string, unknown> | null;
  const rootId = flat[k + 10] as string | null | true;
  const exec: ExecRequest = {
    request: {
      id,
      task: flat[k + 1] as string,
      args: args ?? [],
      kwargs: kwargs ?? {},
      retries: flat[k + 4] as number,
      hostname: flat[k + 5] as string,
      queue: flat[k + 6] as string,
      eta: flat[k + 7] as string | null,
      expires: flat[k + 8] as string | null,
      parentId: flat[k + 9] as string | null,
      rootId: rootId === true ? id : rootId,
      groupId: flat[k + 11] as string | null,
      redelivered: flat[k + 12] as boolean,
    },
    softTimeLimit: flat[k + 13] as number | null,
    timeLimit: flat[k + 14] as number | null,
    trackStarted: flat[k + 15] as boolean,
  };
  const maxRetries = flat[k + 16] as number | null | undefined;
  if (maxRetries !== undefined) exec.maxRetries = maxRetries;
  return exec;
}
