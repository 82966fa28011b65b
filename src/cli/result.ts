/**
 * `celeriac result <id>`: waits for the task and prints its value as JSON. A failed task prints
 * `Name: message` on stderr and exits 1; with `--traceback` it prints the remote traceback on
 * stdout and exits 0, as Celery's `result --traceback` does.
 */
import { UsageError } from './args.ts';
import { defineCommand } from './command.ts';
import { safeJson } from './format.ts';
import { EXIT_FAILURE, EXIT_OK } from './io.ts';
import { seconds } from './values.ts';
import type { Seconds } from '../util/time.ts';

interface ResultPlan {
  id: string;
  timeout: Seconds | undefined;
  traceback: boolean;
}

export const resultCommand = defineCommand({
  name: 'result',
  summary: "print a task's result as JSON",
  synopsis: 'result TASK_ID [--timeout S] [--traceback]',
  options: {
    timeout: { type: 'string', short: 't', value: 'S', help: 'give up after S seconds (default: wait as long as it takes, as Celery)' },
    traceback: { type: 'boolean', help: "print a failed task's remote traceback (exit 0) instead of failing" },
  },
  details: [
    'A task that is still PENDING (or unknown: the two cannot be told apart) is waited for;',
    'without --timeout that is for ever, as `celery result` does. Exit status: 0 with the value,',
    '1 when the task failed or was revoked, or the timeout passed.',
  ],
  plan({ values, positionals }): ResultPlan {
    if (positionals.length !== 1) {
      throw new UsageError(positionals.length === 0 ? 'missing the task id' : `unexpected argument '${positionals[1]}'`, 'result');
    }
    const t = values.timeout as string | undefined;
    return { id: positionals[0]!, timeout: t === undefined ? undefined : seconds('-t/--timeout', t, true), traceback: values.traceback === true };
  },
  async run({ app, io }, plan) {
    try {
      const r = app.asyncResult(plan.id);
      let value: unknown;
      try {
        value = await r.get({ timeout: plan.timeout, propagate: false });
      } catch (err) {
        if ((err as { code?: string }).code !== 'CELERIAC_TIMEOUT') throw err;
        io.err(`Error: the result of ${plan.id} was not ready within ${plan.timeout} s (state ${await r.state()})`);
        return EXIT_FAILURE;
      }
      if (value instanceof Error) {
        const head = `${value.name}: ${value.message}`;
        const traceback = (value as { traceback?: unknown }).traceback;
        if (plan.traceback) {
          io.out(typeof traceback === 'string' && traceback !== '' ? traceback : head);
          return EXIT_OK;
        }
        io.err(head);
        return EXIT_FAILURE;
      }
      io.out(safeJson(value ?? null));
      return EXIT_OK;
    } finally {
      await app.close();
    }
  },
});
