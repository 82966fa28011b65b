/**
 * Liveness bookkeeping of a pull loop (subscription.ts): when a pull round last ended normally,
 * and since when the loop has been failing. A loop failing for `failingAfter` (no stream or
 * consumer it may use, no JetStream leader, permissions), or silent for `silentAfter` while it
 * had credit to pull with, reports the subscription unhealthy (`inspect ping`, heartbeats).
 */
import type { SubscriptionHealth } from '../types.ts';

export class PullHealth {
  /** When a pull round last ended normally (epoch ms). */
  #aliveAt = Date.now();
  /** The loop's first failure since it last worked, and the latest error. */
  #failing: { since: number; error: string } | null = null;

  constructor(
    readonly queue: string,
    readonly failingAfter: number,
    readonly silentAfter: number,
  ) {}

  /** A round ended normally (messages, empty, expired), or the loop was not trying (no credit). */
  alive(): void {
    this.#aliveAt = Date.now();
  }

  /** The loop made progress: whatever failed before is over. */
  recovered(): void {
    this.#aliveAt = Date.now();
    this.#failing = null;
  }

  failed(err: unknown): void {
    const error = err instanceof Error ? err.message : String(err);
    this.#failing = { since: this.#failing?.since ?? Date.now(), error };
  }

  report(couldPull: boolean): SubscriptionHealth {
    const now = Date.now();
    const f = this.#failing;
    if (f !== null && now - f.since >= this.failingAfter) {
      return { ok: false, problem: `queue ${this.queue}: cannot consume since ${new Date(f.since).toISOString()}: ${f.error}`, since: f.since };
    }
    if (couldPull && now - this.#aliveAt >= this.silentAfter) {
      return { ok: false, problem: `queue ${this.queue}: no answer from the server for ${Math.round((now - this.#aliveAt) / 1000)} s`, since: this.#aliveAt };
    }
    return { ok: true };
  }
}
