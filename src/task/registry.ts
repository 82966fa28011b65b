/**
 * Task definitions by app and name. A worker thread imports the user's app module, whose
 * `app.task(...)` calls land here; the thread then looks its tasks up by the app's name. The
 * table hangs off `globalThis` under a registered symbol so that two copies of celeriac in one
 * thread (a `dist/` and a `src/` import) still share it.
 */
import type { TaskOptions } from './options.ts';

export interface TaskDefinition {
  name: string;
  /** The user's function; with `bind`, its first parameter is the TaskContext. */
  fn: (...args: never[]) => unknown;
  options: TaskOptions;
}

export type TaskTable = Map<string, TaskDefinition>;

const KEY = Symbol.for('celeriac.registry.v1');
type Global = { [KEY]?: Map<string, TaskTable> };

function apps(): Map<string, TaskTable> {
  const g = globalThis as Global;
  return (g[KEY] ??= new Map());
}

/** The table of `appName`, created on first use. */
export function taskTable(appName: string): TaskTable {
  let table = apps().get(appName);
  if (table === undefined) {
    table = new Map();
    apps().set(appName, table);
  }
  return table;
}

export function lookupTask(appName: string, taskName: string): TaskDefinition | undefined {
  return apps().get(appName)?.get(taskName);
}
