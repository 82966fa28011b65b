/** The canvas conformance cases over `memory://`, on a hub of their own. */
import { app } from '../fixtures/canvas-app.ts';
import { uniqueName } from '../helpers/ns.ts';
import { canvasConformance } from './canvas-cases.ts';

canvasConformance('canvas conformance over memory://', () => {
  app.conf.update({ broker: `memory://${uniqueName('canvas-conf')}` });
  return app;
});
