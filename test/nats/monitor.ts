/** What the servers say about streams and consumers: replicas, leaders and delivery counts. */
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { NatsNames } from '../../src/transport/nats/names.ts';
import type { NatsCluster, NatsServer } from '../helpers/nats-server.ts';

export interface StreamView {
  replicas: number;
  /** The leader's server name, e.g. `c1a2b3-n0`. */
  leader: string | undefined;
}

/** Streams as one server's monitoring port sees them. */
export async function jsz(s: NatsServer): Promise<Map<string, StreamView>> {
  const res = await fetch(`http://127.0.0.1:${s.monitorPort}/jsz?accounts=true&streams=true&config=true`);
  const body = (await res.json()) as {
    account_details?: { stream_detail?: { name: string; config?: { num_replicas?: number }; cluster?: { leader?: string } }[] }[];
  };
  const out = new Map<string, StreamView>();
  for (const acc of body.account_details ?? []) {
    for (const d of acc.stream_detail ?? []) out.set(d.name, { replicas: d.config?.num_replicas ?? 1, leader: d.cluster?.leader });
  }
  return out;
}

/** The index of the running server of `cluster` that leads `stream`, or -1. */
export async function leaderOf(cluster: NatsCluster, stream: string): Promise<number> {
  const any = cluster.servers.find((s) => s.running)!;
  const leader = (await jsz(any)).get(stream)?.leader;
  return cluster.servers.findIndex((s, i) => s.running && `${cluster.name}-n${i}` === leader);
}

/** A task consumer (band 0 of `queue`) as the server counts it. */
export async function consumerInfo(
  s: NatsServer,
  prefix: string,
  queue: string,
): Promise<{ delivered: { consumer_seq: number }; num_ack_pending: number }> {
  const nc = await connect({ servers: s.url });
  try {
    const names = new NatsNames(prefix);
    const jsm = await jetstreamManager(nc);
    return await jsm.consumers.info(names.tasksStream, names.queue(queue).consumer[0]!);
  } finally {
    await nc.close();
  }
}
