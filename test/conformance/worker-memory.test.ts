/** The worker conformance cases over `memory://`, on a hub of their own. */
import { uniqueName } from '../helpers/ns.ts';
import { workerConformance } from './worker-cases.ts';

workerConformance('worker conformance over memory://', () => `memory://${uniqueName('worker-conf')}`);
