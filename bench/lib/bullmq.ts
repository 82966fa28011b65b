/**
 * The BullMQ baseline of bench/e2e-nats.bench.ts, on the local Redis (127.0.0.1:6379): the same
 * no-op job, a Worker with concurrency 50 (in this process), return values kept (BullMQ stores
 * them in the job, as celeriac stores results). Skipped, with a reason, when `bullmq` is not
 * installed or no Redis answers. `bullmq` is imported by a computed name: it is an optional dev
 * dependency and tsc must not need its types.
 */
import { connect as tcpConnect } from 'node:net';

export interface BullmqRates {
  e2e: number[];
  publish: number[];
  rttP50: number[];
  rttP99: number[];
}

interface Job {
  waitUntilFinished(events: QueueEvents, ttl?: number): Promise<unknown>;
}
interface Queue {
  add(name: string, data: unknown, opts?: Record<string, unknown>): Promise<Job>;
  waitUntilReady(): Promise<unknown>;
  obliterate(opts: { force: boolean }): Promise<void>;
  close(): Promise<void>;
}
interface QueueEvents {
  waitUntilReady(): Promise<unknown>;
  close(): Promise<void>;
}
interface BullWorker {
  on(event: 'completed', cb: () => void): void;
  waitUntilReady(): Promise<unknown>;
  close(): Promise<void>;
}
interface BullMod {
  Queue: new (name: string, opts: Record<string, unknown>) => Queue;
  QueueEvents: new (name: string, opts: Record<string, unknown>) => QueueEvents;
  Worker: new (name: string, fn: () => Promise<unknown>, opts: Record<string, unknown>) => BullWorker;
}

const redisAnswers = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = tcpConnect({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(1000, () => done(false));
    s.once('connect', () => s.write('PING\r\n'));
    s.once('data', (d) => done(d.toString().startsWith('+PONG')));
    s.once('error', () => done(false));
  });

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

/** The rates, or `{ skipped }` naming why BullMQ did not run. */
export async function bullmqRates(n: number, rounds: number, rttSamples: number): Promise<BullmqRates | { skipped: string }> {
  let mod: BullMod;
  try {
    const name = 'bullmq';
    mod = (await import(name)) as BullMod;
  } catch {
    return { skipped: 'skipped: bullmq not installed (npm i -D bullmq)' };
  }
  if (!(await redisAnswers(6379))) return { skipped: 'skipped: no Redis answers on 127.0.0.1:6379' };
  const connection = { host: '127.0.0.1', port: 6379 };
  const name = `celeriac-bench-${process.pid}`;
  const queue = new mod.Queue(name, { connection });
  const parked = new mod.Queue(`${name}-publish`, { connection });
  const events = new mod.QueueEvents(name, { connection });
  const worker = new mod.Worker(name, async () => null, { connection, concurrency: 50 });
  let completed = 0;
  let waiter: (() => void) | null = null;
  let target = 0;
  worker.on('completed', () => {
    if (++completed >= target) waiter?.();
  });
  await Promise.all([queue.waitUntilReady(), parked.waitUntilReady(), events.waitUntilReady(), worker.waitUntilReady()]);
  const out: BullmqRates = { e2e: [], publish: [], rttP50: [], rttP99: [] };
  try {
    for (let r = 0; r < rounds; r++) {
      const t0 = performance.now();
      target = completed + n;
      const all = new Promise<void>((resolve) => (waiter = resolve));
      await Promise.all(Array.from({ length: n }, () => queue.add('noop', null)));
      await all;
      out.e2e.push(n / ((performance.now() - t0) / 1000));
      // Publish only: a queue no worker consumes.
      const t1 = performance.now();
      await Promise.all(Array.from({ length: n }, () => parked.add('noop', null)));
      out.publish.push(n / ((performance.now() - t1) / 1000));
      await parked.obliterate({ force: true });
      const rtts: number[] = [];
      for (let i = 0; i < rttSamples; i++) {
        const s = performance.now();
        await (await queue.add('noop', null)).waitUntilFinished(events, 30_000);
        rtts.push(performance.now() - s);
      }
      out.rttP50.push(pct(rtts, 50));
      out.rttP99.push(pct(rtts, 99));
    }
  } finally {
    await worker.close();
    await events.close();
    await queue.obliterate({ force: true }).catch(() => undefined);
    await Promise.all([queue.close(), parked.close()]);
  }
  return out;
}
