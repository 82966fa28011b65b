/**
 * The app module, like Celery's `proj/celery.py`: the app and its tasks, and nothing that
 * runs on import. Worker threads import this file to find the tasks.
 */
import { Celeriac, type TaskContext } from 'celeriac';

export const app = new Celeriac('proj', {
  broker: 'memory://', // the embedded default: no server needed
  module: import.meta.url, // where worker threads load this module from
});

export const add = app.task('proj.add', (x: number, y: number) => x + y);
export const mul = app.task('proj.mul', (x: number, y: number) => x * y);
export const xsum = app.task('proj.xsum', (xs: number[]) => xs.reduce((a, b) => a + b, 0));

/** Fails on purpose, to show a FAILURE with its remote traceback. */
export const boom = app.task('proj.boom', (why: string) => {
  throw new RangeError(`boom: ${why}`);
});

/** Reports progress with a custom state, as the seeds' `hello` task does. */
export const hello = app.task(
  'proj.hello',
  async (self: TaskContext, a: number, b: number) => {
    self.updateState('PROGRESS', { progress: 50 });
    await new Promise((r) => setTimeout(r, 20));
    self.updateState('PROGRESS', { progress: 90 });
    return `hello world: ${a + b}`;
  },
  { bind: true, trackStarted: true },
);
