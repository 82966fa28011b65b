/**
 * Encode + decode of one typical task message through the wire mapping: msgpack vs JSON body,
 * with and without gzip. The envelope is msgpack in every case (protocol/wire.ts).
 * Run: node --import tsx bench/codecs.bench.ts
 */
import { Bench } from 'tinybench';
import { normalizeAccept } from '../src/serialization/accept.ts';
import { newTaskMessage } from '../src/protocol/task-message-defaults.ts';
import { decodeTask, encodeTask } from '../src/protocol/wire.ts';
import type { EncodeOptions } from '../src/protocol/task-message.ts';

const accept = normalizeAccept(['msgpack', 'json']);
const message = newTaskMessage({
  task: 'proj.tasks.send_invoice',
  args: ['customer-8f3a2c', 1299, { currency: 'EUR', lines: [{ sku: 'A-1', qty: 2 }, { sku: 'B-7', qty: 1 }] }],
  kwargs: { notify: true, locale: 'nb-NO' },
  headers: { tenant: 'acme' },
  options: { acksLate: true },
});

const cases: [string, EncodeOptions][] = [
  ['msgpack', { serializer: 'msgpack' }],
  ['json', { serializer: 'json' }],
  ['msgpack+gzip', { serializer: 'msgpack', compression: 'gzip' }],
  ['json+gzip', { serializer: 'json', compression: 'gzip' }],
];

const bench = new Bench({ name: 'task message encode+decode', time: 1000 });
let sink = 0;
for (const [name, opts] of cases) {
  const size = encodeTask(message, opts).length;
  bench.add(`${name} (${size} B)`, () => {
    sink += decodeTask(encodeTask(message, opts), accept).retries;
  });
}
await bench.run();
console.table(bench.table());
if (sink !== 0) throw new Error('unreachable: keeps the result alive');
