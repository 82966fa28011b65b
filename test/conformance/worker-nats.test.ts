/**
 * The worker conformance cases over `nats://`: a nats-server from the harness, and a
 * `transportPrefix` of this file's own so nothing is shared with another file on the server.
 */
import { after } from 'node:test';
import { app } from '../fixtures/conformance-app.ts';
import { startNatsServer } from '../helpers/nats-server.ts';
import { uniqueName } from '../helpers/ns.ts';
import { workerConformance } from './worker-cases.ts';

const server = await startNatsServer();
// File-level: runs after the suite's own after(), which closes the app first.
after(() => server[Symbol.asyncDispose]());

workerConformance('worker conformance over nats://', () => {
  app.conf.update({ transportPrefix: uniqueName('wconf').replace(/-/g, '_') });
  return server.url;
});
