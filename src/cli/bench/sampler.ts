/**
 * CPU and memory over one cell. CPU is `process.cpuUsage()`, which is getrusage(RUSAGE_SELF):
 * every thread of the process, so the worker threads' time is in it, and so is the bench's own
 * publishing (and, over memory://, the broker). Peak RSS is sampled on an unref'd interval,
 * since the process-wide `maxRSS` only ever grows and cannot be read per cell.
 */
import type { Millis } from '../../util/time.ts';

export const SAMPLE_EVERY_MS: Millis = 50;

const MB = 1024 * 1024;

export interface ResourceFigures {
  /** CPU time over wall time, percent of one core. */
  cpuPct: number;
  peakRssMb: number;
}

export class ResourceSampler {
  readonly #cpu0: NodeJS.CpuUsage;
  readonly #t0: number;
  readonly #timer: NodeJS.Timeout;
  #peak: number;
  #stopped: ResourceFigures | undefined;

  constructor(everyMs: Millis = SAMPLE_EVERY_MS) {
    this.#peak = process.memoryUsage.rss();
    this.#t0 = performance.now();
    this.#cpu0 = process.cpuUsage();
    this.#timer = setInterval(() => this.#sample(), everyMs);
    this.#timer.unref();
  }

  #sample(): void {
    const rss = process.memoryUsage.rss();
    if (rss > this.#peak) this.#peak = rss;
  }

  /** Stops sampling and returns the figures since construction; later calls return the same. */
  stop(): ResourceFigures {
    if (this.#stopped !== undefined) return this.#stopped;
    const cpu = process.cpuUsage(this.#cpu0);
    const wallMs = performance.now() - this.#t0;
    clearInterval(this.#timer);
    this.#sample();
    const cpuMs = (cpu.user + cpu.system) / 1000;
    this.#stopped = {
      cpuPct: wallMs > 0 ? Math.round((cpuMs / wallMs) * 100) : 0,
      peakRssMb: Math.round(this.#peak / MB),
    };
    return this.#stopped;
  }
}
