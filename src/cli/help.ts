/** `--help` texts and the usage lines printed with bad usage. */
import { GLOBAL_OPTIONS, describeOptions } from './args.ts';
import type { Command } from './command.ts';
import { COMMANDS } from './commands.ts';

export const PROG = 'celeriac';

export const usageLine = (command?: Command): string =>
  command === undefined ? `Usage: ${PROG} -A MODULE[:EXPORT] [-b URL] [-l LEVEL] COMMAND [ARGS]...` : `Usage: ${PROG} -A MODULE[:EXPORT] ${command.synopsis}`;

export function mainHelp(): string[] {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    usageLine(),
    '',
    "Celery's model of task queues for TypeScript: runs workers and talks to them.",
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Options (before or after the command):',
    ...describeOptions(GLOBAL_OPTIONS),
    '',
    'Exit status: 0 success, 1 failure (broker or workers unreachable, task failed), 2 bad usage.',
    `Run '${PROG} COMMAND --help' for a command's options.`,
  ];
}

export function commandHelp(c: Command): string[] {
  return [
    usageLine(c),
    '',
    `${c.summary[0]!.toUpperCase()}${c.summary.slice(1)}.`,
    '',
    'Options:',
    ...describeOptions({ ...c.options, ...GLOBAL_OPTIONS }),
    ...(c.details === undefined ? [] : ['', ...c.details]),
  ];
}
