/**
 * Child processes of the benches, all run the way `npm run bench` runs a scenario (from source,
 * through tsx). Two shapes:
 *   - `runChild`: one measurement in a fresh process, its answer one `CHILD_RESULT <json>` line,
 *     with a deadline after which the child is killed and the answer is "timed out";
 *   - `spawnLineProcess`: a long-lived helper (a worker in a process of its own) spoken to in
 *     lines on stdin/stdout (its side: fixtures/line-protocol.mjs). Helpers exit when their
 *     stdin closes, so one whose parent was killed at a deadline does not outlive it.
 */
import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';

const CHILD_RESULT = 'CHILD_RESULT ';
const PAYLOAD_ENV = 'BENCH_CHILD_PAYLOAD';
const NODE_ARGS = ['--conditions=celeriac-source', '--import', 'tsx'];

const pathOf = (file: string | URL): string => (String(file).startsWith('file:') ? fileURLToPath(file) : String(file));

export type ChildOutcome<T> = { ok: true; value: T } | { ok: false; reason: string };

/** The payload a parent passed to this process, or undefined when it runs as the parent. */
export function childPayload<P>(): P | undefined {
  const raw = process.env[PAYLOAD_ENV];
  return raw === undefined ? undefined : (JSON.parse(raw) as P);
}

/** Hands this child's answer to its parent and ends the process (a leaked handle must not hang the bench). */
export function answerParent(value: unknown): never {
  process.stdout.write(`${CHILD_RESULT}${JSON.stringify(value)}\n`);
  process.exit(0);
}

export interface RunChildOptions {
  /** Killed (SIGKILL) after this long, and the outcome says so. @default 300000 */
  timeoutMs?: number;
  /** Extra node flags, e.g. `--expose-gc`. */
  nodeArgs?: string[];
}

/** Runs `file` in a fresh node with `payload` (see `childPayload`); resolves with its answer or why there is none. */
export function runChild<T>(file: string | URL, payload: unknown, opts: RunChildOptions = {}): Promise<ChildOutcome<T>> {
  const timeoutMs = opts.timeoutMs ?? 300_000;
  const child = spawn(process.execPath, [...NODE_ARGS, ...(opts.nodeArgs ?? []), pathOf(file)], {
    env: { ...process.env, [PAYLOAD_ENV]: JSON.stringify(payload) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve) => {
    let answer: T | undefined;
    let answered = false;
    let timedOut = false;
    let tail = '';
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    onLines(child.stdout!, (line) => {
      if (line.startsWith(CHILD_RESULT)) {
        answer = JSON.parse(line.slice(CHILD_RESULT.length)) as T;
        answered = true;
      } else {
        tail = `${tail}\n${line}`.slice(-2000);
        process.stderr.write(`    ${line}\n`);
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (answered) resolve({ ok: true, value: answer as T });
      else if (timedOut) resolve({ ok: false, reason: `timed out after ${Math.round(timeoutMs / 1000)} s` });
      else resolve({ ok: false, reason: `exited (code ${code}, signal ${signal}) without an answer${tail ? `: ${tail.trim().split('\n').pop()}` : ''}` });
    });
  });
}

/** Calls `cb` with each line `stream` yields (without its newline). */
export function onLines(stream: Readable, cb: (line: string) => void): void {
  let buf = '';
  stream.setEncoding('utf8').on('data', (s: string) => {
    buf += s;
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      cb(buf.slice(0, i));
      buf = buf.slice(i + 1);
    }
  });
}

/** A helper process spoken to in lines. */
export interface LineProcess {
  readonly pid: number;
  /** Sends `line` and resolves with the next line that starts with `replyPrefix` (prefix removed). */
  ask(line: string, replyPrefix: string, timeoutMs?: number): Promise<string>;
  /** Closes its stdin (it stops warm and exits) and waits for the exit, killing it after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

export interface LineProcessOptions {
  /** Plain `node`, without the tsx loader (for JavaScript files). @default false */
  plainNode?: boolean;
  env?: Record<string, string>;
  /** @default 60000 */
  readyTimeoutMs?: number;
}

/**
 * Starts `file` with `args` and resolves once it prints `ready` (rejects when it exits before,
 * or after `readyTimeoutMs`).
 */
export function spawnLineProcess(file: string | URL, args: string[], opts: LineProcessOptions = {}): Promise<LineProcess> {
  const readyTimeoutMs = opts.readyTimeoutMs ?? 60_000;
  const child = spawn(process.execPath, [...(opts.plainNode ? [] : NODE_ARGS), pathOf(file), ...args], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, ...opts.env },
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const waiting: { prefix: string; resolve: (s: string) => void }[] = [];
  let ready: (() => void) | undefined;
  onLines(child.stdout!, (line) => {
    if (line === 'ready') return ready?.();
    const i = waiting.findIndex((w) => line.startsWith(w.prefix));
    const w = i >= 0 ? waiting.splice(i, 1)[0] : undefined;
    if (w !== undefined) w.resolve(line.slice(w.prefix.length));
    else process.stderr.write(`    [${child.pid}] ${line}\n`);
  });
  const proc: LineProcess = {
    pid: child.pid ?? -1,
    ask: (line, prefix, timeoutMs = 300_000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no '${prefix}' answer to '${line}' within ${timeoutMs} ms`)), timeoutMs).unref();
        waiting.push({ prefix, resolve: (s) => (clearTimeout(timer), resolve(s)) });
        void exited.then(() => reject(new Error(`helper ${child.pid} exited before answering '${line}'`)));
        child.stdin!.write(`${line}\n`);
      }),
    stop: async (graceMs = 30_000) => {
      child.stdin!.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${pathOf(file)} was not ready within ${readyTimeoutMs} ms`));
    }, readyTimeoutMs);
    ready = () => {
      clearTimeout(timer);
      resolve(proc);
    };
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`${pathOf(file)} exited before it was ready`));
    });
  });
}
