/**
 * The actors' bounded Mailbox (src/actors/mailbox.ts) against a plain array used as a queue:
 * offer then poll one message, a burst of 1,000 offers then 1,000 polls (the ring buffer grows
 * once, then wraps), and an async hand-over (take() parked first, then offer) as an actor loop
 * waits. Run: npm run bench -- mailbox
 */
import { Mailbox } from '../src/actors/mailbox.ts';
import { micro } from './lib/micro.ts';
import { printAndReport } from './lib/stats.ts';

const BURST = 1000;
const msg = { kind: 'deliver', seq: 0 };
let sink = 0;

const one = new Mailbox<typeof msg>(1024);
const burst = new Mailbox<typeof msg>(BURST);
const parked = new Mailbox<typeof msg>(1024);
const array: (typeof msg)[] = [];

const figures = await micro('mailbox', {
  'mailbox offer+poll': () => {
    one.offer(msg);
    sink += one.poll()!.seq;
  },
  'array push+shift': () => {
    array.push(msg);
    sink += array.shift()!.seq;
  },
  [`mailbox ${BURST} offers then ${BURST} polls`]: () => {
    for (let i = 0; i < BURST; i++) burst.offer(msg);
    for (let i = 0; i < BURST; i++) sink += burst.poll()!.seq;
  },
  [`array ${BURST} pushes then ${BURST} shifts`]: () => {
    for (let i = 0; i < BURST; i++) array.push(msg);
    for (let i = 0; i < BURST; i++) sink += array.shift()!.seq;
  },
  'mailbox take (parked) then offer': async () => {
    const p = parked.take();
    parked.offer(msg);
    sink += (await p).seq;
  },
});
if (sink !== 0) throw new Error('unreachable: keeps the results alive');
const rate = (name: string) => figures[`${name} ops/s`]!.median;
printAndReport({
  scenario: 'mailbox',
  figures,
  ratios: {
    'offer+poll: mailbox / array': rate('mailbox offer+poll') / rate('array push+shift'),
    [`burst of ${BURST}: mailbox / array`]: rate(`mailbox ${BURST} offers then ${BURST} polls`) / rate(`array ${BURST} pushes then ${BURST} shifts`),
  },
  notes: ['one message object, reused; capacities 1,024 and 1,000; the array is the unbounded baseline'],
});
