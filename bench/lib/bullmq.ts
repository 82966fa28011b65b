/**
 * The BullMQ baseline, on the local Redis (127.0.0.1:6379): the same no-op job, its Worker in a
 * process of its own (bench/fixtures/bullmq-worker.mjs, concurrency 50) as celeriac's nats://
 * worker is, return values kept (BullMQ stores them in the job, as celeriac stores results).
 * Completion is read from the queue's completed count, polled every few ms: one Redis call,
 * where waiting on each job would cost the producer more than the jobs.
 * Skipped, with a reason, when `bullmq` is not installed or no Redis answers.
 */
import { connect as tcpConnect } from 'node:net';
import type * as Bullmq from 'bullmq';
import { spawnLineProcess, type LineProcess } from './child.ts';
import { percentile, perSecond, repeat } from './stats.ts';

/** The local Redis; REDIS_PORT moves it (e.g. to see the skip message). */
export const REDIS = { host: '127.0.0.1', port: Number(process.env.REDIS_PORT ?? 6379) } as const;
const WORKER_CONCURRENCY = 50;
const POLL_MS = 2;

export interface BullmqRates {
  e2e: number[];
  publish: number[];
  rttP50: number[];
  rttP99: number[];
}

export type Skipped = { skipped: string };

const redisAnswers = (): Promise<boolean> =>
  new Promise((resolve) => {
    const s = tcpConnect(REDIS);
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(1000, () => done(false));
    s.once('connect', () => s.write('PING\r\n'));
    s.once('data', (d) => done(d.toString().startsWith('+PONG')));
    s.once('error', () => done(false));
  });

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** BullMQ, connected, with a no-op worker process on its main queue. */
export interface BullmqSession {
  /** Jobs/s: `n` no-op jobs added at once, until the worker completed them all. */
  e2e(n: number): Promise<number>;
  /** Jobs/s: `n` jobs added at once to a queue nobody works, until every add returned. */
  publish(n: number): Promise<number>;
  /** Jobs/s: `n` jobs waiting in a paused queue, from resume until the worker completed them all. */
  drain(n: number): Promise<number>;
  /** Round trip ms of `samples` jobs one at a time, add then wait until finished. */
  rtt(samples: number): Promise<{ p50: number; p99: number }>;
  /** Wall ms of `count` fib(`fibN`) jobs in BullMQ's worker threads at `concurrency`, `rounds` times after a warm-up. */
  cpuBound(count: number, fibN: number, concurrency: number, rounds: number): Promise<number[]>;
  /** RSS in bytes of the no-op worker process now, and at its peak since the last call. */
  workerMemory(): Promise<{ rss: number; peakRss: number }>;
  close(): Promise<void>;
}

/** A BullMQ session, or `{ skipped }` naming why BullMQ cannot run here. */
export async function openBullmq(): Promise<BullmqSession | Skipped> {
  let mod: typeof Bullmq;
  try {
    mod = (await import('bullmq')) as typeof Bullmq;
  } catch {
    return { skipped: 'skipped: bullmq is not installed (npm i -D bullmq)' };
  }
  if (!(await redisAnswers())) return { skipped: `skipped: no Redis answers on ${REDIS.host}:${REDIS.port}` };
  const name = `celeriac-bench-${process.pid}-${Date.now().toString(36)}`;
  const connection = { ...REDIS };
  const queue = new mod.Queue(name, { connection });
  const parked = new mod.Queue(`${name}-parked`, { connection });
  const fibQueue = new mod.Queue(`${name}-fib`, { connection });
  let events: Bullmq.QueueEvents | undefined;
  const worker = await startWorker({ connection, queue: name, concurrency: WORKER_CONCURRENCY, processor: 'noop' });
  await Promise.all([queue.waitUntilReady(), parked.waitUntilReady(), fibQueue.waitUntilReady()]);

  const addAll = (q: Bullmq.Queue, n: number, data: unknown = null) => Promise.all(Array.from({ length: n }, () => q.add('job', data)));
  const completedReach = async (q: Bullmq.Queue, target: number) => {
    while ((await q.getCompletedCount()) < target) await sleep(POLL_MS);
  };

  const session: BullmqSession = {
    async e2e(n) {
      const target = (await queue.getCompletedCount()) + n;
      const t0 = performance.now();
      await addAll(queue, n);
      await completedReach(queue, target);
      return perSecond(n, performance.now() - t0);
    },
    async publish(n) {
      const t0 = performance.now();
      await addAll(parked, n);
      const rate = perSecond(n, performance.now() - t0);
      await parked.obliterate({ force: true });
      return rate;
    },
    async drain(n) {
      await queue.pause();
      const target = (await queue.getCompletedCount()) + n;
      await addAll(queue, n);
      const t0 = performance.now();
      await queue.resume();
      await completedReach(queue, target);
      return perSecond(n, performance.now() - t0);
    },
    async rtt(samples) {
      events ??= new mod.QueueEvents(name, { connection });
      await events.waitUntilReady();
      const xs: number[] = [];
      for (let i = 0; i < samples; i++) {
        const s = performance.now();
        await (await queue.add('job', null)).waitUntilFinished(events, 30_000);
        xs.push(performance.now() - s);
      }
      return { p50: percentile(xs, 50), p99: percentile(xs, 99) };
    },
    async cpuBound(count, fibN, concurrency, rounds) {
      const fibWorker = await startWorker({ connection, queue: fibQueue.name, concurrency, processor: 'fib' });
      try {
        const run = async (k: number) => {
          const target = (await fibQueue.getCompletedCount()) + k;
          const t0 = performance.now();
          await fibQueue.addBulk(Array.from({ length: k }, () => ({ name: 'fib', data: fibN })));
          await completedReach(fibQueue, target);
          return performance.now() - t0;
        };
        await run(concurrency * 4); // the threads start on the first jobs
        return await repeat(rounds, () => run(count));
      } finally {
        await fibWorker.stop();
      }
    },
    async workerMemory() {
      return JSON.parse(await worker.ask('mem', 'mem ')) as { rss: number; peakRss: number };
    },
    async close() {
      await worker.stop();
      await events?.close();
      for (const q of [queue, parked, fibQueue]) {
        await q.obliterate({ force: true }).catch(() => undefined);
        await q.close();
      }
    },
  };
  return session;
}

interface BullmqWorkerOptions {
  connection: typeof REDIS;
  queue: string;
  concurrency: number;
  processor: 'noop' | 'fib';
}

function startWorker(opts: BullmqWorkerOptions): Promise<LineProcess> {
  return spawnLineProcess(new URL('../fixtures/bullmq-worker.mjs', import.meta.url), [JSON.stringify(opts)], { plainNode: true });
}

/** `fn` with a session, closed after; `{ skipped }` when BullMQ cannot run here. */
export async function withBullmq<T>(fn: (b: BullmqSession) => Promise<T>): Promise<T | Skipped> {
  const b = await openBullmq();
  if ('skipped' in b) {
    console.log(`BullMQ ${b.skipped}`);
    return b;
  }
  try {
    return await fn(b);
  } finally {
    await b.close();
  }
}

/** The figures bench/e2e-nats.bench.ts compares with, `rounds` times each. */
export function bullmqRates(n: number, rounds: number, rttSamples: number): Promise<BullmqRates | Skipped> {
  return withBullmq(async (b) => {
    await b.e2e(Math.min(n, 1000)); // warm-up
    const runs = await repeat(rounds, async () => ({ e2e: await b.e2e(n), publish: await b.publish(n), rtt: await b.rtt(rttSamples) }));
    return {
      e2e: runs.map((x) => x.e2e),
      publish: runs.map((x) => x.publish),
      rttP50: runs.map((x) => x.rtt.p50),
      rttP99: runs.map((x) => x.rtt.p99),
    };
  });
}
