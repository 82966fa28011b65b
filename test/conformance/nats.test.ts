/**
 * The transport conformance suite against a real `nats-server` started by the harness, with
 * a prefix of its own so that every transport a case opens shares one namespace.
 */
import { after } from 'node:test';
import { openTransport } from '../../src/transport/open.ts';
import { startNatsServer } from '../helpers/nats-server.ts';
import { uniqueName } from '../helpers/ns.ts';
import { transportConformance } from './transport-cases.ts';

const server = await startNatsServer();
after(() => server[Symbol.asyncDispose]());
const prefix = uniqueName('conf').replace(/-/g, '_');

transportConformance('nats:// transport conformance', (opts) =>
  openTransport(server.url, { prefix, visibilityTimeout: opts?.visibilityTimeout }),
);
