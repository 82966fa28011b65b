/**
 * What a command reads and writes: lines on stdout (the command's output, meant for pipes),
 * lines on stderr (errors, prompts, banners that are not data), and stdin for confirmation.
 * Commands never touch `process.stdout` themselves, so the output contract lives here.
 */
import { createInterface } from 'node:readline';

/** Exit codes of the binary (API.md): 0 success, 1 failure at run time, 2 bad usage. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

export interface CliIO {
  /** Writes one line of output to stdout. */
  out(line: string): void;
  /** Writes one line to stderr. */
  err(line: string): void;
  /** True when stdin is a terminal a question can be asked on. */
  readonly interactive: boolean;
  /** Writes `question` to stderr and reads one line from stdin (`null` at end of input). */
  ask(question: string): Promise<string | null>;
}

/** The process's own streams. A closed stdout (`celeriac events --dump | head`) ends quietly. */
export function processIO(): CliIO {
  let stdoutClosed = false;
  // EPIPE and the like: the reader went away, so there is nobody left to write to.
  process.stdout.on('error', () => {
    stdoutClosed = true;
  });
  return {
    out(line) {
      if (!stdoutClosed) process.stdout.write(`${line}\n`);
    },
    err(line) {
      process.stderr.write(`${line}\n`);
    },
    interactive: process.stdin.isTTY === true,
    ask(question) {
      const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: process.stdin.isTTY === true });
      return new Promise<string | null>((resolve) => {
        let answered = false;
        rl.question(question, (answer) => {
          answered = true;
          rl.close();
          resolve(answer);
        });
        rl.once('close', () => {
          if (!answered) resolve(null);
        });
      });
    },
  };
}
