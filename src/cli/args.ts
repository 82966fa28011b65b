/**
 * The command line: global options (accepted before the command and, as Celery's `-A`, after
 * it too), the command name, then the command's own options and positionals. Parsing is
 * `node:util` parseArgs in strict mode; every problem becomes a `UsageError` naming the option.
 */
import { parseArgs } from 'node:util';

/** Bad usage: exit 2 with a usage line, as a Click command does. */
export class UsageError extends Error {
  override name = 'UsageError';
  /** The command whose synopsis to show, when known. */
  command: string | undefined;
  constructor(message: string, command?: string) {
    super(message);
    this.command = command;
  }
}

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  /** Placeholder shown in help, e.g. `N` or `URL`. */
  value?: string;
  help: string;
}

export type OptionSpecs = Record<string, OptionSpec>;
export type OptionValues = Record<string, string | boolean | undefined>;

export const GLOBAL_OPTIONS = {
  app: { type: 'string', short: 'A', value: 'MODULE[:EXPORT]', help: 'the app module (.ts or .js) and its export (default: `app`, else the default export)' },
  broker: { type: 'string', short: 'b', value: 'URL', help: "broker URL, overriding the app's `broker` (e.g. nats://127.0.0.1:4222)" },
  'result-backend': { type: 'string', value: 'URL', help: "result backend URL, overriding the app's `backend`" },
  loglevel: { type: 'string', short: 'l', value: 'LEVEL', help: 'fatal, error, warn (default), info, debug, trace or silent; logs go to stderr' },
  help: { type: 'boolean', short: 'h', help: 'show help and exit' },
  version: { type: 'boolean', help: 'print the version and exit' },
} as const satisfies OptionSpecs;

export interface CommandLine {
  globals: OptionValues;
  /** The command name, undefined when none was given. */
  command: string | undefined;
  /** Everything after the command name. */
  rest: string[];
}

const takesValue = (specs: OptionSpecs, token: string): boolean => {
  if (token.startsWith('--')) {
    if (token.includes('=')) return false;
    return specs[token.slice(2)]?.type === 'string';
  }
  // `-A` takes the next token; `-A./proj.ts` carries its value.
  if (token.length !== 2) return false;
  return Object.values(specs).some((s) => s.short === token[1] && s.type === 'string');
};

/** Splits off the command: the first token that is neither an option nor an option's value. */
export function splitCommandLine(argv: readonly string[]): CommandLine {
  let i = 0;
  while (i < argv.length) {
    const token = argv[i]!;
    if (token === '--') break;
    if (!token.startsWith('-') || token === '-') break;
    i += takesValue(GLOBAL_OPTIONS, token) ? 2 : 1;
  }
  const before = argv.slice(0, Math.min(i, argv.length));
  const commandAt = argv[i] === '--' ? i + 1 : i;
  const globals = parseStrict(before, GLOBAL_OPTIONS, false, undefined).values;
  return { globals, command: argv[commandAt], rest: argv.slice(commandAt + 1) };
}

export interface Parsed {
  values: OptionValues;
  positionals: string[];
}

/** Parses a command's arguments (its options plus the global ones). */
export function parseCommandArgs(command: string, rest: readonly string[], options: OptionSpecs): Parsed {
  return parseStrict(rest, { ...GLOBAL_OPTIONS, ...options }, true, command);
}

function parseStrict(args: readonly string[], specs: OptionSpecs, positionals: boolean, command: string | undefined): Parsed {
  const config: Record<string, { type: 'string' | 'boolean'; short?: string }> = {};
  for (const [name, s] of Object.entries(specs)) config[name] = s.short === undefined ? { type: s.type } : { type: s.type, short: s.short };
  try {
    const r = parseArgs({ args: [...args], options: config, allowPositionals: positionals, strict: true });
    return { values: r.values as OptionValues, positionals: r.positionals };
  } catch (err) {
    throw new UsageError(parseArgsMessage(err), command);
  }
}

/** parseArgs' messages, shortened to their first sentence (the rest explains `--`). */
function parseArgsMessage(err: unknown): string {
  const code = (err as { code?: string }).code;
  // One line: the message ends the `Error: ...` line of the usage report.
  const message = (err instanceof Error ? err.message : String(err)).replace(/\s*\n\s*/g, ' ');
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') return message.replace(/\. .*$/s, '').replace(/^Unexpected argument/, 'unexpected argument');
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return message.replace(/\. To specify .*$/s, '').replace(/^Unknown option/, 'unknown option');
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') return message.replace(/^Option/, 'option');
  return message;
}

/** Help lines for a set of options, aligned. */
export function describeOptions(specs: OptionSpecs): string[] {
  const heads = Object.entries(specs).map(([name, s]) => {
    const flag = `${s.short === undefined ? '    ' : `-${s.short}, `}--${name}${s.type === 'string' ? ` ${s.value ?? 'VALUE'}` : ''}`;
    return [flag, s.help] as const;
  });
  const width = Math.max(...heads.map(([f]) => f.length));
  return heads.map(([f, h]) => `  ${f.padEnd(width)}  ${h}`);
}
