/**
 * Every subject, stream, consumer, bucket and key name the NATS transport uses, derived from
 * one prefix so that several apps (and parallel tests) share a server without seeing each
 * other. Queue names and keys are escaped so that any string is a valid single token.
 */

/** Priority bands: one per Celery priority, 0-9 (9 highest). See `bandOf`. */
export const BANDS = 10;

/**
 * Priority → band. The contract serves priorities 0-9 exactly highest first, and the
 * subscription engine only pulls a band when it may hold messages (bells and the pass
 * results tell it), so ten bands cost no more round trips than three: one band per priority.
 */
export function bandOf(priority: number | undefined): number {
  if (priority === undefined || !Number.isFinite(priority)) return 0;
  return Math.min(BANDS - 1, Math.max(0, Math.round(priority)));
}

const PLAIN = /^[A-Za-z0-9_-]+$/;
const encoder = new TextEncoder();

/**
 * Escapes a string into one token valid everywhere NATS takes a name (subject token, consumer
 * name, KV key): `[A-Za-z0-9_-]` stay, every other UTF-8 byte becomes `=XX`. Injective, because
 * `=` itself is always escaped.
 */
export function escapeToken(s: string): string {
  if (PLAIN.test(s)) return s;
  let out = '';
  for (const ch of s) {
    if (/[A-Za-z0-9_-]/.test(ch)) {
      out += ch;
      continue;
    }
    for (const b of encoder.encode(ch)) out += `=${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out === '' ? '=' : out;
}

/** A prefix usable as a subject token, a stream-name part and a bucket-name part. */
export function sanitizePrefix(prefix: string): string {
  const p = prefix.replace(/[^A-Za-z0-9_-]/g, '_');
  return p === '' ? 'celeriac' : p;
}

export const DEFAULT_PREFIX = 'celeriac';

export class NatsNames {
  readonly prefix: string;
  readonly tasksStream: string;
  readonly delayedStream: string;
  readonly dlqStream: string;
  readonly resultsBucket: string;
  readonly keysBucket: string;
  readonly moverConsumer = 'mover';
  readonly controlSubject: string;
  readonly #queues = new Map<string, QueueNames>();

  constructor(prefix: string = DEFAULT_PREFIX) {
    this.prefix = sanitizePrefix(prefix);
    const upper = this.prefix.toUpperCase();
    this.tasksStream = `${upper}_TASKS`;
    this.delayedStream = `${upper}_DELAYED`;
    this.dlqStream = `${upper}_DLQ`;
    this.resultsBucket = `${this.prefix}-results`;
    this.keysBucket = `${this.prefix}-kv`;
    this.controlSubject = `${this.prefix}.control`;
  }

  get taskSubjects(): string {
    return `${this.prefix}.task.>`;
  }
  get delayedSubjects(): string {
    return `${this.prefix}.delayed.>`;
  }
  get dlqSubjects(): string {
    return `${this.prefix}.dlq.>`;
  }
  /** Where the results bucket republishes every stored write, for watchers. */
  get resultsRepublish(): string {
    return `${this.prefix}.res.>`;
  }
  resultsWatchSubject(key: string): string {
    return `${this.prefix}.res.${key}`;
  }
  /** The start of every reply subject (`<prefix>.reply.<client>`), see replies.ts. */
  get replyPrefix(): string {
    return `${this.prefix}.reply.`;
  }
  /** The bell of the queue a task subject (`<prefix>.task.<queue>.<band>`) belongs to. */
  bellOfTaskSubject(subject: string): string {
    const start = this.prefix.length + '.task.'.length;
    return `${this.prefix}.bell.${subject.slice(start, subject.lastIndexOf('.'))}`;
  }
  eventSubject(type: string): string {
    return `${this.prefix}.event.${escapeToken(type)}`;
  }
  get eventWildcard(): string {
    return `${this.prefix}.event.>`;
  }

  /** Names for one queue, memoised (the publish path asks for them per message). */
  queue(queue: string): QueueNames {
    let q = this.#queues.get(queue);
    if (q === undefined) {
      const t = escapeToken(queue);
      const taskSubject: string[] = [];
      const consumer: string[] = [];
      for (let b = 0; b < BANDS; b++) {
        taskSubject.push(`${this.prefix}.task.${t}.${b}`);
        consumer.push(`q_${t}_${b}`);
      }
      q = {
        token: t,
        taskSubject,
        consumer,
        taskFilter: `${this.prefix}.task.${t}.*`,
        delayedSubject: `${this.prefix}.delayed.${t}`,
        dlqSubject: `${this.prefix}.dlq.${t}`,
        bellSubject: `${this.prefix}.bell.${t}`,
      };
      this.#queues.set(queue, q);
    }
    return q;
  }
}

export interface QueueNames {
  readonly token: string;
  /** `<prefix>.task.<queue>.<band>`, indexed by band. */
  readonly taskSubject: readonly string[];
  /** Durable pull consumer per band, indexed by band. */
  readonly consumer: readonly string[];
  readonly taskFilter: string;
  readonly delayedSubject: string;
  readonly dlqSubject: string;
  /** Core subject rung after a priority (band > 0) message is stored: wakes idle pullers. */
  readonly bellSubject: string;
}

/** The band from a task subject (`...<queue>.<band>`), or 0. */
export function bandOfSubject(subject: string): number {
  const b = Number(subject.slice(subject.lastIndexOf('.') + 1));
  return Number.isInteger(b) && b >= 0 && b < BANDS ? b : 0;
}
