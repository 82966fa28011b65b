/**
 * `-A path[:export]`: finds the app module, imports it, and picks the app: the named export,
 * else `app`, else the default export, else `celery`, else the only app among the exports.
 *
 * The check is structural, not `instanceof`. The app module imports `celeriac` through its own
 * resolution (a project's node_modules, the `celeriac-source` condition in this repo), while
 * this file was loaded from wherever the binary lives (a global install, `npx`, dist/ or src/).
 * Two copies of the package give two `Celeriac` classes, and `instanceof` would reject an app
 * the CLI can drive perfectly well through its public methods, which are all it uses.
 */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Celeriac } from '../app/celeriac.ts';
import { UsageError } from './args.ts';

export interface AppSpec {
  path: string;
  exportName: string | undefined;
}

export interface LoadedApp {
  app: Celeriac;
  moduleUrl: string;
}

const IDENT = /^[A-Za-z_$][\w$]*$/;

/** `./proj.ts:myApp` → path and export; a Windows drive letter (`C:\…`) is not an export. */
export function parseAppSpec(spec: string): AppSpec {
  const at = spec.lastIndexOf(':');
  if (at > 1 && IDENT.test(spec.slice(at + 1))) return { path: spec.slice(0, at), exportName: spec.slice(at + 1) };
  return { path: spec, exportName: undefined };
}

const EXTENSIONS = ['.ts', '.mts', '.js', '.mjs', '/index.ts', '/index.js'];
const isFile = (p: string): boolean => existsSync(p) && statSync(p).isFile();

/** The file `-A` names, trying the usual extensions when it names none (`-A proj`). */
export function resolveAppPath(path: string, cwd: string = process.cwd()): string {
  const base = resolve(cwd, path);
  if (isFile(base)) return base;
  for (const ext of EXTENSIONS) if (isFile(base + ext)) return base + ext;
  throw new UsageError(`-A/--app: cannot find the app module ${JSON.stringify(path)} (from ${cwd})`);
}

/** True for an object the CLI can use as an app (see the file comment for why not instanceof). */
export function isApp(v: unknown): v is Celeriac {
  if (v instanceof Celeriac) return true;
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  const conf = o.conf as Record<string, unknown> | undefined;
  const control = o.control as Record<string, unknown> | undefined;
  return (
    ['worker', 'sendTask', 'asyncResult', 'transport', 'close', 'lookup'].every((m) => typeof o[m] === 'function') &&
    typeof conf?.update === 'function' &&
    typeof control?.broadcast === 'function' &&
    typeof control.purge === 'function'
  );
}

export async function loadApp(spec: AppSpec, cwd: string = process.cwd()): Promise<LoadedApp> {
  const file = resolveAppPath(spec.path, cwd);
  const moduleUrl = pathToFileURL(file).href;
  let mod: Record<string, unknown>;
  try {
    mod = (await import(moduleUrl)) as Record<string, unknown>;
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_UNKNOWN_FILE_EXTENSION') {
      throw new UsageError(
        `-A/--app: ${spec.path} is TypeScript and this process cannot import it: run the \`celeriac\` binary (it restarts itself through tsx when tsx is installed: npm i -D tsx), or node --import tsx`,
      );
    }
    const why = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    throw Object.assign(new UsageError(`-A/--app: importing ${spec.path} failed: ${why}`), { cause: err });
  }
  return { app: pickApp(mod, spec), moduleUrl };
}

function pickApp(mod: Record<string, unknown>, spec: AppSpec): Celeriac {
  if (spec.exportName !== undefined) {
    const v = mod[spec.exportName];
    if (v === undefined) throw new UsageError(`-A/--app: ${spec.path} has no export named ${spec.exportName}`);
    if (!isApp(v)) throw new UsageError(`-A/--app: the export ${spec.exportName} of ${spec.path} is not a Celeriac app`);
    return v;
  }
  for (const name of ['app', 'default', 'celery']) {
    if (isApp(mod[name])) return mod[name];
  }
  const apps = [...new Set(Object.values(mod).filter(isApp))];
  if (apps.length === 1) return apps[0]!;
  const why = apps.length === 0 ? 'exports no Celeriac app' : `exports ${apps.length} apps`;
  throw new UsageError(`-A/--app: ${spec.path} ${why}: export it as \`app\` (or default), or name it with -A ${spec.path}:<export>`);
}
