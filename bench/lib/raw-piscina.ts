/**
 * The baseline every pool figure is compared with: raw Piscina running the same function,
 * one task per `run()`, or `batch` tasks per `run()` (the handler's `batch` export maps them).
 */
import { Piscina } from 'piscina';
import { perSecond, repeat } from './stats.ts';

export interface RawPiscinaRun {
  /** The handler module: default export one task, `batch` export many. */
  filename: URL;
  threads: number;
  rounds: number;
  /** Tasks per round. */
  n: number;
  /** The argument of task `i`. */
  arg: (i: number) => unknown;
  /** Tasks per `run()`. @default 1 */
  batch?: number;
}

/** Wall ms of each round (after a warm-up that starts every thread). */
export async function rawPiscinaWalls(o: RawPiscinaRun): Promise<number[]> {
  const piscina = new Piscina({ filename: o.filename.href, minThreads: o.threads, maxThreads: o.threads });
  const batch = o.batch ?? 1;
  const round = (n: number) => {
    const args = Array.from({ length: n }, (_, i) => o.arg(i));
    if (batch === 1) return Promise.all(args.map((a) => piscina.run(a)));
    const runs: Promise<unknown>[] = [];
    for (let i = 0; i < n; i += batch) runs.push(piscina.run(args.slice(i, i + batch), { name: 'batch' }));
    return Promise.all(runs);
  };
  try {
    await round(o.threads * 8 * batch);
    return await repeat(o.rounds, async () => {
      const t0 = performance.now();
      await round(o.n);
      return performance.now() - t0;
    });
  } finally {
    await piscina.close();
  }
}

const NOOP = new URL('../fixtures/noop-worker.ts', import.meta.url);

/** No-op tasks/s of each round: one task per `run()`, or `batch` per `run()`. */
export async function rawPiscinaRate(n: number, threads: number, rounds: number, batch = 1): Promise<number[]> {
  const walls = await rawPiscinaWalls({ filename: NOOP, threads, rounds, n, arg: (i) => i, batch });
  return walls.map((ms) => perSecond(n, ms));
}
