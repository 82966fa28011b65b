/**
 * A worker process whose one task kills the process (SIGKILL) as soon as it starts, under
 * acksLate: its message comes back after the visibility timeout, again and again, until the
 * broker gives up on it (maxDeliver). For the poison-message test in poison.test.ts:
 *
 *   node --conditions=celeriac-source --import tsx test/nats/suicide-worker.ts \
 *     --broker nats://127.0.0.1:4300 --prefix p --hostname s1@test --visibility 1
 *
 * Prints `ready <hostname> <pid>` once it consumes. The inline pool runs the task on the
 * process's own loop, so no worker thread imports this file.
 */
import { parseArgs } from 'node:util';
import { Celeriac } from 'celeriac';

const { values: v } = parseArgs({
  options: {
    broker: { type: 'string' },
    prefix: { type: 'string' },
    hostname: { type: 'string' },
    visibility: { type: 'string', default: '1' },
  },
});
if (v.broker === undefined || v.prefix === undefined || v.hostname === undefined) {
  process.stderr.write('usage: suicide-worker.ts --broker URL --prefix P --hostname H [--visibility S]\n');
  process.exit(2);
}

const app = new Celeriac('conf', {
  broker: v.broker,
  config: {
    transportPrefix: v.prefix,
    brokerVisibilityTimeout: Number(v.visibility),
    brokerConnectionOptions: { reconnectTimeWait: 200 },
  },
});
app.task(
  'conf.suicide',
  () => {
    process.kill(process.pid, 'SIGKILL');
  },
  { acksLate: true },
);
const worker = app.worker({ pool: 'inline', concurrency: 1, prefetchMultiplier: 1, hostname: v.hostname, heartbeatInterval: 0.5 });
await worker.start();
process.stdout.write(`ready ${worker.hostname} ${process.pid}\n`);
