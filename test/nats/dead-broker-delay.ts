/**
 * A script whose only work is one `delay()` to a broker that is down, as a user's one-off
 * script would be: it must live through the publish retries to see how they end.
 *
 *   node --conditions=celeriac-source --import tsx test/nats/dead-broker-delay.ts nats://127.0.0.1:PORT
 *
 * Prints `error <name> <code>` and exits 1 (or prints `sent <id>` and exits 0), after closing
 * the app. Were the retry waits unref'd, the loop would empty first and Node would end it with
 * code 13 (an unsettled top-level await), printing nothing.
 */
import { Celeriac } from 'celeriac';

const app = new Celeriac('deadpub', {
  broker: process.argv[2],
  config: { taskPublishRetryPolicy: { maxRetries: 3, intervalStart: 0.3, intervalStep: 0.1, intervalMax: 0.5 } },
});
const add = app.task('deadpub.add', (a: number, b: number) => a + b);
try {
  const r = await add.delay(1, 2);
  process.stdout.write(`sent ${r.id}\n`);
} catch (err) {
  const e = err as { name?: string; code?: string };
  process.stdout.write(`error ${e.name} ${e.code}\n`);
  process.exitCode = 1;
} finally {
  await app.close();
}
