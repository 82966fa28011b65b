/**
 * The load of one cell: `count` round trips (publish, then wait for the result), pipelined with
 * at most `inflight` outstanding, so that memory stays bounded whatever the count. Each round
 * trip is timed from just before its publish to the moment its result is seen here. A failed
 * round trip (the task raised, the publish was refused, no result within `timeoutMs`) is
 * counted and the run goes on.
 *
 * The deadline is kept here, by one sweep over the round trips in start order, rather than by
 * a timer per wait: that is cheaper per task, and a round trip abandoned on abort or timeout
 * leaves no timer behind to keep the process alive.
 */
import type { Millis } from '../../util/time.ts';

/** One publish-and-wait; resolves `undefined` on success or `Name: message` for a failed task. */
export type RoundTrip = () => Promise<string | undefined>;

export interface LoadOptions {
  count: number;
  inflight: number;
  /** A round trip not finished after this long counts as an error. */
  timeoutMs: Millis;
  /** Stops publishing; the load then resolves with what finished so far. */
  signal?: AbortSignal;
  /** Called after every finished round trip with the number finished. */
  onDone?: (done: number) => void;
}

export interface LoadResult {
  /** Round trips that finished (successes and errors). */
  done: number;
  errors: number;
  firstError: string | undefined;
  /** Latencies of the successful round trips, ms. */
  latencies: Float64Array;
  wallMs: Millis;
  aborted: boolean;
}

/** `Name: message`, as the table and the JSON show a failure. */
export const describeError = (err: unknown): string => (err instanceof Error ? `${err.name}: ${err.message}` : String(err));

/** How often the deadline sweep runs: often enough for a timeout to be noticed within a quarter of it. */
const sweepEvery = (timeoutMs: Millis): Millis => Math.max(10, Math.min(1000, timeoutMs / 4));

export function runLoad(roundTrip: RoundTrip, opts: LoadOptions): Promise<LoadResult> {
  const { count, inflight, signal, timeoutMs } = opts;
  const latencies = new Float64Array(count);
  let ok = 0;
  let errors = 0;
  let sent = 0;
  let done = 0;
  let firstError: string | undefined;
  // Unfinished round trips, in start order (a Map iterates in insertion order): seq → start time.
  const pending = new Map<number, number>();
  const t0 = performance.now();

  return new Promise<LoadResult>((resolve) => {
    let settled = false;
    let sweeper: NodeJS.Timeout | undefined;
    const finish = (aborted: boolean): void => {
      if (settled) return;
      settled = true;
      clearInterval(sweeper);
      pending.clear();
      signal?.removeEventListener('abort', onAbort);
      resolve({ done, errors, firstError, latencies: latencies.subarray(0, ok), wallMs: performance.now() - t0, aborted });
    };
    const onAbort = (): void => finish(true);

    const settle = (seq: number, started: number, failure: string | undefined): void => {
      // Already counted: it timed out, or the load ended.
      if (!pending.delete(seq)) return;
      if (failure === undefined) latencies[ok++] = performance.now() - started;
      else {
        errors++;
        firstError ??= failure;
      }
      done++;
      opts.onDone?.(done);
      if (done === count) finish(false);
      else pump();
    };

    const pump = (): void => {
      while (!settled && sent < count && sent - done < inflight) {
        const seq = sent++;
        const started = performance.now();
        pending.set(seq, started);
        let p: Promise<string | undefined>;
        try {
          p = roundTrip();
        } catch (err) {
          p = Promise.reject(err);
        }
        p.then(
          (failure) => settle(seq, started, failure),
          (err: unknown) => settle(seq, started, describeError(err)),
        );
      }
    };

    if (signal?.aborted === true) return finish(true);
    signal?.addEventListener('abort', onAbort, { once: true });
    if (count === 0) return finish(false);
    sweeper = setInterval(() => {
      const now = performance.now();
      for (const [seq, started] of pending) {
        if (now - started < timeoutMs) break;
        settle(seq, started, `TimeoutError: no result within ${timeoutMs / 1000} s`);
        if (settled) break;
      }
    }, sweepEvery(timeoutMs));
    // Not unref'd: while round trips are open, their deadline is what ends them; the sweep
    // ends with the load (finish), so it never outlives it.
    pump();
  });
}
