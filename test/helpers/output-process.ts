/**
 * A TypeScript script run in a process of its own from source (as a user runs one), its output
 * collected, waited for with named deadlines. The multi-process, fault and script tests build
 * on it; who kills it after the test is up to them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { TimeoutError } from '../../src/errors.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export type ExitInfo = { code: number | null; signal: NodeJS.Signals | null };

export class OutputProcess {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  readonly exited: Promise<ExitInfo>;
  readonly #listeners = new Set<() => void>();

  /** Starts `scriptPath` (absolute) with `args`; `label` names it in failures. */
  constructor(
    scriptPath: string,
    args: string[],
    readonly label: string,
  ) {
    const env: NodeJS.ProcessEnv = { ...process.env };
    // The runner's marker would make the child think it is a test file.
    delete env.NODE_TEST_CONTEXT;
    this.child = spawn(process.execPath, ['--conditions=celeriac-source', '--import', 'tsx', scriptPath, ...args], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout!.setEncoding('utf8').on('data', (s: string) => {
      this.stdout += s;
      this.#notify();
    });
    this.child.stderr!.setEncoding('utf8').on('data', (s: string) => {
      this.stderr = (this.stderr + s).slice(-20_000);
      this.#notify();
    });
    this.exited = new Promise((resolve) => {
      this.child.once('close', (code, signal) => {
        this.#notify();
        resolve({ code, signal });
      });
    });
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  #notify(): void {
    for (const l of this.#listeners) l();
  }

  /** Waits until stdout matches `re`; rejects at the deadline or when the process ends first. */
  waitFor(re: RegExp, what: string, ms = 30_000): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      const listener = (): void => {
        const m = this.stdout.match(re);
        if (m !== null) {
          done();
          resolve(m);
        } else if (!this.running) {
          done();
          reject(new Error(`${what}: the process ended first (code ${this.child.exitCode}, signal ${this.child.signalCode})\n${this.dump()}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new TimeoutError(`${what}: not seen after ${ms} ms\n${this.dump()}`));
      }, ms);
      const done = (): void => {
        clearTimeout(timer);
        this.#listeners.delete(listener);
      };
      this.#listeners.add(listener);
      listener();
    });
  }

  /** Resolves with how it exited; rejects at the deadline. */
  exit(what: string, ms = 30_000): Promise<ExitInfo> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new TimeoutError(`${what}: still running after ${ms} ms\n${this.dump()}`)), ms);
    });
    return Promise.race([this.exited, deadline]).finally(() => clearTimeout(timer));
  }

  /** SIGKILL (a crash) and wait for the exit. Harmless when already gone. */
  async kill(): Promise<void> {
    if (this.running) this.child.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM (warm stop) and wait for the exit. */
  async terminate(): Promise<ExitInfo> {
    if (this.running) this.child.kill('SIGTERM');
    return this.exited;
  }

  dump(): string {
    return `--- ${this.label} stdout ---\n${this.stdout.slice(-3000)}\n--- stderr ---\n${this.stderr.slice(-3000)}`;
  }
}
