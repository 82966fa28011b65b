/**
 * `celeriac purge`: removes every waiting message from the app's known task queues (or those
 * given with -Q). Without -f it asks on the terminal; with no terminal to ask on it refuses.
 */
import type { Celeriac } from '../app/celeriac.ts';
import { UsageError } from './args.ts';
import { defineCommand } from './command.ts';
import { EXIT_FAILURE, EXIT_OK } from './io.ts';
import { nameList } from './values.ts';

interface PurgePlan {
  force: boolean;
  queues: string[] | undefined;
  exclude: string[];
}

const plural = (n: number, word: string): string => `${word}${n === 1 ? '' : 's'}`;

export const purgeCommand = defineCommand({
  name: 'purge',
  summary: 'remove all waiting task messages',
  synopsis: 'purge [-f] [-Q Q1,Q2] [-X Q1,Q2]',
  options: {
    force: { type: 'boolean', short: 'f', help: 'do not ask for confirmation' },
    queues: { type: 'string', short: 'Q', value: 'Q1,Q2', help: 'purge these queues (default: every known task queue)' },
    'exclude-queues': { type: 'string', short: 'X', value: 'Q1,Q2', help: 'leave these queues alone' },
  },
  details: [
    'Known task queues: taskDefaultQueue, the queues named in taskRoutes, and the `queue` option',
    'of registered tasks. Messages already delivered to a worker are not touched.',
    'Without -f the command asks on the terminal; with no terminal it refuses (exit 1).',
  ],
  plan({ values, positionals }): PurgePlan {
    if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`, 'purge');
    const q = values.queues as string | undefined;
    const x = values['exclude-queues'] as string | undefined;
    return {
      force: values.force === true,
      queues: q === undefined ? undefined : nameList('-Q/--queues', q),
      exclude: x === undefined ? [] : nameList('-X/--exclude-queues', x),
    };
  },
  async run({ app, io }, plan) {
    try {
      const queues = (plan.queues ?? knownQueues(app)).filter((q) => !plan.exclude.includes(q));
      if (queues.length === 0) {
        io.out('No messages purged from 0 queues.');
        return EXIT_OK;
      }
      if (!plan.force) {
        io.err(`WARNING: This will remove all tasks from ${plural(queues.length, 'queue')}: ${queues.join(', ')}.`);
        io.err('         There is no undo for this operation!');
        io.err('');
        io.err('(to skip this prompt use the -f option)');
        if (!io.interactive) {
          io.err('Aborted! (stdin is not a terminal to confirm on: use -f)');
          return EXIT_FAILURE;
        }
        const answer = await io.ask('Are you sure you want to delete all tasks? [y/N]: ');
        if (!/^\s*y(es)?\s*$/i.test(answer ?? '')) {
          io.err('Aborted!');
          return EXIT_FAILURE;
        }
      }
      const n = await app.control.purge(queues);
      io.out(
        n > 0
          ? `Purged ${n} ${plural(n, 'message')} from ${queues.length} known task ${plural(queues.length, 'queue')}.`
          : `No messages purged from ${queues.length} ${plural(queues.length, 'queue')}.`,
      );
      return EXIT_OK;
    } finally {
      await app.close();
    }
  },
});

/** The default queue, the queues of static routes, and the registered tasks' own queues. */
export function knownQueues(app: Celeriac): string[] {
  const conf = app.conf as unknown as Record<string, unknown>;
  const out = new Set<string>([String(conf.taskDefaultQueue)]);
  const routes = conf.taskRoutes;
  for (const r of Array.isArray(routes) ? routes : [routes]) {
    if (typeof r !== 'object' || r === null) continue;
    for (const route of Object.values(r as Record<string, unknown>)) {
      if (typeof route === 'string') out.add(route);
      else if (typeof route === 'object' && route !== null && typeof (route as { queue?: unknown }).queue === 'string') out.add((route as { queue: string }).queue);
    }
  }
  for (const name of app.tasks ?? []) {
    const q = app.lookup(name)?.options.queue;
    if (typeof q === 'string') out.add(q);
  }
  return [...out];
}
