/**
 * A TypeScript script of this folder run in a process of its own (from source, as a user runs
 * one), its output collected, waited for with named deadlines, and killed after the test if it
 * still runs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';
import { TimeoutError } from '../../src/errors.ts';
import { defer } from './worker-procs.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export class ScriptProcess {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly #listeners = new Set<() => void>();

  /** Starts `script` (a path relative to this folder) with `args`; killed after the test. */
  constructor(t: TestContext, script: string, args: string[]) {
    const env: NodeJS.ProcessEnv = { ...process.env };
    // The runner's marker would make the child think it is a test file.
    delete env.NODE_TEST_CONTEXT;
    const path = fileURLToPath(new URL(script, import.meta.url));
    this.child = spawn(process.execPath, ['--conditions=celeriac-source', '--import', 'tsx', path, ...args], {
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
    defer(t, async () => {
      if (this.running) this.child.kill('SIGKILL');
      await this.exited;
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
  exit(what: string, ms = 30_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new TimeoutError(`${what}: still running after ${ms} ms\n${this.dump()}`)), ms);
    });
    return Promise.race([this.exited, deadline]).finally(() => clearTimeout(timer));
  }

  dump(): string {
    return `--- stdout ---\n${this.stdout.slice(-3000)}\n--- stderr ---\n${this.stderr.slice(-3000)}`;
  }
}
