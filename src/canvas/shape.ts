/**
 * The wire forms of the canvas primitives, as Celery serialises them (a signature dict whose
 * `subtask_type` says what it is and whose `kwargs` hold its parts), with readers that check
 * them, the chain normalisation rules, and the argument and option merging of a call. Pure
 * data: nothing here publishes or knows an app.
 */
import { ConfigError } from '../errors.ts';
import type { SignatureData } from '../protocol/task-message.ts';
import type { SendOptions } from '../task/app-context.ts';

/** `subtask_type` of each primitive (absent for a plain task). */
export const SubtaskType = {
  group: 'group',
  chain: 'chain',
  chord: 'chord',
  chunks: 'chunks',
  xmap: 'xmap',
  xstarmap: 'xstarmap',
} as const;

/** Task names Celery gives the primitives and its builtin tasks. */
export const BuiltinTask = {
  group: 'celery.group',
  chain: 'celery.chain',
  chord: 'celery.chord',
  chunks: 'celery.chunks',
  map: 'celery.map',
  starmap: 'celery.starmap',
  /** Returns its argument: stands in for a group that must report one value to a chord. */
  accumulate: 'celery.accumulate',
} as const;

export const typeOf = (d: SignatureData): string | null => d.subtask_type ?? null;

/** Published as one task message: a plain task, or `celery.map` / `celery.starmap`. */
export const isTaskLike = (d: SignatureData): boolean => {
  const t = typeOf(d);
  return t === null || t === SubtaskType.xmap || t === SubtaskType.xstarmap;
};

export function taskData(task: string, args: unknown[] = [], options: Record<string, unknown> = {}, immutable = false): SignatureData {
  return { task, args, kwargs: {}, options, immutable };
}

export function groupData(tasks: SignatureData[], options: Record<string, unknown> = {}): SignatureData {
  return { task: BuiltinTask.group, args: [], kwargs: { tasks }, options, subtask_type: SubtaskType.group, immutable: false };
}

export function chainData(tasks: SignatureData[], options: Record<string, unknown> = {}): SignatureData {
  return { task: BuiltinTask.chain, args: [], kwargs: { tasks }, options, subtask_type: SubtaskType.chain, immutable: false };
}

/** `header` is a group's wire form (as in Celery 5); a plain list is wrapped in one. */
export function chordData(header: SignatureData | SignatureData[], body: SignatureData, options: Record<string, unknown> = {}): SignatureData {
  const h = Array.isArray(header) ? groupData(header) : header;
  return {
    task: BuiltinTask.chord,
    args: [],
    kwargs: { header: h, body, kwargs: {} },
    options,
    subtask_type: SubtaskType.chord,
    immutable: false,
  };
}

/** Calls of `task` over `it` split in chunks of `n`: a group of `celery.starmap` tasks. */
export function chunksData(task: SignatureData, it: unknown[][], n: number, options: Record<string, unknown> = {}): SignatureData {
  if (!Number.isInteger(n) || n < 1) throw Object.assign(new ConfigError(`chunks: \`n\` must be an integer >= 1, got ${String(n)}`), { key: 'n', value: n });
  return { task: BuiltinTask.chunks, args: [], kwargs: { task, it, n }, options, subtask_type: SubtaskType.chunks, immutable: true };
}

/** `task` called once per item of `it` inside ONE task (`star`: each item is an argument list). */
export function mapData(task: SignatureData, it: unknown[], star: boolean, options: Record<string, unknown> = {}): SignatureData {
  return {
    task: star ? BuiltinTask.starmap : BuiltinTask.map,
    args: [],
    kwargs: { task, it },
    options,
    subtask_type: star ? SubtaskType.xstarmap : SubtaskType.xmap,
    immutable: true,
  };
}

function bad(what: string, d: SignatureData): never {
  throw Object.assign(new ConfigError(`malformed ${d.subtask_type ?? 'task'} signature '${d.task}': ${what}`), { key: 'signature' });
}

function sigList(v: unknown, what: string, d: SignatureData): SignatureData[] {
  if (!Array.isArray(v) || !v.every(isSignatureData)) bad(`${what} must be a list of signatures`, d);
  return v as SignatureData[];
}

export function isSignatureData(v: unknown): v is SignatureData {
  return typeof v === 'object' && v !== null && typeof (v as SignatureData).task === 'string';
}

export const groupTasks = (d: SignatureData): SignatureData[] => sigList(d.kwargs.tasks, 'kwargs.tasks', d);
export const chainTasks = (d: SignatureData): SignatureData[] => sigList(d.kwargs.tasks, 'kwargs.tasks', d);

export function chordHeader(d: SignatureData): SignatureData {
  const h = d.kwargs.header;
  if (Array.isArray(h)) return groupData(sigList(h, 'kwargs.header', d));
  if (!isSignatureData(h) || typeOf(h) !== SubtaskType.group) bad('kwargs.header must be a group', d);
  return h;
}

export function chordBody(d: SignatureData): SignatureData {
  const b = d.kwargs.body;
  if (!isSignatureData(b)) bad('kwargs.body must be a signature', d);
  return b;
}

/** The steps that follow a task message (`options.chain`), reversed: the next one is LAST. */
export function continuation(d: SignatureData): SignatureData[] {
  const c = d.options.chain;
  return Array.isArray(c) ? (c as SignatureData[]) : [];
}

/** A `chunks` signature as the group of `celery.starmap` tasks it runs as. */
export function expandChunks(d: SignatureData): SignatureData {
  const { task, it, n } = d.kwargs as { task: unknown; it: unknown; n: unknown };
  if (!isSignatureData(task) || !Array.isArray(it) || typeof n !== 'number' || !Number.isInteger(n) || n < 1) {
    bad('kwargs must hold task, it and n', d);
  }
  const parts: SignatureData[] = [];
  for (let i = 0; i < it.length; i += n) parts.push(mapData(task, it.slice(i, i + n), true));
  const { taskId, ...rest } = d.options;
  return groupData(parts, taskId === undefined ? rest : { ...rest, taskId });
}

/**
 * Celery's chain rules: nested chains are flattened into one list of steps, and a group
 * followed by another step becomes a chord whose body is that step (its members' results are
 * what the next step receives, as a list).
 */
export function normaliseSteps(steps: SignatureData[]): SignatureData[] {
  const flat: SignatureData[] = [];
  const add = (s: SignatureData): void => {
    const t = typeOf(s);
    if (t === SubtaskType.chain) chainTasks(s).forEach(add);
    else flat.push(t === SubtaskType.chunks ? expandChunks(s) : s);
  };
  steps.forEach(add);
  const out: SignatureData[] = [];
  for (let i = 0; i < flat.length; i++) {
    const s = flat[i]!;
    if (typeOf(s) === SubtaskType.group && i + 1 < flat.length) {
      out.push(chordData(s, flat[i + 1]!));
      i += 1;
    } else {
      out.push(s);
    }
  }
  // An upgrade can make a chord followed by more steps: that is fine (the chord carries them).
  return out;
}

/** Call-time args are prepended to the signature's own, unless it is immutable. */
export function mergeArgs(data: SignatureData, callArgs: unknown[]): unknown[] {
  return data.immutable ? [...data.args] : [...callArgs, ...data.args];
}

/**
 * Signature options may have crossed the wire as JSON: turn `eta`/`expires` strings back into
 * Dates so that validation sees what the user wrote.
 */
export function reviveOptions(options: Record<string, unknown>): SendOptions {
  const out: Record<string, unknown> = { ...options };
  if (typeof out.eta === 'string') out.eta = new Date(out.eta);
  if (typeof out.expires === 'string') out.expires = new Date(out.expires);
  return out as SendOptions;
}

/** Celery's repr: `proj.add(4, 4) | proj.mul(8)`, `group([...])`, `chord(header, body)`. */
export function describe(d: SignatureData): string {
  switch (typeOf(d)) {
    case SubtaskType.group:
      return `group([${groupTasks(d).map(describe).join(', ')}])`;
    case SubtaskType.chain:
      return chainTasks(d).map(describe).join(' | ');
    case SubtaskType.chord:
      return `chord(${describe(chordHeader(d))}, ${describe(chordBody(d))})`;
    case SubtaskType.chunks:
    case SubtaskType.xmap:
    case SubtaskType.xstarmap: {
      const inner = d.kwargs.task;
      const name = isSignatureData(inner) ? inner.task : '?';
      const n = typeOf(d) === SubtaskType.chunks ? `, n=${String(d.kwargs.n)}` : '';
      return `[${d.task}(${name}, ${Array.isArray(d.kwargs.it) ? d.kwargs.it.length : 0} items${n})]`;
    }
    default: {
      const args = d.args.map((a) => JSON.stringify(a) ?? String(a)).join(', ');
      return `${d.task}(${args})`;
    }
  }
}
