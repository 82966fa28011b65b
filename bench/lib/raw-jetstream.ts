/**
 * The NATS baseline of bench/e2e-nats.bench.ts: raw JetStream with nats.js alone, no celeriac.
 * Publish: `js.publish()` of small messages, many in flight (windows of WINDOW), to a WorkQueue
 * stream on file storage, as celeriac's task stream is. Consume: one durable pull consumer,
 * `consume()` with a buffer, every message acked explicitly.
 */
import { connect } from '@nats-io/transport-node';
import { AckPolicy, RetentionPolicy, StorageType, jetstream, jetstreamManager } from '@nats-io/jetstream';

const WINDOW = 1000;

export interface RawJetStreamRates {
  publish: number[];
  consume: number[];
}

export async function rawJetStreamRates(url: string, prefix: string, n: number, rounds: number): Promise<RawJetStreamRates> {
  const nc = await connect({ servers: url, noAsyncTraces: true });
  try {
    const jsm = await jetstreamManager(nc);
    const stream = `${prefix.toUpperCase()}_RAW`;
    const subject = `${prefix}.raw`;
    await jsm.streams.add({ name: stream, subjects: [subject], retention: RetentionPolicy.Workqueue, storage: StorageType.File });
    await jsm.consumers.add(stream, { durable_name: 'raw', ack_policy: AckPolicy.Explicit, filter_subject: subject });
    const js = jetstream(nc);
    const consumer = await js.consumers.get(stream, 'raw');
    // The same size as a celeriac no-op task message, roughly.
    const body = new Uint8Array(200).fill(7);
    const out: RawJetStreamRates = { publish: [], consume: [] };
    for (let r = 0; r < rounds; r++) {
      let t0 = performance.now();
      for (let i = 0; i < n; i += WINDOW) {
        const k = Math.min(WINDOW, n - i);
        await Promise.all(Array.from({ length: k }, () => js.publish(subject, body)));
      }
      out.publish.push(n / ((performance.now() - t0) / 1000));
      t0 = performance.now();
      const messages = await consumer.consume({ max_messages: 1000 });
      let got = 0;
      for await (const m of messages) {
        m.ack();
        if (++got === n) break;
      }
      await nc.flush();
      out.consume.push(n / ((performance.now() - t0) / 1000));
      await messages.close();
    }
    await jsm.streams.delete(stream);
    return out;
  } finally {
    await nc.close();
  }
}
