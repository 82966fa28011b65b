/**
 * The bench's own corner of the broker: a transport prefix `<configured prefix>-bench-<random>`
 * and a queue `celeriac.bench.<random>`, set before the app's transport opens, so that on a
 * shared NATS server it creates its own streams and buckets and never reads, purges or
 * consumes anyone else's. Its results get a short time to live, and over memory:// are
 * forgotten as soon as read, so a long run holds none of them.
 */
import { randomBytes } from 'node:crypto';
import type { Celeriac } from '../../app/celeriac.ts';
import { NatsNames } from '../../transport/nats/names.ts';
import { parseBrokerUrl } from '../../transport/url.ts';
import type { Seconds } from '../../util/time.ts';
import { UsageError } from '../args.ts';

export interface BenchNamespace {
  readonly prefix: string;
  readonly queue: string;
  readonly broker: 'memory' | 'nats';
  /** Results are kept in this process (memory://): forget each once read. */
  readonly forgetResults: boolean;
  /** Seconds a stored result lives. */
  readonly resultTtl: Seconds;
}

/**
 * How long a bench result lives. Each is waited for from its publish on, so it is read within
 * moments of being stored; the TTL only has to outlast a stalled event loop, and keeps what a
 * run leaves in a NATS results bucket short-lived.
 */
export const RESULT_TTL: Seconds = 30;

/**
 * Moves the app into a private namespace. Must run before anything opened the transport
 * (the prefix is read when it opens); refuses an app without a result backend, since the
 * bench times each task by its result.
 */
export function claimNamespace(app: Celeriac): BenchNamespace {
  const conf = app.conf as unknown as Record<string, unknown>;
  const backendUrl = conf.backend === undefined || conf.backend === null ? undefined : String(conf.backend);
  if (backendUrl === 'disabled') {
    throw new UsageError('the app has no result backend (`backend` is disabled): bench times each task by its result; give one with --result-backend', 'bench');
  }
  if (app.openBackend?.() !== undefined) {
    throw new Error('the app opened its transport while loading (it published or started a worker on import): bench cannot move it to a private namespace');
  }
  const tag = randomBytes(4).toString('hex');
  const prefix = `${String(conf.transportPrefix)}-bench-${tag}`;
  const resultTtl = RESULT_TTL;
  app.conf.update({ transportPrefix: prefix, resultExpires: resultTtl });
  const broker = parseBrokerUrl(String(conf.broker)).scheme;
  const results = backendUrl === undefined ? broker : parseBrokerUrl(backendUrl).scheme;
  return Object.freeze({ prefix, queue: `celeriac.bench.${tag}`, broker, forgetResults: results === 'memory', resultTtl });
}

/** Removes every message left in the bench's queue (none after a clean cell). */
export function purgeQueue(app: Celeriac, ns: BenchNamespace): Promise<number> {
  return app.control.purge([ns.queue]);
}

/**
 * What a run leaves on a NATS server: the prefix's streams and buckets, emptied of tasks, with
 * results expiring on their own. The transport has no call that deletes them; this says how.
 */
export function natsLeftovers(ns: BenchNamespace, purged: boolean): string[] {
  if (ns.broker === 'memory' && ns.forgetResults) return [];
  const names = new NatsNames(ns.prefix);
  const streams = [names.tasksStream, names.delayedStream, names.dlqStream];
  const buckets = [names.resultsBucket, names.keysBucket];
  return [
    purged
      ? `bench: purged its queue ${ns.queue}; its results expire within ${ns.resultTtl} s.`
      : `bench: could not purge its queue ${ns.queue} (see the log): its streams may still hold tasks.`,
    `bench: the streams ${streams.join(', ')} and the KV buckets ${buckets.join(', ')} (those it created) stay on the server${purged ? ', empty of tasks' : ''};`,
    `bench: remove them with: ${streams.map((s) => `nats stream rm -f ${s}`).join('; ')}; ${buckets.map((b) => `nats kv rm -f ${b}`).join('; ')}`,
  ];
}

/**
 * At the end of a run, once its workers stopped: deletes the namespace's streams and buckets
 * when the transport can (nats://: `Transport.destroy`, which also closes it); what to tell the
 * user. Where it cannot, says what stays and how to remove it.
 */
export async function dropNamespace(app: Celeriac, ns: BenchNamespace, purged: boolean): Promise<string[]> {
  const transport = await app.transport();
  if (transport.destroy === undefined) return natsLeftovers(ns, purged);
  const deleted = await transport.destroy().catch(() => [] as string[]);
  // A step that failed is logged by the transport; what is left is named here.
  const names = new NatsNames(ns.prefix);
  const all = [names.tasksStream, names.delayedStream, names.dlqStream, `KV_${names.resultsBucket}`, `KV_${names.keysBucket}`];
  const left = all.filter((n) => !deleted.includes(n));
  const lines = [
    purged ? `bench: purged its queue ${ns.queue}; ` : `bench: could not purge its queue ${ns.queue} (see the log); `,
  ];
  lines[0] += `deleted its namespace ${ns.prefix} from the server (${deleted.length > 0 ? deleted.join(', ') : 'nothing was there'}).`;
  if (deleted.length > 0 && left.length > 0 && !deleted.includes(names.tasksStream)) {
    lines.push(`bench: could not delete ${left.join(', ')}: ${left.map((s) => `nats stream rm -f ${s}`).join('; ')}`);
  }
  return lines;
}

