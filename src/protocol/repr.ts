/**
 * Short, bounded text of a value for the `argsrepr`/`kwargsrepr` headers and for error
 * messages (Celery uses `saferepr` capped at 1024 chars). It stops walking once the budget is
 * spent, so a megabyte argument costs no more than a small one; it never throws. It runs on
 * every publish, hence module-level functions and no per-call closures or Sets.
 */

/** Celery's `argsrepr_maxsize` / `kwargsrepr_maxsize`. */
export const REPR_MAX_CHARS = 1024;
const MAX_DEPTH = 8;
const MAX_STRING = 256;

interface State {
  out: string;
  max: number;
  /** The objects being walked, for cycle detection; at most MAX_DEPTH long. */
  path: object[];
}

/** JSON-like text of `value`, at most `max` characters (ending in '...' when cut). */
export function shortRepr(value: unknown, max: number = REPR_MAX_CHARS): string {
  const st: State = { out: '', max, path: [] };
  let complete: boolean;
  try {
    complete = walk(value, st);
  } catch {
    // A getter or proxy that throws: the repr is for humans, never worth failing a publish.
    return '<unrepresentable>';
  }
  return complete && st.out.length <= max ? st.out : `${st.out.slice(0, Math.max(0, max - 3))}...`;
}

/** Appends `s`; false once the budget is spent, which unwinds the walk. */
function put(st: State, s: string): boolean {
  st.out += s;
  return st.out.length <= st.max;
}

function walk(v: unknown, st: State): boolean {
  switch (typeof v) {
    case 'string':
      return put(st, JSON.stringify(v.length > MAX_STRING ? `${v.slice(0, MAX_STRING)}...` : v));
    case 'number':
    case 'boolean':
      return put(st, String(v));
    case 'bigint':
      return put(st, `${v}n`);
    case 'undefined':
      return put(st, 'undefined');
    case 'symbol':
      return put(st, v.toString());
    case 'function':
      return put(st, `[Function ${v.name || 'anonymous'}]`);
  }
  if (v === null) return put(st, 'null');
  const obj = v as object;
  if (obj instanceof Date) return put(st, Number.isNaN(obj.getTime()) ? 'Invalid Date' : obj.toISOString());
  if (ArrayBuffer.isView(obj)) return put(st, `<${obj.constructor.name} ${obj.byteLength} bytes>`);
  if (st.path.includes(obj)) return put(st, '[Circular]');
  if (st.path.length >= MAX_DEPTH) return put(st, Array.isArray(obj) ? '[...]' : '{...}');
  st.path.push(obj);
  const ok = Array.isArray(obj) ? walkArray(obj, st) : walkObject(obj as Record<string, unknown>, st);
  st.path.pop();
  return ok;
}

function walkArray(arr: unknown[], st: State): boolean {
  if (!put(st, '[')) return false;
  for (let i = 0; i < arr.length; i++) {
    if ((i > 0 && !put(st, ', ')) || !walk(arr[i], st)) return false;
  }
  return put(st, ']');
}

function walkObject(obj: Record<string, unknown>, st: State): boolean {
  if (!put(st, '{')) return false;
  let first = true;
  for (const key in obj) {
    if (!Object.hasOwn(obj, key)) continue;
    if ((!first && !put(st, ', ')) || !put(st, `${JSON.stringify(key)}: `) || !walk(obj[key], st)) return false;
    first = false;
  }
  return put(st, '}');
}
