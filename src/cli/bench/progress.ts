/**
 * Progress on stderr (stdout carries only the table or the JSON). On a terminal, a bar redrawn
 * in place at most ten times a second, and a line left behind for each finished cell; on
 * anything else (a pipe, a CI log), only the line per finished cell; with `--quiet`, nothing.
 */
import { pointLabel } from './grid.ts';
import { fmtMs, fmtRate } from './recommend.ts';
import type { CellResult, GridPoint } from './types.ts';

export interface ProgressSink {
  readonly isTTY: boolean;
  /** Terminal width, when known. */
  readonly columns?: number;
  write(text: string): void;
}

export type Phase = 'starting' | 'warm-up' | 'measuring' | 'stopping';

export interface Progress {
  /** A cell enters a phase; `count` is the number of tasks it measures. */
  phase(index: number, point: GridPoint, phase: Phase, count?: number): void;
  /** `done` of `count` measured tasks finished in the current cell. */
  tick(done: number, count: number): void;
  cellDone(index: number, result: CellResult): void;
  /** Clears the bar; idempotent. */
  end(): void;
}

const BAR_WIDTH = 24;
const REDRAW_MS = 100;

/** `bench [3/8] threads c=2 ×16: 18,400 tasks/s, p50 0.9 ms, p99 2.1 ms, 0 errors` */
export function cellLine(index: number, total: number, r: CellResult): string {
  return `bench [${index + 1}/${total}] ${pointLabel(r)}: ${fmtRate(r.throughput)} tasks/s, p50 ${fmtMs(r.p50Ms)} ms, p99 ${fmtMs(r.p99Ms)} ms, ${r.errors} errors`;
}

/** `bench [3/8] threads c=2 ×16 measuring [#########...............]  38% 7,600/20,000` */
export function barLine(index: number, total: number, point: GridPoint, phase: Phase, done: number, count: number): string {
  const head = `bench [${index + 1}/${total}] ${pointLabel(point)} ${phase}`;
  if (phase !== 'measuring') return head;
  const f = count === 0 ? 0 : Math.min(1, done / count);
  const fill = Math.round(f * BAR_WIDTH);
  return `${head} [${'#'.repeat(fill)}${'.'.repeat(BAR_WIDTH - fill)}] ${String(Math.floor(f * 100)).padStart(3)}% ${fmtRate(done)}/${fmtRate(count)}`;
}

class SilentProgress implements Progress {
  phase(): void {}
  tick(): void {}
  cellDone(): void {}
  end(): void {}
}

class LineProgress implements Progress {
  constructor(
    readonly sink: ProgressSink,
    readonly total: number,
  ) {}
  phase(): void {}
  tick(): void {}
  cellDone(index: number, result: CellResult): void {
    this.sink.write(`${cellLine(index, this.total, result)}\n`);
  }
  end(): void {}
}

class BarProgress implements Progress {
  readonly #sink: ProgressSink;
  readonly #total: number;
  #index = 0;
  #point: GridPoint | undefined;
  #phase: Phase = 'starting';
  #lastDraw = 0;
  #shown = false;

  constructor(sink: ProgressSink, total: number) {
    this.#sink = sink;
    this.#total = total;
  }

  #draw(done: number, count: number): void {
    if (this.#point === undefined) return;
    this.#lastDraw = performance.now();
    let text = barLine(this.#index, this.#total, this.#point, this.#phase, done, count);
    const cols = this.#sink.columns;
    if (cols !== undefined && cols > 10 && text.length >= cols) text = text.slice(0, cols - 1);
    this.#sink.write(`\r\x1b[2K${text}`);
    this.#shown = true;
  }

  #clear(): void {
    if (this.#shown) this.#sink.write('\r\x1b[2K');
    this.#shown = false;
  }

  phase(index: number, point: GridPoint, phase: Phase, count = 0): void {
    this.#index = index;
    this.#point = point;
    this.#phase = phase;
    this.#draw(0, count);
  }

  tick(done: number, count: number): void {
    if (done === count || performance.now() - this.#lastDraw >= REDRAW_MS) this.#draw(done, count);
  }

  cellDone(index: number, result: CellResult): void {
    this.#clear();
    this.#sink.write(`${cellLine(index, this.#total, result)}\n`);
  }

  end(): void {
    this.#clear();
  }
}

export function createProgress(sink: ProgressSink, opts: { quiet: boolean; total: number }): Progress {
  if (opts.quiet) return new SilentProgress();
  return sink.isTTY ? new BarProgress(sink, opts.total) : new LineProgress(sink, opts.total);
}
