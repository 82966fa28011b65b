/** Chooses the pool implementation: the worker supervisor's only entry into this folder. */
import { InlinePool } from './inline-pool.ts';
import { ThreadPool } from './thread-pool.ts';
import type { Pool, PoolOptions } from './types.ts';

export function createPool(opts: PoolOptions): Pool {
  return opts.kind === 'inline' ? new InlinePool(opts) : new ThreadPool(opts);
}
