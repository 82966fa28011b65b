/**
 * `app.configFromObject(source)`: a config object, or a module to import (Celery's
 * `celeryconfig.py`). A path is resolved against `process.cwd()` (or `cwd`) and imported, so
 * `.js`/`.mjs` work everywhere and `.ts` works under tsx. The module's default export, if it
 * is an object, holds the keys; otherwise its named exports do. Keys are checked later, by
 * `Config.update()`, under any alias.
 */
import { stat } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { configError } from './validate.ts';

export interface LoadConfigOptions {
  /** Directory a relative path is resolved against. @default process.cwd() */
  cwd?: string;
}

/** Tried in order when the path names no existing file (`'./celeryconfig'`). */
const EXTENSIONS = ['', '.js', '.mjs', '.ts', '.mts', '.cjs', '.cts'];

// Names a module namespace may carry that are interop plumbing, not config keys.
const INTEROP_NAMES = new Set(['default', '__esModule', 'module.exports']);

/**
 * Returns a plain object of config keys for `Config.update()`. Rejects with ConfigError (with
 * `key: 'config'`, `path`) when the module does not exist or fails to import, and when the
 * source is neither a path nor an object.
 */
export async function loadConfigModule(
  source: string | URL | object,
  options: LoadConfigOptions = {},
): Promise<Record<string, unknown>> {
  if (typeof source === 'string' || source instanceof URL) {
    const path = await findFile(toPath(source, options.cwd ?? process.cwd()));
    let ns: Record<string, unknown>;
    try {
      ns = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
    } catch (err) {
      throw Object.assign(configError(`cannot load config module ${path}: ${String((err as Error).message ?? err)}`, {
        key: 'config',
        value: path,
        rule: 'an importable module',
      }), { path, cause: err });
    }
    return fromNamespace(ns);
  }
  if (typeof source === 'object' && source !== null && !Array.isArray(source)) {
    return fromNamespace(source as Record<string, unknown>);
  }
  throw configError(`config source must be a module path or an object, got ${typeof source}`, {
    key: 'config',
    value: source,
    rule: 'a module path or an object',
  });
}

function toPath(source: string | URL, cwd: string): string {
  if (source instanceof URL) return fileURLToPath(source);
  if (source.startsWith('file:')) return fileURLToPath(source);
  return isAbsolute(source) ? source : resolve(cwd, source);
}

async function findFile(path: string): Promise<string> {
  for (const ext of EXTENSIONS) {
    try {
      if ((await stat(path + ext)).isFile()) return path + ext;
    } catch {
      // Not there: try the next extension.
    }
  }
  throw Object.assign(
    configError(`config module not found: ${path}`, { key: 'config', value: path, rule: 'an existing module file' }),
    { path },
  );
}

/**
 * The keys of a module namespace (or any object): its default export if that is a plain
 * object, else its own enumerable names minus interop plumbing. Always a fresh plain object.
 */
function fromNamespace(ns: Record<string, unknown>): Record<string, unknown> {
  const def = ns['default'];
  const isModule = Object.prototype.toString.call(ns) === '[object Module]' || 'default' in ns;
  if (isModule && typeof def === 'object' && def !== null && !Array.isArray(def)) {
    return { ...(def as Record<string, unknown>) };
  }
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(ns)) {
    if (!INTEROP_NAMES.has(name)) out[name] = value;
  }
  return out;
}
