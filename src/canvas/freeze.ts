/**
 * Freezing a canvas: every task id is assigned up front, so that a result handle exists before
 * anything runs and whichever worker publishes a later step uses the id the caller was given.
 * Also the rewrites that say where a signature's outcome goes: the rest of a chain
 * (`attachChain`), a chord it is a header member of (`attachChord`), the group it belongs to
 * (`attachGroup`). Each is pure and copies what it changes; freezing twice changes nothing.
 */
import type { ChordRef, SignatureData } from '../protocol/task-message.ts';
import { uuid } from '../util/ids.ts';
import {
  BuiltinTask,
  SubtaskType,
  chainData,
  chainTasks,
  chordBody,
  chordData,
  chordHeader,
  continuation,
  expandChunks,
  groupTasks,
  isTaskLike,
  normaliseSteps,
  taskData,
  typeOf,
} from './shape.ts';

const withOptions = (d: SignatureData, patch: Record<string, unknown>): SignatureData => ({ ...d, options: { ...d.options, ...patch } });
const withKwargs = (d: SignatureData, patch: Record<string, unknown>): SignatureData => ({ ...d, kwargs: { ...d.kwargs, ...patch } });

/** Assigns every missing id: task ids, group ids, chord ids (the join key). */
export function freeze(d: SignatureData): SignatureData {
  if (isTaskLike(d)) {
    const cont = continuation(d);
    const id = typeof d.options.taskId === 'string' ? d.options.taskId : uuid();
    if (cont.length === 0 && id === d.options.taskId) return d;
    return withOptions(d, cont.length > 0 ? { taskId: id, chain: cont.map(freeze) } : { taskId: id });
  }
  switch (typeOf(d)) {
    case SubtaskType.group: {
      const frozen = withKwargs(d, { tasks: groupTasks(d).map(freeze) });
      return typeof d.options.taskId === 'string' ? frozen : withOptions(frozen, { taskId: uuid() });
    }
    case SubtaskType.chain:
      return withKwargs(d, { tasks: normaliseSteps(chainTasks(d)).map(freeze) });
    case SubtaskType.chord: {
      const body = freeze(chordBody(d));
      const frozen = withKwargs(d, { header: freeze(chordHeader(d)), body });
      if (typeof d.options.taskId === 'string') return frozen;
      // The chord id is the body's task id when the body is one task (as in Celery); otherwise a
      // fresh id, so that two chords never share a join key.
      return withOptions(frozen, { taskId: isTaskLike(body) ? body.options.taskId : uuid() });
    }
    case SubtaskType.chunks:
      return freeze(expandChunks(d));
    default:
      return d;
  }
}

/** The id whose result is the signature's result (a group's id for a group). Needs `freeze`. */
export function resultId(d: SignatureData): string | undefined {
  if (isTaskLike(d)) {
    const cont = continuation(d);
    if (cont.length > 0) return resultId(cont[0]!);
    return typeof d.options.taskId === 'string' ? d.options.taskId : undefined;
  }
  switch (typeOf(d)) {
    case SubtaskType.group:
      return typeof d.options.taskId === 'string' ? d.options.taskId : undefined;
    case SubtaskType.chain: {
      const steps = normaliseSteps(chainTasks(d));
      return steps.length > 0 ? resultId(steps[steps.length - 1]!) : undefined;
    }
    case SubtaskType.chord:
      return resultId(chordBody(d));
    default:
      return undefined;
  }
}

/** Gives the signature's result the id `id` (the `taskId` option of a canvas call). */
export function setResultId(d: SignatureData, id: string): SignatureData {
  if (isTaskLike(d)) {
    const cont = continuation(d);
    if (cont.length > 0) return withOptions(d, { chain: [setResultId(cont[0]!, id), ...cont.slice(1)] });
    return withOptions(d, { taskId: id });
  }
  switch (typeOf(d)) {
    case SubtaskType.group:
      return withOptions(d, { taskId: id });
    case SubtaskType.chain: {
      const steps = normaliseSteps(chainTasks(d));
      if (steps.length === 0) return d;
      return withKwargs(d, { tasks: [...steps.slice(0, -1), setResultId(steps[steps.length - 1]!, id)] });
    }
    case SubtaskType.chord:
      return withKwargs(d, { body: setResultId(chordBody(d), id) });
    case SubtaskType.chunks:
      return setResultId(expandChunks(d), id);
    default:
      return d;
  }
}

/** A continuation (reversed: the next step last) back in running order. */
const reversedToSteps = (rest: SignatureData[]): SignatureData[] => [...rest].reverse();

/**
 * Makes `rest` (remaining chain steps, reversed as in a message: the next one is last) run
 * after `d` with `d`'s result. A task carries them in `options.chain`; a chord hands them to its
 * body; a group followed by steps becomes a chord, as in Celery.
 */
export function attachChain(d: SignatureData, rest: SignatureData[]): SignatureData {
  if (rest.length === 0) return d;
  if (isTaskLike(d)) return withOptions(d, { chain: [...rest, ...continuation(d)] });
  switch (typeOf(d)) {
    case SubtaskType.chain:
      return withKwargs(d, { tasks: normaliseSteps([...chainTasks(d), ...reversedToSteps(rest)]) });
    case SubtaskType.chord:
      return withKwargs(d, { body: attachChain(chordBody(d), rest) });
    case SubtaskType.group:
    case SubtaskType.chunks: {
      const steps = reversedToSteps(rest);
      const group = typeOf(d) === SubtaskType.chunks ? expandChunks(d) : d;
      return chordData(group, steps.length === 1 ? steps[0]! : chainData(steps));
    }
    default:
      return d;
  }
}

/**
 * Makes `d`'s result count as header member `ref.index` of a chord: the task that produces it
 * carries the chord. A group becomes a chord into `celery.accumulate`, which reports the
 * group's list as one value.
 */
export function attachChord(d: SignatureData, ref: ChordRef): SignatureData {
  if (isTaskLike(d)) {
    const cont = continuation(d);
    if (cont.length > 0) return withOptions(d, { chain: [attachChord(cont[0]!, ref), ...cont.slice(1)] });
    return withOptions(d, { chord: ref });
  }
  switch (typeOf(d)) {
    case SubtaskType.chain: {
      const steps = normaliseSteps(chainTasks(d));
      if (steps.length === 0) return d;
      return withKwargs(d, { tasks: [...steps.slice(0, -1), attachChord(steps[steps.length - 1]!, ref)] });
    }
    case SubtaskType.chord:
      return withKwargs(d, { body: attachChord(chordBody(d), ref) });
    case SubtaskType.group:
    case SubtaskType.chunks: {
      const group = typeOf(d) === SubtaskType.chunks ? expandChunks(d) : d;
      return chordData(group, taskData(BuiltinTask.accumulate, [], { chord: ref }));
    }
    default:
      return d;
  }
}

/** Marks the task that produces `d`'s result as member `index` of group `groupId`. */
export function attachGroup(d: SignatureData, groupId: string, index: number): SignatureData {
  if (isTaskLike(d)) {
    const cont = continuation(d);
    if (cont.length > 0) return withOptions(d, { chain: [attachGroup(cont[0]!, groupId, index), ...cont.slice(1)] });
    return withOptions(d, { groupId, groupIndex: index });
  }
  switch (typeOf(d)) {
    case SubtaskType.chain: {
      const steps = normaliseSteps(chainTasks(d));
      if (steps.length === 0) return d;
      return withKwargs(d, { tasks: [...steps.slice(0, -1), attachGroup(steps[steps.length - 1]!, groupId, index)] });
    }
    case SubtaskType.chord:
      return withKwargs(d, { body: attachGroup(chordBody(d), groupId, index) });
    default:
      // A nested group keeps its own id for its members.
      return d;
  }
}

/** What a failure upstream leaves waiting: the frozen task ids and the chords they report to. */
export interface Downstream {
  /** Preassigned task ids, with their task names. */
  tasks: { id: string; task: string }[];
  chords: ChordRef[];
}

/**
 * Collects, from signatures that will now never run, every preassigned task id (so their
 * results can fail instead of staying PENDING) and every chord they would have joined (so it
 * resolves instead of waiting forever). A chord's header is not included: it never starts.
 */
export function downstream(sigs: SignatureData[], out: Downstream = { tasks: [], chords: [] }): Downstream {
  for (const d of sigs) {
    if (isTaskLike(d)) {
      if (typeof d.options.taskId === 'string') out.tasks.push({ id: d.options.taskId, task: d.task });
      const ref = d.options.chord as ChordRef | null | undefined;
      if (ref !== undefined && ref !== null) out.chords.push(ref);
      downstream(continuation(d), out);
      continue;
    }
    switch (typeOf(d)) {
      case SubtaskType.group:
        downstream(groupTasks(d), out);
        break;
      case SubtaskType.chain:
        downstream(chainTasks(d), out);
        break;
      case SubtaskType.chord:
        downstream([chordBody(d)], out);
        break;
      case SubtaskType.chunks:
        downstream([expandChunks(d)], out);
        break;
    }
  }
  return out;
}

/**
 * The errbacks of a signature as a whole: a task's own; a chain's are on every step (the first
 * step's stand for them); a chord's are its body's; a group's, its first member's.
 */
export function errbacksOf(d: SignatureData): SignatureData[] {
  if (isTaskLike(d)) {
    const v = d.options.linkError;
    return v === undefined || v === null ? [] : ((Array.isArray(v) ? v : [v]) as SignatureData[]);
  }
  switch (typeOf(d)) {
    case SubtaskType.chain: {
      const steps = chainTasks(d);
      return steps.length > 0 ? errbacksOf(steps[0]!) : [];
    }
    case SubtaskType.chord:
      return errbacksOf(chordBody(d));
    case SubtaskType.group: {
      const members = groupTasks(d);
      return members.length > 0 ? errbacksOf(members[0]!) : [];
    }
    default:
      return [];
  }
}

/** The id listed among a parent's `children` for a follow-up it starts. */
export function entryId(d: SignatureData): string | undefined {
  const id = d.options.taskId;
  if (typeof id === 'string') return id;
  if (typeOf(d) === SubtaskType.chain) {
    const steps = chainTasks(d);
    return steps.length > 0 ? entryId(steps[0]!) : undefined;
  }
  return undefined;
}
