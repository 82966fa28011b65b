/**
 * `celeriac control <command> [args]`: sends the workers a command; each answers
 * `->  name: OK` with its reply or `->  name: ERROR` with the error (exit 0 either way, as Celery).
 */
import { parseRateLimit } from '../config/rate-limit.ts';
import type { ControlCommand } from '../protocol/control.ts';
import { UsageError } from './args.ts';
import { BROADCAST_OPTIONS, addressing, printReplies, type Addressing } from './broadcast.ts';
import { defineCommand } from './command.ts';
import { integer, seconds } from './values.ts';

interface ControlPlan extends Addressing {
  command: ControlCommand;
  args: Record<string, unknown>;
}

/** Each command's arguments: usage text and a parser from the positionals after its name. */
const COMMANDS: Record<string, { usage: string; parse(a: string[], terminate: boolean): Record<string, unknown> }> = {
  enable_events: { usage: '', parse: () => ({}) },
  disable_events: { usage: '', parse: () => ({}) },
  shutdown: { usage: '', parse: () => ({}) },
  revoke: {
    usage: 'TASK_ID [TASK_ID ...] [--terminate]',
    parse: (a, terminate) => {
      if (a.length === 0) throw new UsageError('revoke: missing the task id', 'control');
      return { ids: a, terminate };
    },
  },
  rate_limit: {
    usage: 'TASK RATE (e.g. 10/m; 0 removes the limit)',
    parse: ([task, rate]) => {
      if (task === undefined || rate === undefined) throw new UsageError('rate_limit: needs TASK and RATE', 'control');
      const value: string | number = /^\s*[\d.]+\s*$/.test(rate) ? Number(rate) : rate;
      try {
        parseRateLimit(value, 'RATE');
      } catch {
        throw new UsageError(`rate_limit: RATE must be N, N/s, N/m or N/h, got ${JSON.stringify(rate)}`, 'control');
      }
      return { task, rate: value };
    },
  },
  time_limit: {
    usage: 'TASK SOFT [HARD] (seconds)',
    parse: ([task, soft, hard]) => {
      if (task === undefined || soft === undefined) throw new UsageError('time_limit: needs TASK and SOFT (and optionally HARD)', 'control');
      return { task, soft: seconds('time_limit SOFT', soft), hard: hard === undefined ? null : seconds('time_limit HARD', hard) };
    },
  },
  pool_grow: { usage: '[N]', parse: ([n]) => ({ n: n === undefined ? 1 : integer('pool_grow N', n, 1) }) },
  pool_shrink: { usage: '[N]', parse: ([n]) => ({ n: n === undefined ? 1 : integer('pool_shrink N', n, 1) }) },
  autoscale: {
    usage: 'MAX MIN',
    parse: ([max, min]) => {
      if (max === undefined || min === undefined) throw new UsageError('autoscale: needs MAX and MIN', 'control');
      const hi = integer('autoscale MAX', max, 1);
      const lo = integer('autoscale MIN', min, 0);
      if (lo > hi) throw new UsageError(`autoscale: MIN must be <= MAX, got ${max} ${min}`, 'control');
      return { max: hi, min: lo };
    },
  },
  add_consumer: { usage: 'QUEUE', parse: ([q]) => queueArg('add_consumer', q) },
  cancel_consumer: { usage: 'QUEUE', parse: ([q]) => queueArg('cancel_consumer', q) },
};

/** How many positionals each command takes at most (after its name). */
const MAX_ARGS: Record<string, number> = { rate_limit: 2, time_limit: 3, pool_grow: 1, pool_shrink: 1, autoscale: 2, add_consumer: 1, cancel_consumer: 1, revoke: Infinity };

function queueArg(command: string, q: string | undefined): Record<string, unknown> {
  if (q === undefined || q.trim() === '') throw new UsageError(`${command}: missing the queue name`, 'control');
  return { queue: q };
}

export const controlCommand = defineCommand({
  name: 'control',
  summary: 'send the workers a command',
  synopsis: `control ${Object.keys(COMMANDS).join('|')} [ARGS] [-d W1,W2] [-t S] [--json]`,
  options: {
    ...BROADCAST_OPTIONS,
    terminate: { type: 'boolean', help: 'revoke: also abort the task if it is running' },
  },
  details: Object.entries(COMMANDS).map(([name, c]) => `  ${name}${c.usage === '' ? '' : ` ${c.usage}`}`),
  plan({ values, positionals }): ControlPlan {
    const [name, ...rest] = positionals;
    if (name === undefined) throw new UsageError(`missing the command: one of ${Object.keys(COMMANDS).join(', ')}`, 'control');
    const spec = COMMANDS[name];
    if (spec === undefined) throw new UsageError(`unknown control command '${name}': one of ${Object.keys(COMMANDS).join(', ')}`, 'control');
    if (rest.length > (MAX_ARGS[name] ?? 0)) throw new UsageError(`${name}: unexpected argument '${rest[MAX_ARGS[name] ?? 0]}'`, 'control');
    if (values.terminate === true && name !== 'revoke') throw new UsageError('--terminate goes with revoke only', 'control');
    return { command: name as ControlCommand, args: spec.parse(rest, values.terminate === true), ...addressing(values) };
  },
  async run({ app, io }, plan) {
    try {
      const replies = await app.control.broadcast(plan.command, plan.args, plan.control);
      return printReplies(io, replies, { json: plan.json, count: false });
    } finally {
      await app.close();
    }
  },
});
