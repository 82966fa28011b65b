/** Remote control requests, as Celery's broadcast commands (`inspect` and `control`). */
export type ControlCommand =
  | 'ping'
  | 'active'
  | 'scheduled'
  | 'reserved'
  | 'registered'
  | 'stats'
  | 'revoked'
  | 'conf'
  | 'active_queues'
  | 'revoke'
  | 'rate_limit'
  | 'time_limit'
  | 'pool_grow'
  | 'pool_shrink'
  | 'autoscale'
  | 'add_consumer'
  | 'cancel_consumer'
  | 'enable_events'
  | 'disable_events'
  | 'shutdown'
  | 'heartbeat';

export interface ControlRequest {
  command: ControlCommand;
  args: Record<string, unknown>;
  /** Hostnames addressed; all when absent. */
  destination?: string[];
  /** Unique per request, so a reply is matched to it. */
  id: string;
}

export type ControlReply =
  | { hostname: string; ok: unknown }
  | { hostname: string; error: string };
