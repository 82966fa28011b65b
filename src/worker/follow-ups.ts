/**
 * What a finished task sets off: link callbacks, the next chain step, the chord join, errbacks
 * on failure, and the republished message of a retry. Whichever worker finishes a task does
 * this, so a chain or chord advances the same way in one process and across hosts.
 */
import { ChordError, toWire, type WireError } from '../errors.ts';
import type { Logger } from '../log/logger.ts';
import type { ChordRef, TaskMessage } from '../protocol/task-message.ts';
import type { AppContext, SendOptions } from '../task/app-context.ts';
import { applySignature } from '../canvas/apply.ts';
import { downstream, entryId, errbacksOf, freeze, resultId } from '../canvas/freeze.ts';
import type { ResultBackend } from '../transport/types.ts';
import { buildMeta } from './result-meta.ts';

/** Stored in a chord's join set in place of a failed header task's value. */
const CHORD_FAILED = '$celeriacChordFailed';
type ChordFailure = { [CHORD_FAILED]: { taskId: string; error: WireError } };

const isChordFailure = (v: unknown): v is ChordFailure =>
  typeof v === 'object' && v !== null && CHORD_FAILED in (v as Record<string, unknown>);

/** Python's repr of a string, as Celery's ChordError message shows the error: `'x'`, or `"it's"`. */
const pyRepr = (s: string): string => (s.includes("'") && !s.includes('"') ? `"${s}"` : `'${s.replace(/'/g, "\\'")}'`);

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

  /**
   * Plans the callbacks and the next chain step of a success; the chord join runs in `run()`.
   * Each is frozen first (ids assigned), so the parent can list them among its children.
   */
  planSuccess(msg: TaskMessage, value: unknown): SuccessPlan {
    const callbacks = msg.callbacks.map(freeze);
    const next = msg.chain.length > 0 ? freeze(msg.chain[msg.chain.length - 1]!) : undefined;
    const rest = msg.chain.slice(0, -1);
    const children: string[] = [];
    for (const s of [...callbacks, ...(next ? [next] : [])]) {
      const id = entryId(s);
      if (id !== undefined) children.push(id);
    }
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
    // The producer froze the body (its ids are the ones the caller holds); a plain body without
    // an id (a message from elsewhere) takes the chord id, as in Celery.
    const b = chord.body;
    const body = b.subtask_type == null && typeof b.options.taskId !== 'string' ? { ...b, options: { ...b.options, taskId: chord.id } } : b;
    await applySignature(this.#d.app, body, [results], { parentId: msg.id, rootId: msg.rootId });
  }

  /**
   * Errbacks; the chain steps that will not run now fail with the same error (so `get()` on a
   * chain's result rejects instead of waiting); every chord this task (or a step after it)
   * would have joined fails with ChordError, so nothing waits forever.
   */
  async onFailure(msg: TaskMessage, error: WireError): Promise<void> {
    const base = this.#parentOpts(msg);
    const work: Promise<unknown>[] = msg.errbacks.map((eb) => applySignature(this.#d.app, eb, [msg.id], base));
    const after = downstream(msg.chain);
    work.push(this.#failTasks(after.tasks, error, msg));
    const chords = msg.chord !== null ? [msg.chord, ...after.chords] : after.chords;
    for (const ref of chords) work.push(this.#failChord(ref, msg, error));
    const results = await Promise.allSettled(work);
    for (const r of results) {
      if (r.status === 'rejected') this.#d.logger.error({ err: r.reason, taskId: msg.id }, 'failure follow-up failed');
    }
  }

  /** Writes FAILURE for tasks that will never run (the first write of a result wins). */
  async #failTasks(tasks: { id: string; task: string }[], error: WireError, cause: TaskMessage): Promise<void> {
    const backend = this.#d.backend;
    if (backend === null) return;
    await Promise.all(
      tasks.map(({ id, task }) => {
        const stub = { id, task, args: [], parentId: cause.id, rootId: cause.rootId, groupId: null } as unknown as TaskMessage;
        return backend.set(buildMeta(stub, 'FAILURE', { error, now: this.#d.now(), hostname: this.#d.hostname }));
      }),
    );
  }

  /**
   * A header task failed (or was revoked): the chord resolves with ChordError naming it. The
   * failure is recorded in the join (so the body never runs), and only the first failure of
   * the chord writes its result, fires the body's errbacks and fails what follows the body.
   */
  async #failChord(chord: ChordRef, failed: TaskMessage, error: WireError): Promise<void> {
    const backend = this.#d.backend;
    if (backend === null) return;
    const failure: ChordFailure = { [CHORD_FAILED]: { taskId: failed.id, error } };
    await backend.chordJoin(chord.id, chord.index, chord.size, failure);
    const raised = new ChordError(`Dependency ${failed.id} raised ${error.name}(${pyRepr(error.message)})`);
    // The failed header task's id, as data: callers need not parse the message.
    const chordError = toWire(Object.assign(raised, { dependencyId: failed.id }));
    chordError.traceback = error.traceback ?? error.stack;
    const body = chord.body;
    const stub = { id: chord.id, task: body.task, args: body.args, parentId: failed.id, rootId: failed.rootId, groupId: null } as unknown as TaskMessage;
    const first = await backend.set(buildMeta(stub, 'FAILURE', { error: chordError, now: this.#d.now(), hostname: this.#d.hostname }));
    if (!first) return;
    const opts = { parentId: failed.id, rootId: failed.rootId };
    // The errbacks get the id the caller holds: the chord's result (its body's), not the join key.
    const resultOf = resultId(body) ?? chord.id;
    const errbacks = errbacksOf(body).map((eb) => applySignature(this.#d.app, eb, [resultOf], opts));
    // Everything the body would have produced fails too: its result (when it is not the chord
    // id), the steps after it, and any outer chord it reports to.
    const after = downstream([body]);
    const outer = after.chords.map((ref) => this.#failChord(ref, { ...failed, id: chord.id }, chordError));
    await Promise.all([...errbacks, this.#failTasks(after.tasks.filter((t) => t.id !== chord.id), chordError, failed), ...outer]);
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
      // The caller still waits where it did: the retry's writes go there too.
      replyTo: msg.replyTo ?? null,
      ...(msg.expires !== null ? { expires: new Date(msg.expires) } : {}),
      ...(soft !== null ? { softTimeLimit: soft } : {}),
      ...(hard !== null ? { timeLimit: hard } : {}),
    };
    await this.#d.app.send(msg.task, msg.args, options);
  }
}
