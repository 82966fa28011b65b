/**
 * The task message as the rest of the code sees it: typed, camelCase. Only `protocol/` maps it
 * to and from the wire (Celery's message protocol v2 in shape: headers, properties, and a body
 * of `[args, kwargs, embed]`).
 */

/** Wire form of a signature, as Celery serialises one (a dict). */
export interface SignatureData {
  task: string;
  args: unknown[];
  kwargs: Record<string, unknown>;
  options: Record<string, unknown>;
  /** `'group' | 'chain' | 'chord' | 'chunks' | 'xmap' | 'xstarmap'`, absent for a plain task. */
  subtask_type?: string | null;
  immutable: boolean;
  chord_size?: number | null;
}

/** What a chord header task carries so that whichever worker finishes it can join the chord. */
export interface ChordRef {
  /** The id of the chord (its result is the body's result). */
  id: string;
  /** The body to publish with the ordered header results, exactly once. */
  body: SignatureData;
  /** How many header tasks the chord waits for. */
  size: number;
  /** This task's position in the header. */
  index: number;
}

export type ContentType = 'application/x-msgpack' | 'application/json';
export type ContentEncoding = 'utf-8' | 'binary';
export type Compression = 'gzip' | 'deflate' | 'brotli';
export type SerializerName = 'msgpack' | 'json';

export interface TaskMessage {
  id: string;
  task: string;
  args: unknown[];
  kwargs: Record<string, unknown>;
  rootId: string;
  parentId: string | null;
  groupId: string | null;
  groupIndex: number | null;
  retries: number;
  /** ISO 8601 time before which the task must not run. */
  eta: string | null;
  /** ISO 8601 time after which the task is revoked instead of run. */
  expires: string | null;
  /** `[soft, hard]` seconds. Celery's `timelimit` header holds `[hard, soft]`; protocol/wire.ts maps it. */
  timeLimit: [number | null, number | null];
  ignoreResult: boolean;
  /** `hostname` or `pid@host` of the producer. */
  origin: string;
  priority: number;
  /** Extra user headers (`applyAsync({ headers })`). */
  headers: Record<string, unknown>;
  callbacks: SignatureData[];
  errbacks: SignatureData[];
  /** Remaining chain steps, in reverse order as Celery stores them (the next step is last). */
  chain: SignatureData[];
  chord: ChordRef | null;
  /** Task options that travel with the message and matter to the worker (acksLate, ...). */
  options: { acksLate?: boolean; trackStarted?: boolean; maxRetries?: number | null };
  /** `properties.reply_to`: where the publisher hears this task's result writes (nats://), or null. */
  replyTo?: string | null;
}

/** How the message body is encoded on the wire. */
export interface EncodeOptions {
  serializer: SerializerName;
  compression?: Compression | null;
}
