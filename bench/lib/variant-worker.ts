/**
 * A variant's child process running the bench app (bench/fixtures/bench-app.ts): the app
 * configured for the variant, and its worker: over memory:// embedded in the caller's process
 * (memory:// does not cross processes); over nats:// in a process of its own
 * (bench/fixtures/worker-process.ts), producer and worker apart as deployed.
 */
import { app } from '../fixtures/bench-app.ts';
import type { WorkerProcessOptions } from '../fixtures/worker-process.ts';
import { childPayload, spawnLineProcess } from './child.ts';
import { variantConf, type Variant, type VariantPayload } from './variants.ts';

/** In a variant's child: its payload and the configuration now applied to the bench app; undefined in the parent. */
export function benchAppChild<P>(): (VariantPayload<P> & { conf: Record<string, unknown> }) | undefined {
  const payload = childPayload<VariantPayload<P>>();
  if (payload === undefined) return undefined;
  const conf = variantConf(payload);
  app.conf.update(conf);
  return { ...payload, conf };
}

export interface VariantWorker {
  /** Where it runs, for notes. */
  readonly where: 'embedded' | 'own process';
  stop(): Promise<void>;
}

/** Starts the bench app's worker for `variant` with `conf` (already applied to `app`); resolves once it consumes. */
export async function startVariantWorker(
  variant: Variant,
  conf: Record<string, unknown>,
  opts: { concurrency: number; prefetchMultiplier: number },
): Promise<VariantWorker> {
  if (variant.broker === 'memory') {
    const worker = app.worker({ ...opts, pool: variant.pool, hostname: `bench-${process.pid}@local` });
    await worker.start();
    return { where: 'embedded', stop: () => worker.stop() };
  }
  const options: WorkerProcessOptions = { conf, ...opts, pool: variant.pool };
  const remote = await spawnLineProcess(new URL('../fixtures/worker-process.ts', import.meta.url), [JSON.stringify(options)]);
  return { where: 'own process', stop: () => remote.stop() };
}
