import { randomUUID } from 'node:crypto';

/** A task, group or worker id: a v4 UUID, as Celery uses. */
export const uuid = (): string => randomUUID();

/** A short random suffix for namespacing (queues, streams, test prefixes). */
export const shortId = (): string => randomUUID().slice(0, 8);
