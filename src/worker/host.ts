import type { Clock } from '../actors/clock.ts';
import type { Logger } from '../log/logger.ts';
import type { AppContext } from '../task/app-context.ts';

/** What a worker reads from its app beyond AppContext. */
export interface WorkerHost extends AppContext {
  readonly conf: { toJSON(): Record<string, unknown> };
  /** Names of the registered tasks. */
  readonly tasks: string[];
  readonly logger: Logger;
  readonly clock: Clock;
}
