/** The SVG heatmap: well-formed, one cell per grid point, values, title, legend, the pick outlined. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildGrid } from '../../src/cli/bench/grid.ts';
import { colourAt, compactRate, escapeXml, renderHeatmap } from '../../src/cli/bench/heatmap.ts';
import type { CellResult, GridPoint } from '../../src/cli/bench/types.ts';
import { parseXml } from '../fixtures/bench-svg-check.ts';

const grid = buildGrid({ pools: ['threads', 'inline'], concurrency: [1, 2, 4], prefetch: [1, 4, 16, 64] });
const results = (points: readonly GridPoint[]): CellResult[] =>
  points.map((p, i) => ({ ...p, throughput: 1000 + i * 997, p50Ms: 1, p99Ms: 2, cpuPct: 100, peakRssMb: 90, errors: i === 3 ? 2 : 0, wallS: 1 }));

describe('bench heatmap', () => {
  test('well-formed SVG with one cell per grid point, in panels per pool', () => {
    const cells = results(grid);
    const svg = renderHeatmap({ title: 'celeriac bench: proj.add <&>', subtitle: '200 tasks per cell', grid, cells, pick: grid[5]! });
    const els = parseXml(svg);
    assert.equal(els[0]!.name, 'svg');
    assert.equal(els[0]!.attrs.xmlns, 'http://www.w3.org/2000/svg');
    assert.match(els[0]!.attrs.viewBox!, /^0 0 \d+ \d+$/);
    const rects = els.filter((e) => e.name === 'rect' && e.attrs.class === 'cell');
    assert.equal(rects.length, grid.length);
    const seen = new Set(rects.map((r) => `${r.attrs['data-pool']}/${r.attrs['data-concurrency']}/${r.attrs['data-prefetch']}`));
    assert.equal(seen.size, grid.length);
    for (const p of grid) assert.ok(seen.has(`${p.pool}/${p.concurrency}/${p.prefetch}`), JSON.stringify(p));
    assert.deepEqual(
      els.filter((e) => e.name === 'g' && e.attrs.class === 'panel').map((e) => e.attrs['data-pool']),
      ['threads', 'inline'],
    );
    assert.equal(els.filter((e) => e.attrs.class === 'pick').length, 1);
    assert.equal(els.filter((e) => e.name === 'g' && e.attrs.class === 'legend').length, 1);
    assert.match(svg, /<title>celeriac bench: proj\.add &lt;&amp;&gt;<\/title>/);
    // The value is written in each cell, and the failures where there were some.
    for (const c of cells) assert.ok(svg.includes(`>${compactRate(c.throughput)}</text>`), compactRate(c.throughput));
    assert.match(svg, />2 err<\/text>/);
  });

  test('colours run from pale (lowest) to dark (highest) on one scale for every panel', () => {
    const cells = results(grid);
    const els = parseXml(renderHeatmap({ title: 't', subtitle: 's', grid, cells, pick: null }));
    const fills = new Map(els.filter((e) => e.attrs.class === 'cell').map((e) => [Number(e.attrs['data-throughput']), e.attrs.fill!]));
    const lo = Math.min(...cells.map((c) => Math.round(c.throughput)));
    const hi = Math.max(...cells.map((c) => Math.round(c.throughput)));
    assert.equal(fills.get(lo), colourAt(0).fill);
    assert.equal(fills.get(hi), colourAt(1).fill);
    assert.equal(els.filter((e) => e.attrs.class === 'pick').length, 0);
  });

  test('grid points an interrupted run never reached are drawn empty', () => {
    const cells = results(grid.slice(0, 5));
    const els = parseXml(renderHeatmap({ title: 't', subtitle: 's', grid, cells, pick: null }));
    const rects = els.filter((e) => e.attrs.class === 'cell');
    assert.equal(rects.length, grid.length);
    assert.equal(rects.filter((r) => r.attrs['data-throughput'] === undefined).length, grid.length - 5);
  });

  test('no cells at all still gives a well-formed chart', () => {
    const one = buildGrid({ pools: ['inline'], concurrency: [1], prefetch: [1] });
    const els = parseXml(renderHeatmap({ title: 't', subtitle: 's', grid: one, cells: [], pick: null }));
    assert.equal(els.filter((e) => e.attrs.class === 'cell').length, 1);
  });

  test('helpers', () => {
    assert.equal(escapeXml(`a<b>&"c'`), 'a&lt;b&gt;&amp;&quot;c&#39;');
    assert.equal(compactRate(950), '950');
    assert.equal(compactRate(9999), '9999');
    assert.equal(compactRate(18_400), '18.4k');
    assert.equal(compactRate(250_000), '250k');
    assert.equal(compactRate(1_200_000), '1.2M');
    assert.equal(colourAt(0).light, false);
    assert.equal(colourAt(1).light, true);
    assert.match(colourAt(0.5).fill, /^#[0-9a-f]{6}$/);
  });

  test('the checker itself refuses broken XML', () => {
    for (const bad of ['<svg><g></svg>', '<svg a="1" a="2"/>', '<svg>a < b</svg>', '<svg>&nope;</svg>', '<svg/><svg/>', '<svg x=1/>']) {
      assert.throws(() => parseXml(bad), Error, bad);
    }
  });
});
