/**
 * The transport conformance suite: the same cases run against `memory://` and against a real
 * `nats-server`, so the two behave alike. Every case uses its own queue, task, host and key
 * names, and real time with short deadlines (each case well under a second).
 *
 * `makeTransport` is called once or more per case; every call must reach the same namespace
 * (as two apps opening one URL) and honour `visibilityTimeout` (ms) when given.
 */
import { describe } from 'node:test';
import { backendCases } from './backend-cases.ts';
import { brokerCases } from './broker-cases.ts';
import { busCases } from './bus-cases.ts';
import type { MakeTransport } from './support.ts';

export type { ConformanceTransportOptions, MakeTransport } from './support.ts';

export function transportConformance(label: string, makeTransport: MakeTransport): void {
  describe(label, () => {
    brokerCases(makeTransport);
    backendCases(makeTransport);
    busCases(makeTransport);
  });
}
