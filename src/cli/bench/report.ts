/**
 * The JSON report (`--json`): the run's parameters, the machine, the broker without
 * credentials, every cell and the recommendation. Pure apart from `machineInfo()`.
 */
import { arch, cpus, platform, totalmem } from 'node:os';
import type { BenchReport, CellResult, MachineInfo, Recommendation, RunParams } from './types.ts';

export function machineInfo(): MachineInfo {
  const list = cpus();
  return {
    cpus: list.length,
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    totalMemMb: Math.round(totalmem() / 2 ** 20),
    platform: platform(),
    arch: arch(),
    node: process.version,
  };
}

/** `nats://user:pass@a:4222,nats://tok@b:4222` → `nats://a:4222,nats://b:4222`. */
export function withoutCredentials(url: string): string {
  return url.replace(/(^|,)\s*(nats:\/\/)?[^@,/\s]*@/gi, (_m, sep: string, scheme: string | undefined) => `${sep}${scheme ?? ''}`);
}

export interface ReportInput extends RunParams {
  version: string;
  broker: string;
  prefix: string;
  queue: string;
  machine: MachineInfo;
  startedAt: Date;
  durationS: number;
  complete: boolean;
  cells: readonly CellResult[];
  recommendation: Recommendation | null;
}

/** NaN (no latency measured) becomes null, as JSON has no NaN. */
const finiteOrNull = (n: number): number | null => (Number.isFinite(n) ? n : null);

export function buildReport(i: ReportInput): BenchReport {
  return {
    version: 1,
    celeriac: i.version,
    task: i.task,
    args: i.args,
    kwargs: i.kwargs ?? null,
    count: i.count,
    warmup: i.warmup,
    inflight: i.inflight,
    broker: withoutCredentials(i.broker),
    namespace: { prefix: i.prefix, queue: i.queue },
    machine: i.machine,
    startedAt: i.startedAt.toISOString(),
    durationS: Math.round(i.durationS * 1000) / 1000,
    complete: i.complete,
    cells: i.cells.map((c) => ({
      ...c,
      throughput: Math.round(c.throughput * 10) / 10,
      p50Ms: finiteOrNull(c.p50Ms),
      p99Ms: finiteOrNull(c.p99Ms),
    })),
    recommendation: i.recommendation === null ? null : { ...i.recommendation, throughput: Math.round(i.recommendation.throughput * 10) / 10 },
  };
}
