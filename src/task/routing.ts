/**
 * Where a task message goes. Resolved once, at publish: an explicit `queue` option wins, then
 * `taskRoutes` (exact names, globs like `'proj.*'`, router functions, or a list of those tried
 * in order), then the task's own `queue`, then `taskDefaultQueue`.
 */
import { globToRegExp, isGlob } from '../util/glob.ts';

export interface Route {
  queue?: string;
  priority?: number;
}

export type RouterFn = (name: string, args: unknown[], options: Record<string, unknown>) => Route | string | null | undefined;
export type RouteMap = Record<string, Route | string>;
export type TaskRoutes = RouteMap | RouterFn | (RouteMap | RouterFn)[] | null | undefined;

type CompiledRouter = (name: string, args: unknown[], options: Record<string, unknown>) => Route | undefined;

function normalise(r: Route | string | null | undefined): Route | undefined {
  if (r === null || r === undefined) return undefined;
  return typeof r === 'string' ? { queue: r } : r;
}

function compileMap(map: RouteMap): CompiledRouter {
  const exact = new Map<string, Route>();
  const globs: [RegExp, Route][] = [];
  for (const [pattern, route] of Object.entries(map)) {
    const r = normalise(route)!;
    if (isGlob(pattern)) globs.push([globToRegExp(pattern), r]);
    else exact.set(pattern, r);
  }
  return (name) => {
    const hit = exact.get(name);
    if (hit !== undefined) return hit;
    for (const [re, r] of globs) if (re.test(name)) return r;
    return undefined;
  };
}

/** The router of an app without `taskRoutes`: a publish may skip routing when it sees this one. */
export const NO_ROUTES: CompiledRouter = () => undefined;

/** Compiles `taskRoutes` once; the result answers a task name with a route or undefined. */
export function compileRoutes(routes: TaskRoutes): CompiledRouter {
  if (routes === null || routes === undefined) return NO_ROUTES;
  const list = Array.isArray(routes) ? routes : [routes];
  const routers: CompiledRouter[] = list.map((r) =>
    typeof r === 'function' ? (n, a, o) => normalise(r(n, a, o)) : compileMap(r),
  );
  return (name, args, options) => {
    for (const router of routers) {
      const r = router(name, args, options);
      if (r !== undefined) return r;
    }
    return undefined;
  };
}

export interface RouteInput {
  explicitQueue: string | undefined;
  router: CompiledRouter;
  taskQueue: string | undefined;
  defaultQueue: string;
  name: string;
  args: unknown[];
  options: Record<string, unknown>;
}

export function resolveRoute(input: RouteInput): Route & { queue: string } {
  if (input.explicitQueue !== undefined) return { queue: input.explicitQueue };
  const routed = input.router(input.name, input.args, input.options);
  if (routed?.queue !== undefined) return { ...routed, queue: routed.queue };
  return { ...routed, queue: input.taskQueue ?? input.defaultQueue };
}
