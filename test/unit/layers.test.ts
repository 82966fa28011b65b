/**
 * The import graph of src/ (DESIGN.md §2): a lower layer never imports a higher one, there
 * are no cycles between folders' files, `@nats-io/*` lives only under transport/nats/,
 * `piscina` only under worker/pool/, and the thread entry imports only what a thread may.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const src = fileURLToPath(new URL('../../src/', import.meta.url));

const LAYERS: [RegExp, number][] = [
  [/^util\//, 0],
  [/^errors\.ts$/, 0],
  [/^(config|serialization|protocol|log)\//, 1],
  [/^actors\//, 2],
  [/^transport\//, 3],
  [/^(task|result|canvas)\//, 4],
  [/^(worker|beat|control|events)\//, 5],
  [/^app\//, 6],
  [/^index\.ts$/, 6],
  [/^(cli|monitor|bench)\//, 7],
];

function layerOf(file: string): number {
  for (const [re, n] of LAYERS) if (re.test(file)) return n;
  throw new Error(`${file} is in no layer: add its folder to DESIGN.md §2 and this test`);
}

function files(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...files(p));
    else if (name.endsWith('.ts')) out.push(p);
  }
  return out;
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(IMPORT)) out.push((m[1] ?? m[2])!);
  return out;
}

const all = files(src).map((f) => relative(src, f));
const graph = new Map<string, string[]>();
for (const f of all) {
  graph.set(
    f,
    imports(join(src, f))
      .filter((s) => s.startsWith('.'))
      .map((s) => relative(src, resolve(dirname(join(src, f)), s))),
  );
}

test('no file imports a higher layer', () => {
  const bad: string[] = [];
  for (const [f, deps] of graph) {
    for (const d of deps) if (layerOf(d) > layerOf(f)) bad.push(`${f} (layer ${layerOf(f)}) -> ${d} (layer ${layerOf(d)})`);
  }
  assert.deepEqual(bad, []);
});

test('no import cycles', () => {
  const state = new Map<string, 'visiting' | 'done'>();
  const cycles: string[] = [];
  const visit = (f: string, path: string[]) => {
    if (state.get(f) === 'done') return;
    if (state.get(f) === 'visiting') {
      cycles.push([...path.slice(path.indexOf(f)), f].join(' -> '));
      return;
    }
    state.set(f, 'visiting');
    for (const d of graph.get(f) ?? []) visit(d, [...path, f]);
    state.set(f, 'done');
  };
  for (const f of graph.keys()) visit(f, []);
  assert.deepEqual(cycles, []);
});

test('@nats-io only under transport/nats, piscina only under worker/pool', () => {
  const bad: string[] = [];
  for (const f of all) {
    for (const s of imports(join(src, f))) {
      if (s.startsWith('@nats-io/') && !f.startsWith('transport/nats/')) bad.push(`${f} imports ${s}`);
      if (s === 'piscina' && !f.startsWith('worker/pool/')) bad.push(`${f} imports ${s}`);
    }
  }
  assert.deepEqual(bad, []);
});

test('the thread entry reaches no connection', () => {
  const allowed = /^(util\/|serialization\/|protocol\/|task\/(context|trace|registry|options|signature-like)\.ts|errors\.ts|worker\/pool\/(thread-|batch-buffer|app-module))/;
  const seen = new Set<string>();
  const walk = (f: string) => {
    if (seen.has(f)) return;
    seen.add(f);
    for (const d of graph.get(f) ?? []) walk(d);
  };
  walk('worker/pool/thread-main.ts');
  const bad = [...seen].filter((f) => !allowed.test(f));
  assert.deepEqual(bad, []);
});
