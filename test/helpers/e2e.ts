/**
 * Starts the e2e fixture app on a private memory hub with a real worker, and closes both
 * after the test file. Every test file gets its own hub, so files can run in parallel.
 */
import type { TestContext } from 'node:test';
import { after } from 'node:test';
import type { Worker, WorkerOptions } from 'celeriac';
import { app } from '../fixtures/e2e-app.ts';
import { uniqueName } from './ns.ts';

export const E2E_MODULE = new URL('../fixtures/e2e-app.ts', import.meta.url).href;

let configured = false;

/** Points the fixture app at a fresh hub (once per test file) and closes it after the file. */
export function useApp(config: Record<string, unknown> = {}): typeof app {
  if (!configured) {
    configured = true;
    app.conf.update({ broker: `memory://${uniqueName('e2e')}`, ...config });
    after(() => app.close());
  }
  return app;
}

/** A started worker, stopped after the test. */
export async function startWorker(t: TestContext | null, options: WorkerOptions = {}): Promise<Worker> {
  const worker = app.worker({ concurrency: 2, hostname: uniqueName('w') + '@test', ...options });
  await worker.start();
  if (t !== null) t.after(() => worker.stop({ force: true }));
  return worker;
}
