/**
 * Runs the real `celeriac` binary in child processes: `node --conditions=celeriac-source
 * --import tsx bin/celeriac.js ...`, so that the launcher takes its from-source path without a
 * re-exec. Output is collected as it arrives; waits have named deadlines.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { TimeoutError } from '../../src/errors.ts';
import { uniqueName } from '../helpers/ns.ts';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BIN = fileURLToPath(new URL('../../bin/celeriac.js', import.meta.url));
export const APP = fileURLToPath(new URL('../fixtures/cli-app.ts', import.meta.url));
export const SOURCE_FLAGS = ['--conditions=celeriac-source', '--import', 'tsx'];

/** A NATS namespace of its own for one test file. */
export const newPrefix = (): string => uniqueName('cli').replace(/-/g, '_');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** Extra environment variables. */
  env?: Record<string, string>;
  /** Node flags before the launcher. @default SOURCE_FLAGS */
  nodeFlags?: string[];
  /** Written to stdin, which is then closed (stdin is never a TTY here). */
  input?: string;
}

/** One running `celeriac` process. */
export class Cli {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  readonly exited: Promise<CliResult>;
  #listeners = new Set<() => void>();

  constructor(args: string[], opts: CliOptions = {}) {
    const env: NodeJS.ProcessEnv = { ...process.env, ...opts.env };
    // The runner's marker would make a child node think it is a test file.
    delete env.NODE_TEST_CONTEXT;
    delete env.CELERIAC_RELAYED;
    this.child = spawn(process.execPath, [...(opts.nodeFlags ?? SOURCE_FLAGS), BIN, ...args], { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout!.setEncoding('utf8').on('data', (s: string) => {
      this.stdout += s;
      this.#notify();
    });
    this.child.stderr!.setEncoding('utf8').on('data', (s: string) => {
      this.stderr += s;
      this.#notify();
    });
    this.child.stdin!.end(opts.input ?? '');
    this.exited = new Promise((resolve) => {
      this.child.once('close', (code, signal) => {
        this.#notify();
        resolve({ code, signal, stdout: this.stdout, stderr: this.stderr });
      });
    });
  }

  #notify(): void {
    for (const l of this.#listeners) l();
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Waits until `stream` matches `re`; rejects at the deadline or when the process ends first. */
  waitFor(stream: 'stdout' | 'stderr', re: RegExp, what: string, ms = 20_000): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const m = this[stream].match(re);
        if (m !== null) {
          done();
          resolve(m);
          return true;
        }
        if (!this.running) {
          done();
          reject(new Error(`${what}: the process ended first (code ${this.child.exitCode}, signal ${this.child.signalCode})\n${this.#dump()}`));
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => {
        done();
        reject(new TimeoutError(`${what}: not seen after ${ms} ms\n${this.#dump()}`));
      }, ms);
      const done = (): void => {
        clearTimeout(timer);
        this.#listeners.delete(listener);
      };
      const listener = (): void => void check();
      this.#listeners.add(listener);
      check();
    });
  }

  /** Resolves with the result, or rejects (after SIGKILL) if it has not ended within `ms`. */
  async result(ms = 20_000): Promise<CliResult> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.child.kill('SIGKILL');
        reject(new TimeoutError(`celeriac did not exit within ${ms} ms\n${this.#dump()}`));
      }, ms);
    });
    try {
      return await Promise.race([this.exited, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** For test cleanup: SIGKILL if still running, then wait. */
  async kill(): Promise<void> {
    if (this.running) this.child.kill('SIGKILL');
    await this.exited;
  }

  #dump(): string {
    return `--- stdout ---\n${this.stdout.slice(-3000)}\n--- stderr ---\n${this.stderr.slice(-3000)}`;
  }
}

/** Runs one command to its end. */
export function runCli(args: string[], opts: CliOptions & { timeoutMs?: number } = {}): Promise<CliResult> {
  return new Cli(args, opts).result(opts.timeoutMs);
}

/** The stdout lines, without the empty one after the last newline. */
export const lines = (text: string): string[] => text.replace(/\n$/, '').split('\n');
