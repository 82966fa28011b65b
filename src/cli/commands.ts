/** The table of commands, in the order `--help` lists them. */
import { benchCommand } from './bench.ts';
import { callCommand } from './call.ts';
import type { Command } from './command.ts';
import { controlCommand } from './control.ts';
import { eventsCommand } from './events.ts';
import { inspectCommand } from './inspect.ts';
import { purgeCommand } from './purge.ts';
import { resultCommand } from './result.ts';
import { statusCommand } from './status.ts';
import { workerCommand } from './worker.ts';

export const COMMANDS: readonly Command[] = [
  workerCommand,
  callCommand,
  resultCommand,
  statusCommand,
  inspectCommand,
  controlCommand,
  purgeCommand,
  eventsCommand,
  benchCommand,
];

/** Celery commands that API.md names and this version does not have yet. */
export const NOT_YET = ['beat', 'multi', 'shell', 'dashboard'] as const;

export const findCommand = (name: string): Command | undefined => COMMANDS.find((c) => c.name === name);
