/**
 * Celery's builtin tasks the canvas publishes: `celery.map` and `celery.starmap` run the
 * user's task for every item inside one task (in the same worker thread, as Celery does), and
 * `celery.accumulate` hands a nested group's list to the chord it is a header member of. Every
 * app puts them in its task table, in the host and in each worker thread.
 */
import { ConfigError, NotRegistered } from '../errors.ts';
import { validateTaskOptions } from '../config/task-options.ts';
import type { SignatureData } from '../protocol/task-message.ts';
import type { TaskContext } from '../task/context.ts';
import type { TaskDefinition, TaskTable } from '../task/registry.ts';
import { BuiltinTask, isSignatureData } from './shape.ts';

type Fn = (...args: unknown[]) => unknown;

/** Celery sends `{ task, it }` as keyword arguments; they arrive as one object. */
function mapArgs(name: string, input: unknown): { task: SignatureData; it: unknown[] } {
  const o = input as { task?: unknown; it?: unknown } | null;
  if (typeof o !== 'object' || o === null || !isSignatureData(o.task) || !Array.isArray(o.it)) {
    throw new ConfigError(`${name} expects { task, it }`);
  }
  return { task: o.task, it: o.it };
}

function runEach(table: TaskTable, name: string, star: boolean): Fn {
  return async (self: unknown, input: unknown) => {
    const { task, it } = mapArgs(name, input);
    const def = table.get(task.task);
    if (def === undefined) throw new NotRegistered(task.task);
    const fn = def.fn as Fn;
    const out: unknown[] = [];
    for (const item of it) {
      const args = star ? [...(item as unknown[]), ...task.args] : [item, ...task.args];
      // A bound task gets this task's context: it runs inside it, as Celery's `task(*item)`.
      out.push(await (def.options.bind === true ? fn(self as TaskContext, ...args) : fn(...args)));
    }
    return out;
  };
}

const accumulate: Fn = (...args: unknown[]) => (args.length === 1 ? args[0] : args);

/** Adds the builtins to an app's table (a task the app defines under the same name wins). */
export function registerBuiltinTasks(table: TaskTable): void {
  const defs: TaskDefinition[] = [
    { name: BuiltinTask.map, fn: runEach(table, BuiltinTask.map, false) as TaskDefinition['fn'], options: validateTaskOptions(BuiltinTask.map, { bind: true }) },
    { name: BuiltinTask.starmap, fn: runEach(table, BuiltinTask.starmap, true) as TaskDefinition['fn'], options: validateTaskOptions(BuiltinTask.starmap, { bind: true }) },
    { name: BuiltinTask.accumulate, fn: accumulate as TaskDefinition['fn'], options: validateTaskOptions(BuiltinTask.accumulate, {}) },
  ];
  for (const def of defs) if (!table.has(def.name)) table.set(def.name, def);
}
