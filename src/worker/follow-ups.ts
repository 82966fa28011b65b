/**
 * What a finished task sets off: link callbacks, the next chain step, the chord join, errbacks
 * on failure, and the republished message of a retry. Whichever worker finishes a task does
 * this, so a chain or chord advances the same way in one process and across hosts.
 */
import { ChordError, toWire, type WireError } from '../errors.ts';
import type { Logger } from '../log/logger.ts';
import type { SignatureData, TaskMessage } from '../protocol/task-message.ts';
import type { AppContext, SendOptions } from '../task/app-context.ts';
import { applySignature } from '../canvas/apply.ts';
import type { ResultBackend } from '../transport/types.ts';
import { uuid } from '../util/ids.ts';
import { buildMeta } from './result-meta.ts';

/** Stored in a chord's join set in place of a failed header task's value. */
const CHORD_FAILED = '$celeriacChordFailed';
type ChordFailure = { [CHORD_FAILED]: { taskId: string; error: WireError } };

const isChordFailure = (v: unknown): v is ChordFailure =>
  typeof v === 'object' && v !== null && CHORD_FAILED in (v as Record<string, unknown>);

/** Gives a signature a fixed task id (so the parent can list it among its children). */
function withId(sig: SignatureData): SignatureData {
  if (typeof sig.options.taskId === 'string') return sig;
  return { ...sig, options: { ...sig.options, taskId: uuid() } };
}

export interface FollowUpDeps {
  app: AppContext;
  backend: ResultBackend | null;
  logger: Logger;
  hostname: string;
  now: () => number;
}

export interface SuccessPlan {
  /** Ids of the tasks this success starts (recorded as the result's `children`). */
  children: string[];
  /** Publishes them. */
  run(): Promise<void>;
}

export class FollowUps {
  readonly #d: FollowUpDeps;

  constructor(deps: FollowUpDeps) {
    this.#d = deps;
  }

  #parentOpts(msg: TaskMessage): SendOptions {
    return { parentId: msg.id, rootId: msg.rootId };
  }

  /** Plans the callbacks and the next chain step of a success; the chord join runs in `run()`. */
  planSuccess(msg: TaskMessage, value: unknown): SuccessPlan {
    const callbacks = msg.callbacks.map(withId);
    const next = msg.chain.length > 0 ? withId(msg.chain[msg.chain.length - 1]!) : undefined;
    const rest = msg.chain.slice(0, -1);
    const children = [...callbacks, ...(next ? [next] : [])].map((s) => s.options.taskId as string);
    return {
      children,
      run: async () => {
        const base = this.#parentOpts(msg);
        const sends: Promise<unknown>[] = callbacks.map((cb) => applySignature(this.#d.app, cb, [value], base));
        if (next !== undefined) {
          sends.push(applySignature(this.#d.app, next, [value], { ...base, ...(rest.length > 0 ? { chain: rest } : {}) }));
        }
        if (msg.chord !== null) sends.push(this.#joinChord(msg, value));
        await Promise.all(sends);
      },
    };
  }

  async #joinChord(msg: TaskMessage, value: unknown): Promise<void> {
    const chord = msg.chord!;
    const backend = this.#d.backend;
    if (backend === null) {
      this.#d.logger.error({ taskId: msg.id, chordId: chord.id }, 'a chord needs a result backend; the body cannot run');
      return;
    }
    const joined = await backend.chordJoin(chord.id, chord.index, chord.size, value);
    if (!joined.complete) return;
    const results = joined.results ?? [];
    // A failed header already resolved the chord with ChordError: the body never runs.
    if (results.some(isChordFailure)) return;
    const body = { ...chord.body, options: { ...chord.body.options, taskId: chord.id } };
    await applySignature(this.#d.app, body, [results], { parentId: msg.id, rootId: msg.rootId });
  }

  /** Errbacks, the chord's failure, and the failure of the chain steps that will not run. */
  async onFailure(msg: TaskMessage, error: WireError): Promise<void> {
    const base = this.#parentOpts(msg);
    const work: Promise<unknown>[] = msg.errbacks.map((eb) => applySignature(this.#d.app, eb, [msg.id], base));
    work.push(this.#failDownstream(msg.chain, error));
    if (msg.chord !== null) work.push(this.#failChord(msg, error));
    const results = await Promise.allSettled(work);
    for (const r of results) {
      if (r.status === 'rejected') this.#d.logger.error({ err: r.reason, taskId: msg.id }, 'failure follow-up failed');
    }
  }

  /** Chain steps after a failed one will not run: their results fail with the same error. */
  async #failDownstream(steps: SignatureData[], error: WireError): Promise<void> {
    const backend = this.#d.backend;
    if (backend === null) return;
    for (const step of steps) {
      const id = step.options.taskId;
      if (typeof id !== 'string') continue;
      const stub = { id, task: step.task, args: step.args, parentId: null, rootId: null, groupId: null } as unknown as TaskMessage;
      await backend.set(buildMeta(stub, 'FAILURE', { error, now: this.#d.now(), hostname: this.#d.hostname }));
    }
  }

  async #failChord(msg: TaskMessage, error: WireError): Promise<void> {
    const chord = msg.chord!;
    const backend = this.#d.backend;
    if (backend === null) return;
    const failure: ChordFailure = { [CHORD_FAILED]: { taskId: msg.id, error } };
    await backend.chordJoin(chord.id, chord.index, chord.size, failure);
    const chordError = toWire(new ChordError(`Dependency ${msg.id} raised ${error.name}('${error.message}')`));
    chordError.traceback = error.traceback ?? error.stack;
    const body = chord.body;
    const stub = { id: chord.id, task: body.task, args: body.args, parentId: msg.id, rootId: msg.rootId, groupId: null } as unknown as TaskMessage;
    const first = await backend.set(buildMeta(stub, 'FAILURE', { error: chordError, now: this.#d.now(), hostname: this.#d.hostname }));
    if (!first) return;
    // Only the first failure of the chord fires the body's errbacks and fails what follows it.
    const errbacks = body.options.linkError;
    const list = errbacks === undefined ? [] : ((Array.isArray(errbacks) ? errbacks : [errbacks]) as SignatureData[]);
    await Promise.all(list.map((eb) => applySignature(this.#d.app, eb, [chord.id], { parentId: msg.id, rootId: msg.rootId })));
    const after = body.options.chain;
    if (Array.isArray(after)) await this.#failDownstream(after as SignatureData[], chordError);
  }

  /** Publishes the retry: the same task id, `retries + 1`, not before `countdown` seconds. */
  async retry(msg: TaskMessage, queue: string, countdown: number): Promise<void> {
    const [soft, hard] = msg.timeLimit;
    const options: SendOptions = {
      taskId: msg.id,
      retries: msg.retries + 1,
      countdown,
      kwargs: msg.kwargs,
      parentId: msg.parentId,
      rootId: msg.rootId,
      groupId: msg.groupId,
      groupIndex: msg.groupIndex,
      chain: msg.chain,
      chord: msg.chord,
      link: msg.callbacks,
      linkError: msg.errbacks,
      queue,
      priority: msg.priority,
      headers: msg.headers,
      ignoreResult: msg.ignoreResult,
      ...(msg.expires !== null ? { expires: new Date(msg.expires) } : {}),
      ...(soft !== null ? { softTimeLimit: soft } : {}),
      ...(hard !== null ? { timeLimit: hard } : {}),
    };
    await this.#d.app.send(msg.task, msg.args, options);
  }
}
