/**
 * The `celeriac` binary: `celeriac -A ./proj.ts COMMAND [ARGS]`. `main()` returns the exit code
 * and never rejects; run as a script (or from bin/celeriac.js) it sets `process.exitCode` and
 * lets the process end on its own.
 */
import { pathToFileURL } from 'node:url';
import { UsageError, parseCommandArgs, splitCommandLine, type OptionValues } from './args.ts';
import { COMMANDS, NOT_YET, findCommand } from './commands.ts';
import type { Command } from './command.ts';
import { PROG, commandHelp, mainHelp, usageLine } from './help.ts';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, processIO, type CliIO } from './io.ts';
import type { GlobalSettings } from './setup.ts';
import { logLevel } from './values.ts';
import { version } from './version.ts';

/** Set by bin/celeriac.js on the process it re-executes (see signals.ts). */
const RELAY_ENV = 'CELERIAC_RELAYED';

export interface MainOptions {
  io?: CliIO;
  cwd?: string;
}

export async function main(argv: readonly string[], opts: MainOptions = {}): Promise<number> {
  const io = opts.io ?? processIO();
  const relayed = process.env[RELAY_ENV] === '1';
  // Not inherited by anything the app's tasks may spawn.
  delete process.env[RELAY_ENV];
  let command: Command | undefined;
  try {
    const line = splitCommandLine(argv);
    if (line.globals.version === true) {
      io.out(`${PROG} ${version()}`);
      return EXIT_OK;
    }
    if (line.command === undefined) {
      if (line.globals.help === true) {
        for (const l of mainHelp()) io.out(l);
        return EXIT_OK;
      }
      throw new UsageError('missing the command');
    }
    if ((NOT_YET as readonly string[]).includes(line.command)) {
      throw new UsageError(`'${line.command}' is not implemented in this version of ${PROG}`);
    }
    command = findCommand(line.command);
    if (command === undefined) {
      throw new UsageError(`no such command '${line.command}' (commands: ${COMMANDS.map((c) => c.name).join(', ')})`);
    }
    const parsed = parseCommandArgs(command.name, line.rest, command.options);
    const globals: OptionValues = { ...line.globals, ...definedOnly(parsed.values) };
    if (globals.help === true) {
      for (const l of commandHelp(command)) io.out(l);
      return EXIT_OK;
    }
    if (globals.version === true) {
      io.out(`${PROG} ${version()}`);
      return EXIT_OK;
    }
    const plan = command.plan(parsed);
    const settings = globalSettings(globals);
    const appOption = globals.app as string | undefined;
    if (appOption === undefined || appOption.trim() === '') throw new UsageError('missing -A/--app MODULE (the app module, e.g. -A ./proj.ts)', command.name);
    // Loaded only now, so that --help, --version and bad usage answer without loading the library.
    const { loadApp, parseAppSpec } = await import('./app-loader.ts');
    const { applyLogger, applyUrls } = await import('./setup.ts');
    const { app, moduleUrl } = await loadApp(parseAppSpec(appOption), opts.cwd);
    applyUrls(app, settings);
    const logger = applyLogger(app, settings);
    return await command.run({ app, moduleUrl, io, logger, relayed }, plan);
  } catch (err) {
    return report(io, err, command);
  }
}

function definedOnly(values: OptionValues): OptionValues {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined));
}

function globalSettings(g: OptionValues): GlobalSettings {
  return {
    broker: g.broker as string | undefined,
    resultBackend: g['result-backend'] as string | undefined,
    level: g.loglevel === undefined ? undefined : logLevel('-l/--loglevel', g.loglevel as string),
  };
}

/** Usage errors exit 2 with the usage line, as Click prints them; anything else exits 1. */
function report(io: CliIO, err: unknown, command: Command | undefined): number {
  const code = (err as { code?: unknown }).code;
  if (err instanceof UsageError || code === 'CELERIAC_CONFIG') {
    const c = err instanceof UsageError && err.command !== undefined ? findCommand(err.command) : command;
    io.err(usageLine(c));
    io.err(`Try '${PROG}${c === undefined ? '' : ` ${c.name}`} --help' for help.`);
    io.err('');
    io.err(`Error: ${(err as Error).message}`);
    return EXIT_USAGE;
  }
  io.err(`Error: ${err instanceof Error ? err.message : String(err)}`);
  return EXIT_FAILURE;
}

/** Runs the binary in this process; the exit code is left for the process to end with. */
export async function runCli(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  // The library unrefs its timers so as never to keep a host alive; this process is the host,
  // and must live while a command waits on one (a publish retry, a reconnect delay).
  const keepAlive = setInterval(() => undefined, 1 << 30);
  try {
    process.exitCode = await main(argv);
  } finally {
    clearInterval(keepAlive);
  }
  // A clean run leaves nothing open and the process ends now. Should something still hold the
  // loop (a leak in a user's task, a stuck socket), end anyway after a grace period, and say so.
  setTimeout(() => {
    process.stderr.write(`${PROG}: still running ${LINGER_MS / 1000} s after the command ended (open handles); exiting\n`);
    process.exit();
  }, LINGER_MS).unref();
}

const LINGER_MS = 10_000;

// Run directly (`node --import tsx src/cli/main.ts`, as the launcher's re-exec does).
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runCli();
}
