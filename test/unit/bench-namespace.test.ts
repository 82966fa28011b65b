/** The bench's private namespace: set on the app before its transport opens, never on another's. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Celeriac } from '../../src/app/celeriac.ts';
import { UsageError } from '../../src/cli/args.ts';
import { RESULT_TTL, claimNamespace, natsLeftovers } from '../../src/cli/bench/namespace.ts';

test('a prefix and a queue of its own, results with a short life', async (t) => {
  const app = new Celeriac('ns', { broker: 'nats://127.0.0.1:1', config: { transportPrefix: 'shop' } });
  t.after(() => app.close());
  const ns = claimNamespace(app);
  assert.match(ns.prefix, /^shop-bench-[0-9a-f]{8}$/);
  assert.equal(ns.queue, `celeriac.bench.${ns.prefix.slice(-8)}`);
  assert.equal(app.conf.transportPrefix, ns.prefix);
  assert.equal(app.conf.resultExpires, RESULT_TTL);
  assert.equal(ns.broker, 'nats');
  assert.equal(ns.forgetResults, false);
  assert.notEqual(claimNamespace(new Celeriac('other', { broker: 'memory://' })).prefix.slice(-8), ns.prefix.slice(-8));

  const left = natsLeftovers(ns, true);
  assert.match(left[0]!, /purged its queue celeriac\.bench\./);
  assert.match(left.join('\n'), new RegExp(`nats stream rm -f ${ns.prefix.toUpperCase()}_TASKS`));
  assert.match(left.join('\n'), new RegExp(`nats kv rm -f ${ns.prefix}-results`));
  assert.match(natsLeftovers(ns, false)[0]!, /could not purge/);
});

test('over memory:// results are dropped once read, and nothing is left behind', async (t) => {
  const app = new Celeriac('mem', { broker: 'memory://' });
  t.after(() => app.close());
  const ns = claimNamespace(app);
  assert.equal(ns.broker, 'memory');
  assert.equal(ns.forgetResults, true);
  assert.deepEqual(natsLeftovers(ns, true), []);
});

test('an app without a result backend is refused', async (t) => {
  const app = new Celeriac('nob', { broker: 'memory://', backend: 'disabled' });
  t.after(() => app.close());
  assert.throws(() => claimNamespace(app), (err: unknown) => err instanceof UsageError && /backend/.test(err.message));
});

test('an app whose transport is already open is refused: its prefix can no longer change', async (t) => {
  const app = new Celeriac('open', { broker: 'memory://' });
  t.after(() => app.close());
  await app.transport();
  assert.throws(() => claimNamespace(app), /already|opened its transport/);
});
