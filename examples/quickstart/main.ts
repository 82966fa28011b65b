/**
 * The quickstart: an embedded worker with real worker threads over `memory://`, and the calls
 * of the seeds' tutorials. Run it with `npm ci && npm start`.
 */
import { chain, chord, group } from 'celeriac';
import { app, add, mul, xsum, boom, hello } from './proj.ts';

const worker = app.worker({ concurrency: 2, hostname: 'quickstart@%h' });
await worker.start();
console.log(`worker ${worker.hostname} consuming ${worker.options.queues.join(', ')} with ${worker.options.concurrency} threads`);

try {
  const r = await add.delay(2, 2);
  console.log(`add.delay(2, 2).get()            -> ${await r.get({ timeout: 10 })}   (id ${r.id})`);

  const started = Date.now();
  const later = await add.applyAsync([4, 4], { countdown: 1 });
  console.log(`countdown=1: state while waiting -> ${await later.state()}`);
  console.log(`countdown=1: result              -> ${await later.get({ timeout: 10 })} after ${((Date.now() - started) / 1000).toFixed(2)} s`);

  const failed = await boom.delay('bad value');
  const err = (await failed.get({ timeout: 10, propagate: false })) as Error;
  console.log(`boom.delay('bad value')          -> state ${await failed.state()}, ${err.name}: ${err.message}`);
  console.log(`  remote traceback (first lines):\n    ${String(await failed.traceback()).split('\n').slice(0, 3).join('\n    ')}`);

  const progress = await hello.delay(3, 4);
  const value = await progress.get({
    timeout: 10,
    onMessage: (m) => console.log(`  hello on_message: ${m.state} ${JSON.stringify(m.meta ?? m.result)}`),
  });
  console.log(`hello.delay(3, 4).get()          -> ${value}`);

  const range = Array.from({ length: 10 }, (_, i) => i);
  const g = await group(range.map((i) => add.s(i, i))).delay();
  console.log(`group(add.s(i, i) for i < 10)    -> ${JSON.stringify(await g.get({ timeout: 10 }))}`);
  const c = await chain(add.s(4, 4), mul.s(8)).delay();
  console.log(`chain(add.s(4, 4), mul.s(8))     -> ${await c.get({ timeout: 10 })}`);
  const partial = await add.s(4).pipe(mul.s(8)).delay(4);
  console.log(`(add.s(4) | mul.s(8)).delay(4)   -> ${await partial.get({ timeout: 10 })}`);
  const ch = await chord(range.map((i) => add.s(i, i)), xsum.s()).delay();
  console.log(`chord(add.s(i, i)..., xsum.s())  -> ${await ch.get({ timeout: 10 })}`);

  console.log(`mul.apply([6, 7]) (eager)        -> ${await mul.apply([6, 7]).get()}`);
  console.log(`xsum.run([1, 2, 3]) (direct)     -> ${xsum.run([1, 2, 3])}`);
} finally {
  await app.close();
}
