/**
 * What `status`, `inspect` and `control` share: the options that address workers
 * (`--destination`, `--timeout`, `--json`) and the printing of their replies.
 */
import type { ControlOptions } from '../control/client.ts';
import type { OptionSpecs, OptionValues } from './args.ts';
import { NO_REPLY, formatReply, nodesOnline, safeJson, sortedHosts } from './format.ts';
import { EXIT_FAILURE, EXIT_OK, type CliIO } from './io.ts';
import { nameList, seconds } from './values.ts';

export const BROADCAST_OPTIONS = {
  destination: { type: 'string', short: 'd', value: 'W1,W2', help: 'only these workers (node names, comma-separated)' },
  timeout: { type: 'string', short: 't', value: 'S', help: 'seconds to wait for replies (default: controlReplyTimeout, 1)' },
  json: { type: 'boolean', short: 'j', help: 'print one JSON object { hostname: reply }' },
} as const satisfies OptionSpecs;

export interface Addressing {
  control: ControlOptions;
  json: boolean;
}

export function addressing(values: OptionValues): Addressing {
  const control: ControlOptions = {};
  if (values.destination !== undefined) control.destination = nameList('-d/--destination', values.destination as string);
  if (values.timeout !== undefined) control.timeout = seconds('-t/--timeout', values.timeout as string, true);
  return { control, json: values.json === true };
}

/**
 * Prints the replies in Celery's shape and returns the exit code: 1 when nobody replied (Celery
 * exits 69, EX_UNAVAILABLE; API.md fixes 1), else 0, even for ERROR replies, as Celery.
 */
export function printReplies(io: CliIO, replies: Record<string, unknown>, opts: { json: boolean; count: boolean }): number {
  const hosts = sortedHosts(replies);
  if (hosts.length === 0) {
    io.err(NO_REPLY);
    return EXIT_FAILURE;
  }
  if (opts.json) {
    const ordered: Record<string, unknown> = {};
    for (const h of hosts) ordered[h] = replies[h];
    io.out(safeJson(ordered));
    return EXIT_OK;
  }
  for (const h of hosts) io.out(formatReply(h, replies[h]));
  if (opts.count) {
    io.out('');
    io.out(nodesOnline(hosts.length));
  }
  return EXIT_OK;
}
