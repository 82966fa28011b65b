/**
 * One canvas test file = the canvas fixture app on a hub of its own, one real worker (threads,
 * concurrency 2) started before the first test, and `app.close()` after the last. The fixture
 * app must not have published before `useCanvasApp()` points it at the file's hub.
 */
import { after, before } from 'node:test';
import type { Worker } from 'celeriac';
import { app } from '../fixtures/canvas-app.ts';
import { uniqueName } from '../helpers/ns.ts';

export const CANVAS_MODULE = new URL('../fixtures/canvas-app.ts', import.meta.url).href;

export const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
/** Python's `zip(range(n), range(n))`. */
export const pairs = (n: number): [number, number][] => range(n).map((i) => [i, i]);

export interface CanvasFixture {
  app: typeof app;
  /** The file's worker, once `before` ran. */
  worker(): Worker;
}

export function useCanvasApp(label: string): CanvasFixture {
  app.conf.update({ broker: `memory://${uniqueName(`canvas-${label}`)}` });
  let worker: Worker | undefined;
  before(async () => {
    worker = app.worker({ concurrency: 2, module: CANVAS_MODULE, hostname: `${uniqueName(label)}@test` });
    await worker.start();
  });
  after(() => app.close());
  return {
    app,
    worker: () => {
      if (worker === undefined) throw new Error('the worker starts in before()');
      return worker;
    },
  };
}

/** How many times the worker ran `task` (its `stats().total`, as Celery's). */
export async function runs(fixture: CanvasFixture, task: string): Promise<number> {
  const replies = await fixture.app.control.inspect({ destination: [fixture.worker().hostname], timeout: 2 }).stats();
  const stats = Object.values(replies)[0] as { total: Record<string, number> } | undefined;
  return stats?.total[task] ?? 0;
}
