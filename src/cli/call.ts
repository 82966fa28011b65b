/** `celeriac call <task>`: sends a task by name and prints its id alone on stdout. */
import type { SendOptions } from '../task/app-context.ts';
import { UsageError } from './args.ts';
import { defineCommand } from './command.ts';
import { EXIT_OK } from './io.ts';
import { integer, isoDate, jsonArray, jsonObject, seconds, secondsOrDate } from './values.ts';

interface CallPlan {
  task: string;
  args: unknown[];
  options: SendOptions;
}

export const callCommand = defineCommand({
  name: 'call',
  summary: 'send a task by name; prints its id',
  synopsis: "call TASK [--args '[2,2]'] [--kwargs '{}'] [--queue Q] [--countdown S] [--eta ISO] [--expires S|ISO]",
  options: {
    args: { type: 'string', short: 'a', value: 'JSON', help: "positional arguments as a JSON array (default '[]')" },
    kwargs: { type: 'string', short: 'k', value: 'JSON', help: 'keyword arguments as a JSON object' },
    queue: { type: 'string', value: 'Q', help: 'send to this queue instead of the routed one' },
    countdown: { type: 'string', value: 'S', help: 'run no earlier than S seconds from now' },
    eta: { type: 'string', value: 'ISO', help: 'run no earlier than this ISO 8601 date-time' },
    expires: { type: 'string', value: 'S|ISO', help: 'seconds from now, or an ISO date-time, after which the task is not run' },
    priority: { type: 'string', value: '0-9', help: 'message priority, 9 is highest' },
    serializer: { type: 'string', value: 'NAME', help: "'msgpack' (default) or 'json'" },
  },
  plan({ values, positionals }): CallPlan {
    if (positionals.length !== 1) {
      throw new UsageError(positionals.length === 0 ? 'missing the task name' : `unexpected argument '${positionals[1]}'`, 'call');
    }
    const v = (k: string): string | undefined => values[k] as string | undefined;
    const options: SendOptions = {};
    if (v('kwargs') !== undefined) options.kwargs = jsonObject('--kwargs', v('kwargs')!);
    if (v('queue') !== undefined) {
      if (v('queue')!.trim() === '') throw new UsageError('--queue must be a queue name', 'call');
      options.queue = v('queue')!;
    }
    if (v('countdown') !== undefined) options.countdown = seconds('--countdown', v('countdown')!);
    if (v('eta') !== undefined) options.eta = isoDate('--eta', v('eta')!);
    if (v('expires') !== undefined) options.expires = secondsOrDate('--expires', v('expires')!);
    if (v('priority') !== undefined) options.priority = integer('--priority', v('priority')!, 0, 9);
    const serializer = v('serializer');
    if (serializer !== undefined) {
      if (serializer !== 'msgpack' && serializer !== 'json') throw new UsageError(`--serializer must be 'msgpack' or 'json', got ${JSON.stringify(serializer)}`, 'call');
      options.serializer = serializer;
    }
    const args = v('args') === undefined ? [] : jsonArray('--args', v('args')!);
    return { task: positionals[0]!, args, options };
  },
  async run({ app, io }, plan) {
    try {
      const r = await app.sendTask(plan.task, plan.args, plan.options);
      io.out(r.id);
      return EXIT_OK;
    } finally {
      await app.close();
    }
  },
});
