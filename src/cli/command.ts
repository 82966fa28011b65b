/**
 * The shape every command has: its options, a `plan` that checks the arguments before anything
 * is loaded or connected (so bad usage exits 2 at once), and `run`, which does the work with
 * the loaded app and returns the exit code.
 */
import type { Celeriac } from '../app/celeriac.ts';
import type { Logger } from '../log/logger.ts';
import type { OptionSpecs, Parsed } from './args.ts';
import type { CliIO } from './io.ts';

export interface RunContext {
  app: Celeriac;
  /** The app module's file URL (a worker's threads import it when the app names none). */
  moduleUrl: string;
  io: CliIO;
  /** The CLI's own logger (stderr, at `-l`). */
  logger: Logger;
  /** The process was started by the launcher's re-exec (signals may arrive twice). */
  relayed: boolean;
}

export interface Command<P = unknown> {
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** What follows `celeriac -A MODULE <name>` in the usage line. */
  readonly synopsis: string;
  /** Lines after the options in `<command> --help`. */
  readonly details?: readonly string[];
  readonly options: OptionSpecs;
  /** Checks the arguments; throws UsageError. */
  plan(args: Parsed): P;
  run(ctx: RunContext, plan: P): Promise<number>;
}

/** Keeps `P` checked inside one command while the table holds them all. */
export const defineCommand = <P>(c: Command<P>): Command<P> => c;
