/**
 * Celery's text shapes for replies and events (CELERY-BEHAVIOUR.md, "CLI output shapes"):
 * `->  host: OK` with the reply indented under it, lists as `* item` lines, objects as
 * indented JSON with sorted keys, and `N node(s) online.` at the end.
 */
import type { CeleriacEvent } from '../protocol/events.ts';

const indent = (text: string, n: number): string =>
  text
    .split('\n')
    .map((l) => ' '.repeat(n) + l)
    .join('\n');

const plural = (n: number, word: string): string => `${word}${n === 1 ? '' : 's'}`;

export const nodesOnline = (n: number): string => `${n} ${plural(n, 'node')} online.`;

export const NO_REPLY = 'Error: No nodes replied within time constraint';

/** A reply the control client turned into `{ error }` for a worker that failed the command. */
export function replyError(reply: unknown): string | undefined {
  if (typeof reply !== 'object' || reply === null || Array.isArray(reply)) return undefined;
  const keys = Object.keys(reply);
  return keys.length === 1 && keys[0] === 'error' ? String((reply as { error: unknown }).error) : undefined;
}

/** Objects with their keys sorted at every depth, as Celery's `json.dumps(sort_keys=True)`. */
export function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (typeof v !== 'object' || v === null) return v;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v).sort()) out[k] = sortKeys((v as Record<string, unknown>)[k]);
  return out;
}

/** JSON that never throws (BigInt, cycles): the CLI prints whatever a worker sent. */
export function safeJson(v: unknown, space?: number): string {
  try {
    return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x), space) ?? 'null';
  } catch {
    return JSON.stringify(String(v));
  }
}

const item = (v: unknown): string => (typeof v === 'string' ? v : safeJson(v));

/** One node's block: the header line and its reply, indented as Celery indents it. */
export function formatReply(hostname: string, reply: unknown): string {
  const error = replyError(reply);
  if (error !== undefined) return `->  ${hostname}: ERROR\n${indent(error, 8)}`;
  let body: string;
  if (Array.isArray(reply)) body = reply.length === 0 ? indent('- empty -', 4) : indent(reply.map((x) => `* ${item(x)}`).join('\n'), 4);
  // Celery's scalar replies are `{'ok': value}` dicts, indented twice.
  else if (typeof reply === 'string') body = indent(reply, 8);
  else if (typeof reply === 'object' && reply !== null) body = indent(safeJson(sortKeys(reply), 4), 4);
  else body = indent(safeJson(reply), 8);
  return `->  ${hostname}: OK\n${body}`;
}

/** Replies in hostname order, so that the output is the same from run to run. */
export const sortedHosts = (replies: Record<string, unknown>): string[] => Object.keys(replies).sort();

/** `<ISO time> <hostname> <type> <uuid?> <name?> <other fields as JSON>` (API.md). */
export function formatEvent(ev: CeleriacEvent): string {
  const { type, hostname, timestamp, ...rest } = ev as CeleriacEvent & Record<string, unknown>;
  const fields: Record<string, unknown> = { ...rest };
  const parts: string[] = [isoTime(timestamp), String(hostname), String(type)];
  for (const key of ['uuid', 'name'] as const) {
    if (typeof fields[key] === 'string') {
      parts.push(fields[key]);
      delete fields[key];
    }
  }
  parts.push(safeJson(fields));
  return parts.join(' ');
}

function isoTime(seconds: unknown): string {
  const d = new Date(typeof seconds === 'number' ? seconds * 1000 : Number.NaN);
  return Number.isNaN(d.getTime()) ? new Date().toISOString() : d.toISOString();
}
