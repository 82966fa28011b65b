/**
 * Queue administration: counting and purging a queue's waiting messages, and reading the
 * dead letters back. None of it is on the hot path.
 */
import { AckPolicy, DeliverPolicy, type ConsumerInfo, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { OperationalError } from '../../errors.ts';
import type { Millis } from '../../util/time.ts';
import type { DeadLetter } from '../types.ts';
import { JsErr, jsErrCode, wrapNatsError } from './errors.ts';
import type { NatsNames } from './names.ts';
import { nextSubject, PullRequest } from './pull.ts';

const NANOS = 1_000_000;

async function bandConsumers(jsm: JetStreamManager, names: NatsNames, queue: string): Promise<(ConsumerInfo | null)[]> {
  const q = names.queue(queue);
  return Promise.all(
    q.consumer.map((c) =>
      jsm.consumers.info(names.tasksStream, c).catch((err: unknown) => {
        if (jsErrCode(err) === JsErr.ConsumerNotFound) return null;
        throw wrapNatsError(err, `reading consumer ${c}`);
      }),
    ),
  );
}

/**
 * Waiting messages: per band the consumer's undelivered count (or, before any worker created
 * the consumer, what the stream holds), plus the queue's delayed messages.
 */
export async function queueSize(jsm: JetStreamManager, names: NatsNames, queue: string): Promise<number> {
  const q = names.queue(queue);
  try {
    const [tasks, delayed, consumers] = await Promise.all([
      jsm.streams.info(names.tasksStream, { subjects_filter: q.taskFilter }),
      jsm.streams.info(names.delayedStream, { subjects_filter: q.delayedSubject }),
      bandConsumers(jsm, names, queue),
    ]);
    let n = delayed.state.subjects?.[q.delayedSubject] ?? 0;
    consumers.forEach((ci, band) => {
      n += ci !== null ? ci.num_pending : (tasks.state.subjects?.[q.taskSubject[band]!] ?? 0);
    });
    return n;
  } catch (err) {
    throw wrapNatsError(err, `sizing queue ${queue}`);
  }
}

/**
 * Purges the queue's task and delayed subjects. JetStream cannot spare the messages a worker
 * holds unacked, so they go too (their later ack is a no-op); they are not counted.
 */
export async function purgeQueue(jsm: JetStreamManager, names: NatsNames, queue: string): Promise<number> {
  const q = names.queue(queue);
  try {
    const consumers = await bandConsumers(jsm, names, queue);
    const held = consumers.reduce((n, ci) => n + (ci?.num_ack_pending ?? 0), 0);
    const [tasks, delayed] = await Promise.all([
      jsm.streams.purge(names.tasksStream, { filter: q.taskFilter }),
      jsm.streams.purge(names.delayedStream, { filter: q.delayedSubject }),
    ]);
    return Math.max(0, tasks.purged - held) + delayed.purged;
  } catch (err) {
    throw wrapNatsError(err, `purging queue ${queue}`);
  }
}

/** Every dead letter (of one queue, or all), oldest first, through a short-lived consumer. */
export async function readDeadLetters(
  jsm: JetStreamManager,
  nc: NatsConnection,
  names: NatsNames,
  apiTimeout: Millis,
  queue?: string,
): Promise<DeadLetter[]> {
  const filter = queue !== undefined ? names.queue(queue).dlqSubject : names.dlqSubjects;
  let ci: ConsumerInfo;
  try {
    ci = await jsm.consumers.add(names.dlqStream, {
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      filter_subject: filter,
      ack_wait: 60_000 * NANOS,
      inactive_threshold: 30_000 * NANOS,
    });
  } catch (err) {
    throw wrapNatsError(err, 'reading dead letters');
  }
  const out: DeadLetter[] = [];
  try {
    for (;;) {
      const req = new PullRequest(nc, nextSubject(names.dlqStream, ci.name), { batch: 1000, noWait: true, stallAfter: apiTimeout }, (m) => {
        const h = m.headers;
        out.push({
          queue: h?.get('Celeriac-Queue') ?? queue ?? '',
          frame: m.data,
          reason: h?.get('Celeriac-Reason') ?? '',
          at: Number(h?.get('Celeriac-At')) || 0,
        });
      });
      const end = await req.done;
      if (end === 'complete') continue;
      if (end === 'empty' || end === 'expired') break;
      throw new OperationalError(`reading dead letters: pull ended ${end} ${req.detail}`.trim());
    }
  } finally {
    await jsm.consumers.delete(names.dlqStream, ci.name).catch(() => undefined);
  }
  return out;
}
