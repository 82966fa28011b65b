/**
 * The one idempotent async `close()` every resource has (STYLE.md): the first call runs
 * `shutdown()` and every call returns that same promise; `[Symbol.asyncDispose]` calls it, so
 * `await using` works.
 */
export abstract class Closeable {
  #closing: Promise<void> | undefined;

  close(): Promise<void> {
    this.#closing ??= this.shutdown();
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** Runs once, on the first `close()`; must not throw synchronously (make it `async`). */
  protected abstract shutdown(): Promise<void>;
}

/**
 * Closes `parts` one after the other in the order given (pass them in reverse start order), each
 * in its own try/catch so that one failure never stops the rest; a null part is skipped.
 */
export async function closeInTurn(
  parts: readonly ({ close(): Promise<void> } | null | undefined)[],
  onError: (err: unknown) => void = () => {},
): Promise<void> {
  for (const part of parts) {
    try {
      await part?.close();
    } catch (err) {
      onError(err);
    }
  }
}
