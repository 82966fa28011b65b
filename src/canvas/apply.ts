/**
 * Publishes a signature's wire form. Plain task signatures are handled here; the canvas
 * primitives (group, chain, chord, chunks, map, starmap) register their own appliers by
 * `subtask_type`, so this file never imports them.
 */
import { ConfigError } from '../errors.ts';
import type { SignatureData } from '../protocol/task-message.ts';
import type { AppContext, SendOptions } from '../task/app-context.ts';
import { AsyncResult } from '../result/async-result.ts';

export type SignatureApplier = (
  app: AppContext,
  data: SignatureData,
  callArgs: unknown[],
  options: SendOptions,
) => Promise<unknown>;

const appliers = new Map<string, SignatureApplier>();

/** Lets a canvas primitive say how a signature of its `subtask_type` is published. */
export function registerApplier(subtaskType: string, applier: SignatureApplier): void {
  appliers.set(subtaskType, applier);
}

/**
 * Signature options may have crossed the wire as JSON: turn `eta`/`expires` strings back into
 * Dates so that validation sees what the user wrote.
 */
export function reviveOptions(options: Record<string, unknown>): SendOptions {
  const out: Record<string, unknown> = { ...options };
  if (typeof out.eta === 'string') out.eta = new Date(out.eta);
  if (typeof out.expires === 'string') out.expires = new Date(out.expires);
  return out as SendOptions;
}

/** Call-time args are prepended to the signature's own, unless it is immutable. */
export function mergeArgs(data: SignatureData, callArgs: unknown[]): unknown[] {
  return data.immutable ? [...data.args] : [...callArgs, ...data.args];
}

export function applySignature(
  app: AppContext,
  data: SignatureData,
  callArgs: unknown[],
  options: SendOptions,
): Promise<unknown> {
  const type = data.subtask_type ?? null;
  if (type !== null) {
    const applier = appliers.get(type);
    if (applier === undefined) {
      return Promise.reject(new ConfigError(`unknown signature type '${type}'`));
    }
    return applier(app, data, callArgs, options);
  }
  return applyTask(app, data, callArgs, options);
}

async function applyTask(app: AppContext, data: SignatureData, callArgs: unknown[], options: SendOptions): Promise<AsyncResult> {
  const merged = { ...reviveOptions(data.options), ...options };
  if (Object.keys(data.kwargs).length > 0) merged.kwargs = { ...data.kwargs, ...(merged.kwargs ?? {}) };
  const sent = await app.send(data.task, mergeArgs(data, callArgs), merged);
  return new AsyncResult(sent.id, app, { ignored: sent.ignored });
}
