/** `celeriac status`: pings the workers; one `->  name: OK` line each, then the count. */
import { UsageError } from './args.ts';
import { BROADCAST_OPTIONS, addressing, printReplies, type Addressing } from './broadcast.ts';
import { defineCommand } from './command.ts';
import { NO_REPLY, nodesOnline, safeJson, sortedHosts } from './format.ts';
import { EXIT_FAILURE, EXIT_OK } from './io.ts';

export const statusCommand = defineCommand({
  name: 'status',
  summary: 'list the workers that answer a ping',
  synopsis: 'status [-d W1,W2] [-t S] [--json]',
  options: BROADCAST_OPTIONS,
  details: [
    'Exit status 1 with "Error: No nodes replied within time constraint" when no worker answers,',
    'and 1 when a worker answers ERROR (e.g. unhealthy: it cannot consume its queues, and says why).',
  ],
  plan({ values, positionals }): Addressing {
    if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`, 'status');
    return addressing(values);
  },
  async run({ app, io }, plan) {
    try {
      const replies = await app.control.ping(plan.control);
      const hosts = sortedHosts(replies);
      if (plan.json) return printReplies(io, replies, { json: true, count: false });
      if (hosts.length === 0) {
        io.err(NO_REPLY);
        return EXIT_FAILURE;
      }
      for (const h of hosts) io.out(`->  ${h}: ${replies[h] === 'pong' ? 'OK' : `ERROR ${safeJson(replies[h])}`}`);
      io.out('');
      io.out(nodesOnline(hosts.length));
      // A worker that answers but cannot consume (WorkerUnhealthyError) fails a probe.
      return hosts.every((h) => replies[h] === 'pong') ? EXIT_OK : EXIT_FAILURE;
    } finally {
      await app.close();
    }
  },
});
