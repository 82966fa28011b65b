/** What the pool and its threads say to each other through Piscina (structured clone). */
import type { WireError } from '../../errors.ts';
import type { ExecEvent } from '../../protocol/execution.ts';

/** Piscina's `workerData` for every thread of one pool. */
export interface ThreadData {
  /** A URL, imported once per thread. */
  appModule: string;
  appName: string;
  /** The BroadcastChannel carrying ExecEvents back to the pool. */
  channel: string;
}

export type ThreadCall =
  /** A warm-up: loads the app module (`start()` waits for the first ones; see thread-balancer.ts). */
  | { kind: 'ping' }
  /** Runs the requests in `execs` (packed: see thread-execs.ts) in order against `sab` (see batch-buffer.ts). */
  | { kind: 'batch'; key: number; execs: unknown[]; sab: SharedArrayBuffer };

export type ThreadReply =
  | { kind: 'pong'; error: WireError | null }
  /**
   * The batch ended. `spill` is the outcome of task `i` that did not fit in the log: the thread
   * stopped there, and the tasks after it (still pending in the buffer) go back to the queue.
   */
  | { kind: 'done'; spill: { i: number; bytes: Uint8Array } | null };

/** Posted on the BroadcastChannel: the run key and task index identify the entry exactly. */
export type ChannelMessage = [key: number, index: number, ev: ExecEvent];
