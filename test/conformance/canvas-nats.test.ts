/**
 * The canvas conformance cases over `nats://`: a nats-server from the harness and a
 * `transportPrefix` of this file's own, so nothing is shared with another file on the machine.
 */
import { after } from 'node:test';
import { app } from '../fixtures/canvas-app.ts';
import { startNatsServer } from '../helpers/nats-server.ts';
import { uniqueName } from '../helpers/ns.ts';
import { canvasConformance } from './canvas-cases.ts';

const server = await startNatsServer();
// File-level: runs after the suite's own after(), which closes the app first.
after(() => server[Symbol.asyncDispose]());

canvasConformance('canvas conformance over nats://', () => {
  app.conf.update({ broker: server.url, transportPrefix: uniqueName('canvas').replace(/-/g, '_') });
  return app;
});
