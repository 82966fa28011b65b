/**
 * `signature(name, args, options)`: a signature by task name, for a task this process need not
 * define (Celery's `signature('tasks.multiply', args=(4, 4), countdown=10)`). Unbound: it
 * publishes through the current app. Given a signature or its JSON, it rebuilds that.
 */
import type { SignatureData } from '../protocol/task-message.ts';
import { ConfigError } from '../errors.ts';
import { Signature, type SignatureOptions } from './signature.ts';
import { isSignatureData, taskData } from './shape.ts';

export function signature<A extends unknown[] = unknown[], R = unknown>(
  task: string | SignatureData | Signature,
  args: unknown[] = [],
  options: SignatureOptions = {},
): Signature<A, R> {
  if (task instanceof Signature) return Signature.fromJSON<A, R>(task.toJSON(), task.boundApp).set(options);
  if (isSignatureData(task)) return Signature.fromJSON<A, R>(task).set(options);
  if (typeof task !== 'string' || task.length === 0) {
    throw Object.assign(new ConfigError('signature() needs a task name'), { key: 'task', value: task });
  }
  if (!Array.isArray(args)) throw Object.assign(new ConfigError('`args` must be an array'), { key: 'args', value: args });
  return new Signature<A, R>(taskData(task, [...args], { ...options }));
}
