/**
 * A TypeScript script of this folder run in a process of its own (from source, as a user runs
 * one), its output collected, waited for with named deadlines, and killed after the test if it
 * still runs.
 */
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';
import { OutputProcess } from '../helpers/output-process.ts';
import { defer } from './worker-procs.ts';

export class ScriptProcess extends OutputProcess {
  /** Starts `script` (a path relative to this folder) with `args`; killed after the test. */
  constructor(t: TestContext, script: string, args: string[]) {
    super(fileURLToPath(new URL(script, import.meta.url)), args, script);
    defer(t, () => this.kill());
  }
}
