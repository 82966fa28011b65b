/** celeriac: the public API (see API.md). Every export is named here. */
export { Celeriac, type CeleriacOptions } from './app/celeriac.ts';
export { Task } from './task/task.ts';
export type { TaskOptions, ApplyOptions, RateLimit, ErrorClass } from './task/options.ts';
export { TaskContext } from './task/context.ts';
export { AsyncResult, type GetOptions, type ResultInfo, type ResultMessage } from './result/async-result.ts';
export { EagerResult } from './result/eager-result.ts';
export { GroupResult, type ResultLike } from './result/group-result.ts';
export {
  Signature,
  type SignatureOptions,
  type AnySignature,
  type ArgsOf,
  type ResultOf,
  type HandleOf,
  type StepAfter,
} from './canvas/signature.ts';
export { signature } from './canvas/by-name.ts';
export { group, Group } from './canvas/group.ts';
export { chain, Chain } from './canvas/chain.ts';
export { chord, Chord } from './canvas/chord.ts';
export { Worker, type WorkerOptions, type WorkerState } from './worker/worker.ts';
export { ControlClient, Inspect, type ControlOptions, type TaskSummary, type WorkerStats } from './control/client.ts';
export { States, READY_STATES, type TaskState, type ResultMeta } from './protocol/result-meta.ts';
export type { CeleriacEvent, TaskEvent, WorkerEvent, EventType } from './protocol/events.ts';
export type { SignatureData } from './protocol/task-message.ts';
export { SimulatedClock, SystemClock, type Clock } from './actors/clock.ts';
export {
  CeleriacError,
  TimeoutError,
  OperationalError,
  NotRegistered,
  TaskRevokedError,
  TimeLimitExceeded,
  SoftTimeLimitExceeded,
  WorkerLostError,
  ContentDisallowed,
  ConfigError,
  Retry,
  MaxRetriesExceededError,
  ChordError,
  MessageDecodeError,
  PoisonMessageError,
  WorkerUnhealthyError,
  ClosedError,
  OverflowError,
  RemoteError,
} from './errors.ts';
