/**
 * The grid as a heatmap, hand-written SVG (no dependency): one panel per pool, concurrency in
 * rows, prefetch multiplier in columns, each cell coloured by throughput on one scale shared by
 * every panel (so panels compare), with its value written in it, the recommended cell outlined,
 * a title and a legend. Every grid point gets one `<rect class="cell">`, also the ones an
 * interrupted run never reached (grey). Hovering a cell shows its figures. Pure: data in, text out.
 */
import { fmtMs, fmtRate } from './recommend.ts';
import type { CellResult, GridPoint, PoolKind } from './types.ts';

export interface HeatmapInput {
  title: string;
  subtitle: string;
  grid: readonly GridPoint[];
  cells: readonly CellResult[];
  pick: GridPoint | null;
}

const CELL_W = 76;
const CELL_H = 44;
const ROW_HEAD = 56;
const COL_HEAD = 40;
const PANEL_GAP = 36;
const MARGIN = 24;
const TOP = 78;
const LEGEND_H = 64;
const EMPTY = '#e5e7eb';
const FONT = 'font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif"';

/** Light to dark (YlGnBu): low throughput pale, high throughput deep blue. */
const STOPS: readonly (readonly [number, number, number])[] = [
  [255, 255, 204],
  [161, 218, 180],
  [65, 182, 196],
  [44, 127, 184],
  [37, 52, 148],
];

export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** The colour of `t` in [0, 1] along STOPS, as `#rrggbb`, and whether text on it should be light. */
export function colourAt(t: number): { fill: string; light: boolean } {
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (STOPS.length - 1);
  const i = Math.min(STOPS.length - 2, Math.floor(x));
  const f = x - i;
  const [a, b] = [STOPS[i]!, STOPS[i + 1]!];
  const rgb = a.map((v, k) => Math.round(v + (b[k]! - v) * f));
  const hex = `#${rgb.map((v) => v.toString(16).padStart(2, '0')).join('')}`;
  // Relative luminance, roughly: dark fills get white text.
  const lum = (0.2126 * rgb[0]! + 0.7152 * rgb[1]! + 0.0722 * rgb[2]!) / 255;
  return { fill: hex, light: lum < 0.5 };
}

/** `950`, `18.4k`, `1.2M`: a throughput that fits in a cell. */
export function compactRate(n: number): string {
  if (!Number.isFinite(n)) return '-';
  if (n >= 1e6) return `${(n / 1e6).toFixed(n >= 1e7 ? 0 : 1)}M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(n >= 1e5 ? 0 : 1)}k`;
  return String(Math.round(n));
}

const uniqueSorted = (xs: number[]): number[] => [...new Set(xs)].sort((a, b) => a - b);
const key = (p: GridPoint): string => `${p.pool}/${p.concurrency}/${p.prefetch}`;

export function renderHeatmap(input: HeatmapInput): string {
  const pools: PoolKind[] = [...new Set(input.grid.map((p) => p.pool))];
  const conc = uniqueSorted(input.grid.map((p) => p.concurrency));
  const pref = uniqueSorted(input.grid.map((p) => p.prefetch));
  const inGrid = new Set(input.grid.map(key));
  const byKey = new Map(input.cells.map((c) => [key(c), c]));
  const rates = input.cells.map((c) => c.throughput).filter((r) => Number.isFinite(r));
  const lo = rates.length === 0 ? 0 : Math.min(...rates);
  const hi = rates.length === 0 ? 1 : Math.max(...rates);
  const scale = (v: number): number => (hi === lo ? 1 : (v - lo) / (hi - lo));

  const panelW = ROW_HEAD + pref.length * CELL_W;
  const panelH = COL_HEAD + conc.length * CELL_H;
  // The subtitle is the widest text: about 6.5 px a character at 12 px.
  const width = Math.ceil(Math.max(2 * MARGIN + pools.length * panelW + (pools.length - 1) * PANEL_GAP, 480, 2 * MARGIN + input.subtitle.length * 6.5));
  const height = TOP + panelH + 24 + LEGEND_H;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ${FONT} font-size="12">`,
    `<title>${escapeXml(input.title)}</title>`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${MARGIN}" y="28" font-size="16" font-weight="600" fill="#111827">${escapeXml(input.title)}</text>`,
    `<text x="${MARGIN}" y="48" fill="#4b5563">${escapeXml(input.subtitle)}</text>`,
  ];

  pools.forEach((pool, pi) => {
    const x0 = MARGIN + pi * (panelW + PANEL_GAP);
    const y0 = TOP;
    out.push(`<g class="panel" data-pool="${pool}">`);
    out.push(`<text x="${x0 + ROW_HEAD}" y="${y0 - 8}" font-weight="600" fill="#111827">pool: ${pool}</text>`);
    out.push(`<text x="${x0 + ROW_HEAD + (pref.length * CELL_W) / 2}" y="${y0 + 12}" text-anchor="middle" fill="#6b7280">prefetch multiplier</text>`);
    pref.forEach((p, ci) => {
      out.push(`<text x="${x0 + ROW_HEAD + ci * CELL_W + CELL_W / 2}" y="${y0 + COL_HEAD - 8}" text-anchor="middle" fill="#374151">${p}</text>`);
    });
    out.push(
      `<text x="${x0 + 12}" y="${y0 + COL_HEAD + (conc.length * CELL_H) / 2}" text-anchor="middle" fill="#6b7280" ` +
        `transform="rotate(-90 ${x0 + 12} ${y0 + COL_HEAD + (conc.length * CELL_H) / 2})">concurrency</text>`,
    );
    conc.forEach((c, ri) => {
      const y = y0 + COL_HEAD + ri * CELL_H;
      out.push(`<text x="${x0 + ROW_HEAD - 10}" y="${y + CELL_H / 2 + 4}" text-anchor="end" fill="#374151">${c}</text>`);
      pref.forEach((p, ci) => {
        const point: GridPoint = { pool, concurrency: c, prefetch: p };
        if (!inGrid.has(key(point))) return;
        out.push(...cellSvg(point, byKey.get(key(point)), x0 + ROW_HEAD + ci * CELL_W, y, scale, input.pick));
      });
    });
    out.push('</g>');
  });

  out.push(...legend(MARGIN + ROW_HEAD, TOP + panelH + 24, lo, hi, rates.length > 0));
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

function cellSvg(p: GridPoint, c: CellResult | undefined, x: number, y: number, scale: (v: number) => number, pick: GridPoint | null): string[] {
  const attrs = `class="cell" data-pool="${p.pool}" data-concurrency="${p.concurrency}" data-prefetch="${p.prefetch}"`;
  const cx = x + CELL_W / 2;
  if (c === undefined) {
    return [
      `<rect ${attrs} x="${x}" y="${y}" width="${CELL_W}" height="${CELL_H}" fill="${EMPTY}" stroke="#ffffff"><title>${p.pool} c=${p.concurrency} ×${p.prefetch}: not run</title></rect>`,
      `<text x="${cx}" y="${y + CELL_H / 2 + 4}" text-anchor="middle" fill="#6b7280">–</text>`,
    ];
  }
  const { fill, light } = colourAt(scale(c.throughput));
  const ink = light ? '#ffffff' : '#111827';
  const tip = `${p.pool} c=${p.concurrency} ×${p.prefetch}: ${fmtRate(c.throughput)} tasks/s, p50 ${fmtMs(c.p50Ms)} ms, p99 ${fmtMs(c.p99Ms)} ms, cpu ${c.cpuPct}%, peak RSS ${c.peakRssMb} MB, ${c.errors} errors`;
  const picked = pick !== null && pick.pool === p.pool && pick.concurrency === p.concurrency && pick.prefetch === p.prefetch;
  const lines = [
    `<rect ${attrs} data-throughput="${Math.round(c.throughput)}" x="${x}" y="${y}" width="${CELL_W}" height="${CELL_H}" fill="${fill}" stroke="#ffffff"><title>${escapeXml(tip)}</title></rect>`,
    `<text x="${cx}" y="${y + (c.errors > 0 ? 20 : 27)}" text-anchor="middle" font-weight="600" fill="${ink}">${compactRate(c.throughput)}</text>`,
  ];
  if (c.errors > 0) lines.push(`<text x="${cx}" y="${y + 36}" text-anchor="middle" font-size="10" fill="${light ? '#fecaca' : '#b91c1c'}">${c.errors} err</text>`);
  if (picked) {
    lines.push(`<rect class="pick" x="${x + 1.5}" y="${y + 1.5}" width="${CELL_W - 3}" height="${CELL_H - 3}" fill="none" stroke="#dc2626" stroke-width="3"/>`);
  }
  return lines;
}

function legend(x: number, y: number, lo: number, hi: number, any: boolean): string[] {
  const w = 240;
  const h = 12;
  const stops = STOPS.map((s, i) => `<stop offset="${(i / (STOPS.length - 1)).toFixed(2)}" stop-color="rgb(${s.join(',')})"/>`);
  return [
    '<g class="legend">',
    `<defs><linearGradient id="bench-scale" x1="0" x2="1" y1="0" y2="0">${stops.join('')}</linearGradient></defs>`,
    `<text x="${x}" y="${y}" fill="#374151">throughput (tasks/s)</text>`,
    `<rect x="${x}" y="${y + 8}" width="${w}" height="${h}" fill="url(#bench-scale)" stroke="#9ca3af" stroke-width="0.5"/>`,
    `<text x="${x}" y="${y + 8 + h + 14}" fill="#374151">${any ? fmtRate(lo) : '-'}</text>`,
    `<text x="${x + w}" y="${y + 8 + h + 14}" text-anchor="end" fill="#374151">${any ? fmtRate(hi) : '-'}</text>`,
    `<rect x="${x + w + 24}" y="${y + 8}" width="14" height="${h}" fill="none" stroke="#dc2626" stroke-width="3"/>`,
    `<text x="${x + w + 44}" y="${y + 8 + h - 1}" fill="#374151">recommended</text>`,
    '</g>',
  ];
}
