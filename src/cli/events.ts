/**
 * `celeriac events --dump`: prints every event, one line each, until SIGINT/SIGTERM.
 * The capture banner goes to stderr so that stdout holds event lines only.
 */
import { UsageError } from './args.ts';
import { defineCommand } from './command.ts';
import { formatEvent } from './format.ts';
import { EXIT_OK } from './io.ts';
import { untilSignal } from './signals.ts';

/** How long the start-up `heartbeat` broadcast waits; its replies are not needed. */
const HEARTBEAT_WAIT_S = 0.3;

export const eventsCommand = defineCommand({
  name: 'events',
  summary: 'print the event stream (--dump)',
  synopsis: 'events --dump',
  options: {
    dump: { type: 'boolean', short: 'd', help: 'print one line per event: <ISO time> <hostname> <type> <uuid?> <name?> <fields as JSON>' },
  },
  details: [
    'Task events come from workers started with -E (or after `control enable_events`); worker',
    'events (online, heartbeat, offline) always. Runs until SIGINT or SIGTERM, then exits 0.',
  ],
  plan({ values, positionals }): null {
    if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`, 'events');
    if (values.dump !== true) throw new UsageError('only --dump is implemented (the curses monitor is not): celeriac events --dump', 'events');
    return null;
  },
  async run({ app, io, relayed }) {
    const stop = untilSignal({ relayed });
    try {
      const transport = await app.transport();
      const off = transport.events.subscribe('*', (ev) => io.out(formatEvent(ev)));
      try {
        // As Celery's receiver does: ask the workers for a heartbeat now, so they show at once.
        // The round trip also proves the broker is reachable and the subscription is in place.
        await app.control.broadcast('heartbeat', {}, { timeout: HEARTBEAT_WAIT_S });
        io.err('-> evdump: starting capture...');
        await stop.done;
      } finally {
        off();
      }
      return EXIT_OK;
    } finally {
      stop.off();
      await app.close();
    }
  },
});
