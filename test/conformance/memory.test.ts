/** The transport conformance suite against `memory://`, on a hub of its own. */
import { openTransport } from '../../src/transport/open.ts';
import { uniqueName } from '../helpers/ns.ts';
import { transportConformance } from './transport-cases.ts';

const url = `memory://${uniqueName('conf')}`;

transportConformance('memory:// transport conformance', (opts) =>
  openTransport(url, { visibilityTimeout: opts?.visibilityTimeout }),
);
