/**
 * The user's app module, as pools load it: a file URL (import() of a bare absolute path is not
 * portable) imported once per thread, or once on the host for the inline pool.
 */
import { createRequire } from 'node:module';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** A `file:` (or other) URL is kept; a path is resolved against the current directory. */
export function toModuleUrl(spec: string): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(spec) && !/^[a-z]:[\\/]/i.test(spec)) return spec;
  return pathToFileURL(isAbsolute(spec) ? spec : resolve(spec)).href;
}

/** Imports `url` once per thread (or host); a failure is kept, so every task sees the same one. */
export function appModuleLoader(url: string): () => Promise<void> {
  let loading: Promise<void> | undefined;
  return () => (loading ??= importApp(url));
}

async function importApp(url: string): Promise<void> {
  try {
    await import(url);
  } catch (err) {
    if ((err as { code?: unknown }).code !== 'ERR_UNKNOWN_FILE_EXTENSION' || !url.startsWith('file:')) throw err;
    // Under Node 20, `--import tsx` installs its ESM hooks in the main thread only (tsx does so
    // in workers from Node 22.22), but its require hook works in every thread: a `.ts` app
    // module is loaded through it there (so it cannot use top-level await).
    createRequire(url)(fileURLToPath(url));
  }
}
