/**
 * Routing at publish (src/task/routing.ts): resolving a task's queue with no `taskRoutes` (the
 * baseline every publish pays), an exact-name map of 50 entries, 20 globs matched by the last
 * one, a router function, and a list of a map and a function; plus compiling a route table
 * (done once per configuration change). Run: npm run bench -- routing
 */
import { compileRoutes, NO_ROUTES, resolveRoute, type RouteMap, type TaskRoutes } from '../src/task/routing.ts';
import { micro } from './lib/micro.ts';
import { printAndReport } from './lib/stats.ts';

const args: unknown[] = [1, 2];
const options: Record<string, unknown> = {};
const exact: RouteMap = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`proj.tasks.t${i}`, { queue: `q${i % 5}` }]));
const globs: RouteMap = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`proj.mod${i}.*`, `g${i}`]));
const fn: TaskRoutes = (name) => (name.startsWith('proj.mod19.') ? { queue: 'fn', priority: 5 } : null);

const route = (router: ReturnType<typeof compileRoutes>, name: string) =>
  resolveRoute({ explicitQueue: undefined, router, taskQueue: undefined, defaultQueue: 'celery', name, args, options }).queue;

const compiled = {
  exact: compileRoutes(exact),
  globs: compileRoutes(globs),
  fn: compileRoutes(fn),
  list: compileRoutes([exact, fn]),
};
let sink = 0;
const figures = await micro('routing', {
  'no routes': () => (sink += route(NO_ROUTES, 'proj.mod19.send').length),
  'exact map of 50, hit': () => (sink += route(compiled.exact, 'proj.tasks.t42').length),
  '20 globs, last one hits': () => (sink += route(compiled.globs, 'proj.mod19.send').length),
  'router function': () => (sink += route(compiled.fn, 'proj.mod19.send').length),
  'list [map, function], function hits': () => (sink += route(compiled.list, 'proj.mod19.send').length),
  'compile map of 50 + 20 globs': () => (sink += compileRoutes([exact, globs]).length),
});
if (sink === 0) throw new Error('unreachable: keeps the results alive');
const rate = (name: string) => figures[`${name} ops/s`]!.median;
const base = rate('no routes');
printAndReport({
  scenario: 'routing',
  figures,
  ratios: Object.fromEntries(
    ['exact map of 50, hit', '20 globs, last one hits', 'router function', 'list [map, function], function hits'].map((n) => [`${n} / no routes`, rate(n) / base]),
  ),
  notes: ['each op resolves one task name to its queue (resolveRoute over a compiled table); "no routes" is the path of an app without taskRoutes'],
});
