/**
 * Turning nats.js failures into celeriac's error classes, and reading JetStream API error codes
 * (`err_code` in the API's JSON), which is how idempotent creation and compare-and-set tell
 * "someone else got there first" from a real failure.
 */
import { CeleriacError, ClosedError, OperationalError } from '../../errors.ts';

/** JetStream `err_code`s this transport reacts to. */
export const JsErr = {
  StreamNameInUse: 10058,
  StreamNotFound: 10059,
  ConsumerNotFound: 10014,
  WrongLastSequence: 10071,
  WrongLastSequenceUnknown: 10164,
  NoMessageFound: 10037,
} as const;

/** A JetStream publish refused by the server (its `err_code` kept for callers that CAS). */
export class JetStreamPublishError extends OperationalError {
  constructor(
    message: string,
    readonly errCode: number | undefined,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** No stream captured the subject (503): not created yet, deleted, or interest not yet routed. */
export class NoStreamError extends OperationalError {}

/** The JetStream `err_code` of an error, when it carries one. */
export function jsErrCode(err: unknown): number | undefined {
  if (err instanceof JetStreamPublishError) return err.errCode;
  if (err !== null && typeof err === 'object' && 'code' in err && typeof err.code === 'number') {
    // @nats-io/jetstream's JetStreamApiError exposes the API err_code as `code`.
    return err.code;
  }
  const cause = err instanceof Error ? err.cause : undefined;
  return cause !== undefined && cause !== err ? jsErrCode(cause) : undefined;
}

export const isCasConflict = (err: unknown): boolean => {
  const c = jsErrCode(err);
  return c === JsErr.WrongLastSequence || c === JsErr.WrongLastSequenceUnknown;
};

const CLOSED_NAMES = new Set(['ClosedConnectionError', 'DrainingConnectionError']);

/** Wraps anything nats.js threw: celeriac errors pass through, a closed connection is ClosedError. */
export function wrapNatsError(err: unknown, what: string): CeleriacError {
  if (err instanceof CeleriacError) return err;
  const e = err instanceof Error ? err : new Error(String(err));
  if (CLOSED_NAMES.has(e.name)) return new ClosedError(`${what}: the NATS connection is closed`, { cause: e });
  return new OperationalError(`${what}: ${e.message}`, { cause: e });
}
