/**
 * `task.map(items)`, `task.starmap(items)` and `task.chunks(items, n)`. Celery runs `map` and
 * `starmap` as ONE task each (`celery.map` / `celery.starmap`, see builtin-tasks.ts), which
 * resolves to one list; `chunks` runs as a group of `celery.starmap` tasks and resolves to a
 * GroupResult whose `get()` gives one list per chunk.
 */
import type { SignatureData } from '../protocol/task-message.ts';
import type { AppContext } from '../task/app-context.ts';
import type { GroupResult } from '../result/group-result.ts';
import { Signature } from './signature.ts';
import { chunksData, mapData, taskData } from './shape.ts';

const list = <T>(items: Iterable<T>): T[] => (Array.isArray(items) ? [...(items as T[])] : Array.from(items));

/** `celery.map`: the task called with each item. */
export function xmap<R>(task: string, items: Iterable<unknown>, app?: AppContext): Signature<[], R[]> {
  return new Signature<[], R[]>(mapData(taskData(task), list(items), false), app);
}

/** `celery.starmap`: the task called with each item's elements as its arguments. */
export function xstarmap<R>(task: string, items: Iterable<readonly unknown[]>, app?: AppContext): Signature<[], R[]> {
  return new Signature<[], R[]>(mapData(taskData(task), list(items).map((i) => [...i]), true), app);
}

/** `celery.chunks`: `items` split into chunks of `n`, each chunk one `celery.starmap` task. */
export function chunks<R>(task: string, items: Iterable<readonly unknown[]>, n: number, app?: AppContext): Signature<[], R[][], GroupResult<R[]>> {
  const data: SignatureData = chunksData(taskData(task), list(items).map((i) => [...i]), n);
  return new Signature<[], R[][], GroupResult<R[]>>(data, app);
}
