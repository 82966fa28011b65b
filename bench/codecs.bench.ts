/**
 * Encode + decode of one typical task message through the wire mapping: msgpack vs JSON body,
 * with and without gzip. The envelope is msgpack in every case (protocol/wire.ts).
 * Run: npm run bench -- codecs
 */
import { normalizeAccept } from '../src/serialization/accept.ts';
import { newTaskMessage } from '../src/protocol/task-message-defaults.ts';
import { decodeTask, encodeTask } from '../src/protocol/wire.ts';
import type { EncodeOptions } from '../src/protocol/task-message.ts';
import { micro } from './lib/micro.ts';
import { printAndReport } from './lib/stats.ts';

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

let sink = 0;
const sizes: string[] = [];
const fns: Record<string, () => void> = {};
for (const [name, opts] of cases) {
  sizes.push(`${name} ${encodeTask(message, opts).length} B`);
  fns[`${name} encode+decode`] = () => {
    sink += decodeTask(encodeTask(message, opts), accept).retries;
  };
}
const figures = await micro('task message encode+decode', fns);
if (sink !== 0) throw new Error('unreachable: keeps the result alive');
const rate = (name: string) => figures[`${name} encode+decode ops/s`]!.median;
printAndReport({
  scenario: 'codecs',
  figures,
  ratios: {
    'json / msgpack': rate('json') / rate('msgpack'),
    'msgpack+gzip / msgpack': rate('msgpack+gzip') / rate('msgpack'),
  },
  notes: [`one typical task message (a name, three args with a nested object, two kwargs); frame sizes: ${sizes.join(', ')}`],
});
