/** `celeriac inspect <method>`: asks the workers about their state and prints each reply. */
import type { ControlCommand } from '../protocol/control.ts';
import { UsageError } from './args.ts';
import { BROADCAST_OPTIONS, addressing, printReplies, type Addressing } from './broadcast.ts';
import { defineCommand } from './command.ts';

const METHODS = ['active', 'scheduled', 'reserved', 'registered', 'stats', 'revoked', 'ping', 'conf', 'active_queues'] as const satisfies readonly ControlCommand[];
type Method = (typeof METHODS)[number];

interface InspectPlan extends Addressing {
  method: Method;
}

export const inspectCommand = defineCommand({
  name: 'inspect',
  summary: 'ask the workers about their state',
  synopsis: `inspect ${METHODS.join('|')} [-d W1,W2] [-t S] [--json]`,
  options: BROADCAST_OPTIONS,
  details: [
    'Methods: active (running tasks), scheduled (held for their eta/countdown), reserved',
    '(prefetched, not started), registered (task names), stats, revoked (revoked ids), ping,',
    'conf (the worker\'s configuration), active_queues (queues consumed).',
    'Exit status 1 when no worker replies.',
  ],
  plan({ values, positionals }): InspectPlan {
    const method = positionals[0];
    if (method === undefined) throw new UsageError(`missing the method: one of ${METHODS.join(', ')}`, 'inspect');
    if (!(METHODS as readonly string[]).includes(method)) {
      throw new UsageError(`unknown inspect method '${method}': one of ${METHODS.join(', ')}`, 'inspect');
    }
    if (positionals.length > 1) throw new UsageError(`unexpected argument '${positionals[1]}'`, 'inspect');
    return { method: method as Method, ...addressing(values) };
  },
  async run({ app, io }, plan) {
    try {
      const replies = await app.control.broadcast(plan.method, {}, plan.control);
      return printReplies(io, replies, { json: plan.json, count: true });
    } finally {
      await app.close();
    }
  },
});
