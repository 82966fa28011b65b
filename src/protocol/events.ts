/** Events, with Celery's names and fields. Seconds since the epoch in `timestamp`, as Celery. */
interface EventBase {
  hostname: string;
  timestamp: number;
  /** Lamport-ish sequence of the sender. */
  clock: number;
  pid: number;
}

export interface TaskEvent extends EventBase {
  type:
    | 'task-sent'
    | 'task-received'
    | 'task-started'
    | 'task-succeeded'
    | 'task-failed'
    | 'task-retried'
    | 'task-revoked'
    | 'task-rejected';
  uuid: string;
  name?: string;
  args?: unknown[];
  kwargs?: Record<string, unknown>;
  result?: unknown;
  runtime?: number;
  exception?: string;
  traceback?: string;
  eta?: string | null;
  expires?: string | null;
  retries?: number;
  parentId?: string | null;
  rootId?: string | null;
  queue?: string;
  reason?: string;
  terminated?: boolean;
  expired?: boolean;
}

export interface WorkerEvent extends EventBase {
  type: 'worker-online' | 'worker-heartbeat' | 'worker-offline';
  /** Heartbeat interval in seconds. */
  freq: number;
  active: number;
  processed: number;
  loadavg?: number[];
  swIdent: string;
  swVer: string;
  /** Why a worker went offline when it did not stop on request. */
  reason?: string;
}

export type CeleriacEvent = TaskEvent | WorkerEvent;
export type EventType = CeleriacEvent['type'];
