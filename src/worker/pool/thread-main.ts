/**
 * The file Piscina loads in each pool thread. It imports the user's app module once (lazily:
 * Piscina may `require()` this file, where top-level await is not allowed), then runs batches
 * of tasks in order, recording each one's progress and outcome in the batch's shared buffer as
 * it goes, so that the pool sees them even if this thread is terminated mid-batch.
 *
 * Imports only util/, serialization/, protocol/, task/ and errors.ts (plus its own folder's
 * buffer layout): a thread never opens a connection (DESIGN.md §2).
 */
import { BroadcastChannel, workerData } from 'node:worker_threads';
import { NotRegistered, toWire, type WireError } from '../../errors.ts';
import type { ExecEvent, ExecOutcome, ExecRequest } from '../../protocol/execution.ts';
import { lookupTask } from '../../task/registry.ts';
import { traceTask } from '../../task/trace.ts';
import { appModuleLoader } from './app-module.ts';
import { BatchBuffer, encodeOutcome } from './batch-buffer.ts';
import { packedCount, unpackExec } from './thread-execs.ts';
import type { ChannelMessage, ThreadCall, ThreadData, ThreadReply } from './thread-messages.ts';

const data = workerData as ThreadData;
const loadApp = appModuleLoader(data.appModule);
let channel: BroadcastChannel | undefined;

function events(): BroadcastChannel {
  if (channel === undefined) {
    channel = new BroadcastChannel(data.channel);
    // Never keep this thread alive for the channel's sake (Node has unref(); the types lack it).
    (channel as BroadcastChannel & { unref?: () => void }).unref?.();
  }
  return channel;
}

export default async function handle(call: ThreadCall): Promise<ThreadReply> {
  if (call.kind === 'ping') {
    try {
      await loadApp();
      return { kind: 'pong', error: null };
    } catch (err) {
      return { kind: 'pong', error: toWire(err) };
    }
  }
  return runBatch(call.key, call.execs, new BatchBuffer(call.sab));
}

/** The pool's warm-ups run under this name, which its load balancer tells apart (thread-balancer.ts). */
export { handle as warm };

async function runBatch(key: number, execs: unknown[], buf: BatchBuffer): Promise<ThreadReply> {
  let loadError: WireError | null = null;
  try {
    await loadApp();
  } catch (err) {
    loadError = toWire(err);
  }
  // One sink per batch (not a closure per task): it tags each event with the running index.
  let current = -1;
  const sink = (ev: ExecEvent): void => {
    const msg: ChannelMessage = [key, current, ev];
    events().postMessage(msg);
    // Counted after posting: the pool holds the outcome until it has seen this many events.
    buf.countEvent(current);
  };
  const n = packedCount(execs);
  for (let i = 0; i < n; i++) {
    // The pool claims a task that it revoked or takes back: skip it.
    if (!buf.begin(i)) continue;
    current = i;
    const outcome = await runOne(unpackExec(execs, i), sink, loadError);
    const bytes = encode(outcome);
    if (!buf.append(i, bytes)) {
      // The log is full: hand this outcome back with the reply and stop; the tasks after it
      // are still pending in the buffer and the pool queues them again.
      buf.finish();
      return { kind: 'done', spill: { i, bytes: bytes.slice() } };
    }
  }
  buf.finish();
  return { kind: 'done', spill: null };
}

function runOne(
  exec: ExecRequest,
  sink: (ev: ExecEvent) => void,
  loadError: WireError | null,
): Promise<ExecOutcome> | ExecOutcome {
  if (loadError !== null) return { status: 'failure', error: loadError, runtime: 0 };
  const def = lookupTask(data.appName, exec.request.task);
  if (def === undefined) {
    return { status: 'failure', error: toWire(new NotRegistered(exec.request.task)), runtime: 0 };
  }
  return traceTask(def, exec, { sink });
}

/** An outcome whose value msgpack cannot encode becomes a failure naming why. */
function encode(outcome: ExecOutcome): Uint8Array {
  try {
    return encodeOutcome(outcome);
  } catch (err) {
    const runtime = 'runtime' in outcome ? outcome.runtime : 0;
    return encodeOutcome({ status: 'failure', error: toWire(err), runtime });
  }
}
