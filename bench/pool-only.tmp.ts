import { createPool } from '../src/worker/pool/create.ts';
const N = 20000;
const pool = createPool({ kind: 'threads', concurrency: 2, appModule: new URL('./fixtures/noop-app.ts', import.meta.url).href, appName: 'bench-noop' });
await pool.start();
const mk = (i: number) => ({ request: { id: `b${i}`, task: 'noop', args: [i], kwargs: {}, retries: 0, hostname: 'h', queue: 'q', eta: null, expires: null, parentId: null, rootId: null, groupId: null, redelivered: false }, softTimeLimit: null, timeLimit: null, trackStarted: false });
for (let r = 0; r < 8; r++) {
  const execs = Array.from({ length: N }, (_, i) => mk(i));
  const t0 = performance.now();
  await Promise.all(execs.map((e) => pool.run(e)));
  console.log(Math.round(N / ((performance.now() - t0) / 1000)));
}
await pool.close();
