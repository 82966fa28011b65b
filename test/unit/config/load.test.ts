import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError } from '../../../src/errors.ts';
import { Config } from '../../../src/config/config.ts';
import { loadConfigModule } from '../../../src/config/load.ts';

async function tempDir(t: { after(fn: () => Promise<void>): void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'celeriac-config-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

describe('loadConfigModule', () => {
  test('an object is used as is, copied', async () => {
    const obj = { CELERY_TIMEZONE: 'Europe/Oslo', taskSerializer: 'json' } as const;
    const keys = await loadConfigModule(obj);
    assert.deepEqual(keys, obj);
    assert.notEqual(keys, obj);
    assert.equal(new Config(keys).timezone, 'Europe/Oslo');
  });

  test('a .js module: default export', async (t) => {
    const dir = await tempDir(t);
    await writeFile(join(dir, 'celeryconfig.mjs'), "export default { task_serializer: 'json', CELERY_ROUTES: { 'a.*': 'q' } };\n");
    const keys = await loadConfigModule(join(dir, 'celeryconfig.mjs'));
    const c = new Config(keys);
    assert.equal(c.taskSerializer, 'json');
    assert.deepEqual(c.taskRoutes, { 'a.*': { queue: 'q' } });
  });

  test('a .js module: named exports, path relative to cwd, extension optional', async (t) => {
    const dir = await tempDir(t);
    await mkdir(join(dir, 'proj'));
    await writeFile(join(dir, 'proj', 'package.json'), '{ "type": "module" }\n');
    await writeFile(join(dir, 'proj', 'celeryconfig.js'), "export const timezone = 'Europe/Oslo';\nexport const CELERYD_CONCURRENCY = 2;\n");
    const keys = await loadConfigModule('./proj/celeryconfig', { cwd: dir });
    assert.deepEqual(keys, { timezone: 'Europe/Oslo', CELERYD_CONCURRENCY: 2 });
    const c = new Config(keys);
    assert.equal(c.workerConcurrency, 2);
  });

  test('a path relative to process.cwd() by default, and file URLs', async (t) => {
    const dir = await tempDir(t);
    const file = join(dir, 'conf.mjs');
    await writeFile(file, 'export const workerPrefetchMultiplier = 1;\n');
    assert.deepEqual(await loadConfigModule(relative(process.cwd(), file)), { workerPrefetchMultiplier: 1 });
    assert.deepEqual(await loadConfigModule(pathToFileURL(file)), { workerPrefetchMultiplier: 1 });
    assert.deepEqual(await loadConfigModule(pathToFileURL(file).href), { workerPrefetchMultiplier: 1 });
  });

  test('a .ts module: default export', async (t) => {
    const dir = await tempDir(t);
    await writeFile(
      join(dir, 'celeryconfig.ts'),
      "const limit: number = 30;\nexport default { taskTimeLimit: limit, beat_schedule: { e: { task: 't', schedule: 5 } } };\n",
    );
    const c = new Config(await loadConfigModule(join(dir, 'celeryconfig.ts')));
    assert.equal(c.taskTimeLimit, 30);
    assert.deepEqual(c.beatSchedule, { e: { task: 't', schedule: 5 } });
  });

  test('a .ts module: named exports; a non-object default export is ignored', async (t) => {
    const dir = await tempDir(t);
    await writeFile(
      join(dir, 'named.ts'),
      "export const timezone: string = 'Asia/Tokyo';\nexport const CELERY_ACKS_LATE: boolean = true;\n",
    );
    await writeFile(join(dir, 'fn-default.ts'), "export const enableUtc = false;\nexport default function ignored(): void {}\n");
    const c = new Config(await loadConfigModule(join(dir, 'named')));
    assert.equal(c.timezone, 'Asia/Tokyo');
    assert.equal(c.taskAcksLate, true);
    assert.deepEqual(await loadConfigModule(join(dir, 'fn-default.ts')), { enableUtc: false });
  });

  test('unknown keys in a module surface when applied, with a suggestion', async (t) => {
    const dir = await tempDir(t);
    await writeFile(join(dir, 'typo.mjs'), "export const task_route = { a: 'q' };\n");
    const keys = await loadConfigModule(join(dir, 'typo.mjs'));
    assert.throws(
      () => new Config(keys),
      (err: unknown) => err instanceof ConfigError && (err as { suggestion?: string }).suggestion === 'taskRoutes',
    );
  });

  test('a missing file rejects with ConfigError naming the path', async (t) => {
    const dir = await tempDir(t);
    const missing = join(dir, 'nope.js');
    await assert.rejects(loadConfigModule(missing), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.code, 'CELERIAC_CONFIG');
      assert.equal((err as { path?: string }).path, missing);
      return true;
    });
  });

  test('a module that throws on import rejects with ConfigError', async (t) => {
    const dir = await tempDir(t);
    await writeFile(join(dir, 'broken.mjs'), "throw new Error('boom');\n");
    await assert.rejects(loadConfigModule(join(dir, 'broken.mjs')), ConfigError);
  });

  test('a source that is neither a path nor an object rejects (never throws synchronously)', async () => {
    const p = loadConfigModule(42 as never);
    await assert.rejects(p, ConfigError);
  });
});
