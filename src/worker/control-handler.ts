/**
 * The worker's answers to remote control (`inspect` and `control`), with Celery's replies
 * where Celery has them (CELERY-BEHAVIOUR.md, CLI output shapes).
 */
import { parseRateLimit } from '../config/rate-limit.ts';
import { WorkerUnhealthyError } from '../errors.ts';
import type { ControlRequest } from '../protocol/control.ts';
import type { ScheduledSummary, TaskSummary, WorkerStats } from '../control/client.ts';

/** What the handler may see and do inside a worker. */
export interface WorkerInternals {
  hostname: string;
  registered(): { name: string; rateLimit: string | number | null }[];
  active(): TaskSummary[];
  reserved(): TaskSummary[];
  scheduled(): ScheduledSummary[];
  revokedIds(): string[];
  stats(): WorkerStats;
  conf(): Record<string, unknown>;
  queues(): string[];
  revoke(ids: string[], terminate: boolean): void;
  setRateLimit(task: string, rate: string | number | null): void;
  setTimeLimit(task: string, soft: number | null, hard: number | null): void;
  poolGrow(n: number): void;
  poolShrink(n: number): void;
  autoscale(max: number, min: number): void;
  addConsumer(queue: string): Promise<void>;
  cancelConsumer(queue: string): Promise<void>;
  eventsEnabled: boolean;
  heartbeat(): void;
  shutdown(): void;
  /** What keeps it from consuming, one line per queue; empty when healthy. */
  problems(): string[];
}

const num = (v: unknown, fallback: number): number => (typeof v === 'number' && Number.isFinite(v) ? v : fallback);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** Answers one request; a thrown error becomes the `{ error }` reply for this worker. */
export async function handleControl(w: WorkerInternals, req: ControlRequest): Promise<unknown> {
  const a = req.args;
  switch (req.command) {
    case 'ping': {
      // Answering is not enough: a worker whose queues cannot be consumed says why.
      const problems = w.problems();
      if (problems.length > 0) throw new WorkerUnhealthyError(`unhealthy: ${problems.join('; ')}`);
      return 'pong';
    }
    case 'active':
      return w.active();
    case 'reserved':
      return w.reserved();
    case 'scheduled':
      return w.scheduled();
    case 'registered':
      return w.registered().map((t) => (t.rateLimit === null ? t.name : `${t.name} [rate_limit=${t.rateLimit}]`));
    case 'stats':
      return w.stats();
    case 'revoked':
      return w.revokedIds();
    case 'conf':
      return w.conf();
    case 'active_queues':
      return w.queues().map((name) => ({ name }));
    case 'revoke': {
      const ids = Array.isArray(a.ids) ? a.ids.map(String) : [];
      w.revoke(ids, a.terminate === true);
      return `tasks ${ids.join(', ')} flagged as revoked`;
    }
    case 'rate_limit': {
      const task = str(a.task);
      if (!w.registered().some((t) => t.name === task)) throw new Error('unknown task');
      const rate = (a.rate ?? null) as string | number | null;
      parseRateLimit(rate);
      w.setRateLimit(task, rate);
      return 'new rate limit set successfully';
    }
    case 'time_limit': {
      const task = str(a.task);
      if (!w.registered().some((t) => t.name === task)) throw new Error('unknown task');
      w.setTimeLimit(task, (a.soft ?? null) as number | null, (a.hard ?? null) as number | null);
      return 'time limits set successfully';
    }
    case 'pool_grow':
      w.poolGrow(num(a.n, 1));
      return 'pool will grow';
    case 'pool_shrink':
      w.poolShrink(num(a.n, 1));
      return 'pool will shrink';
    case 'autoscale':
      w.autoscale(num(a.max, 1), num(a.min, 0));
      return `autoscale now max=${num(a.max, 1)} min=${num(a.min, 0)}`;
    case 'add_consumer': {
      const queue = str(a.queue);
      if (queue === '') throw new Error('a queue name is required');
      if (w.queues().includes(queue)) return `already consuming from '${queue}'`;
      await w.addConsumer(queue);
      return `add consumer ${queue}`;
    }
    case 'cancel_consumer': {
      const queue = str(a.queue);
      if (!w.queues().includes(queue)) return `not consuming from '${queue}'`;
      await w.cancelConsumer(queue);
      return `no longer consuming from '${queue}'`;
    }
    case 'enable_events':
      if (w.eventsEnabled) return 'task events already enabled';
      w.eventsEnabled = true;
      return 'task events enabled';
    case 'disable_events':
      if (!w.eventsEnabled) return 'task events already disabled';
      w.eventsEnabled = false;
      return 'task events disabled';
    case 'heartbeat':
      w.heartbeat();
      return 'heartbeat sent';
    case 'shutdown':
      // Reply first, then stop: the caller hears the answer.
      setImmediate(() => w.shutdown());
      return 'shutdown requested';
  }
}
