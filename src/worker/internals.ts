/** What remote control sees of a running worker (WorkerInternals), built from its parts. */
import { TaskRevokedError } from '../errors.ts';
import type { Transport } from '../transport/types.ts';
import type { WorkerInternals } from './control-handler.ts';
import type { WorkerSupervisor } from './supervisor.ts';
import type { WorkerHost } from './host.ts';
import { prefetchWindow } from './options.ts';

export function buildInternals(sup: WorkerSupervisor, app: WorkerHost, transport: Transport, shutdown: () => void): WorkerInternals {
  const host = sup.d.options.hostname;
  const handed = () => [...sup.executor.active.values()];
  return {
    hostname: host,
    registered: () =>
      // Celery's `registered` leaves out its builtins (`celery.map`, ...) by default.
      app.tasks.filter((name) => !name.startsWith('celery.')).map((name) => ({ name, rateLimit: sup.dispatcher.rateLimits.get(name) ?? app.lookup(name)?.options.rateLimit ?? null })),
    // The pool runs tasks in hand-over order: the first `activeCount` handed are the running ones.
    active: () => handed().slice(0, sup.pool.activeCount).map((r) => r.summary(host)),
    reserved: () => handed().slice(sup.pool.activeCount).map((r) => ({ ...r.summary(host), timeStart: null })),
    scheduled: () =>
      sup.timer.scheduled().map(({ req, dueAt }) => ({
        eta: new Date(dueAt).toISOString(),
        priority: req.delivery.priority,
        request: req.summary(host),
      })),
    revokedIds: () => sup.revoked.list(),
    stats: () => {
      const p = sup.pool.stats();
      let inFlight = 0;
      for (const c of sup.consumers.values()) inFlight += c.inFlight;
      return {
        pool: { ...p, implementation: p.implementation, size: p.size, min: p.min, max: p.max },
        total: { ...sup.executor.total },
        prefetchCount: prefetchWindow(sup.d.options) * sup.consumers.size + sup.timer.size,
        inFlight,
        uptime: Math.round((sup.d.clock.now() - sup.startedAt) / 1000),
        broker: { url: transport.url, transport: transport.url.split(':')[0] ?? '' },
        pid: process.pid,
        hostname: host,
      };
    },
    conf: () => app.conf.toJSON(),
    queues: () => [...sup.queues],
    revoke: (ids, terminate) => {
      const set = new Set(ids);
      for (const id of ids) sup.revoked.add(id);
      // Held ones end now; queued-in-pool ones never start; running ones stop when terminating.
      for (const req of sup.timer.cancel((r) => set.has(r.id))) {
        void sup.executor.settleWithout(req, 'REVOKED', new TaskRevokedError('revoked'));
      }
      for (const id of ids) sup.pool.revoke(id, { terminate });
    },
    setRateLimit: (task, rate) => sup.dispatcher.resetRate(task, rate),
    setTimeLimit: (task, soft, hard) => sup.timeLimits.set(task, { soft, hard }),
    poolGrow: (n) => sup.pool.grow(n),
    poolShrink: (n) => sup.pool.shrink(n),
    autoscale: (max, min) => sup.pool.autoscale(max, min),
    addConsumer: (q) => sup.addConsumer(q),
    cancelConsumer: (q) => sup.cancelConsumer(q),
    get eventsEnabled() {
      return sup.events.enabled;
    },
    set eventsEnabled(v: boolean) {
      sup.events.enabled = v;
    },
    heartbeat: () => sup.heartbeat?.beat(),
    shutdown,
    problems: () => sup.problems(),
  };
}
