/**
 * A small, dependency-free SVG line chart: panels with nice axis ticks, grid lines, axis labels, lines
 * with gaps where values are missing (NaN: an iteration before any episode finished), and shaded bands.
 * Enough for learning curves; not a plotting library.
 */

export interface Point {
  readonly x: number;
  readonly y: number;
}

export interface Line {
  readonly label: string;
  readonly color: string;
  readonly points: readonly Point[];
}

/** A shaded area between `lower` and `upper` (same x values). */
export interface Band {
  readonly label: string;
  readonly color: string;
  readonly lower: readonly Point[];
  readonly upper: readonly Point[];
}

export interface Panel {
  /** Used for the group's id (`panel-<id>`). */
  readonly id: string;
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly lines: readonly Line[];
  readonly bands?: readonly Band[];
  /** Horizontal reference lines (e.g. a learning target), dashed, part of the y range. */
  readonly hlines?: readonly { readonly label: string; readonly color: string; readonly y: number }[];
  /** Start the y axis at 0 when all values are positive (rates). */
  readonly yFromZero?: boolean;
  /** Shown instead of the chart when there is nothing finite to draw. */
  readonly emptyMessage: string;
}

interface Box {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

const MARGIN = { left: 72, right: 24, top: 34, bottom: 46 };
const GRID = '#e3e3e3';
const AXIS = '#888';
const TEXT = '#222';

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** Round-number ticks (1, 2 or 5 × 10^k apart) covering [lo, hi], about `count` of them. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) {
    const pad = Math.abs(lo) * 0.1 || 1;
    lo -= pad;
    hi += pad;
  }
  const rough = (hi - lo) / count;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const norm = rough / magnitude;
  const step = (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * magnitude;
  const first = Math.floor(lo / step);
  const last = Math.ceil(hi / step);
  const ticks: number[] = [];
  for (let k = first; k <= last; k++) ticks.push(Number((k * step).toPrecision(12)));
  return ticks;
}

/** Tick labels: 40k, 1.5M, 0.25, -3. */
export function formatTick(v: number): string {
  return formatTicks([v])[0]!;
}

/**
 * Labels of one axis's ticks, all in the same unit (chosen by the largest tick: 0, 5k, 10k, 15k; not
 * 5000, 10k), so an axis reads consistently.
 */
export function formatTicks(ticks: readonly number[]): string[] {
  const top = Math.max(0, ...ticks.map((t) => Math.abs(t)));
  const trim = (x: number): string => String(Number(x.toPrecision(6)));
  const [scale, suffix] = top >= 1e9 ? [1e9, 'G'] : top >= 1e6 ? [1e6, 'M'] : top >= 1e4 ? [1e3, 'k'] : [1, ''];
  return ticks.map((t) => (t === 0 ? '0' : `${trim(t / scale)}${suffix}`));
}

const finite = (p: Point): boolean => Number.isFinite(p.x) && Number.isFinite(p.y);
const fixed = (v: number): string => v.toFixed(1);

/** An SVG path through the finite points; a missing value breaks the line (a new `M`). */
function pathData(points: readonly Point[], sx: (x: number) => number, sy: (y: number) => number): { d: string; count: number } {
  let d = '';
  let pen = false;
  let count = 0;
  for (const p of points) {
    if (!finite(p)) {
      pen = false;
      continue;
    }
    d += `${pen ? 'L' : 'M'}${fixed(sx(p.x))},${fixed(sy(p.y))}`;
    pen = true;
    count++;
  }
  return { d, count };
}

/** Polygons of a band, one per run of points where both bounds are known. */
function bandPolygons(band: Band, sx: (x: number) => number, sy: (y: number) => number): string[] {
  const polygons: string[] = [];
  let run: Array<[Point, Point]> = [];
  const flush = (): void => {
    if (run.length > 1) {
      const upper = run.map(([, u]) => `${fixed(sx(u.x))},${fixed(sy(u.y))}`);
      const lower = run.map(([l]) => `${fixed(sx(l.x))},${fixed(sy(l.y))}`).reverse();
      polygons.push([...upper, ...lower].join(' '));
    }
    run = [];
  };
  band.lower.forEach((l, i) => {
    const u = band.upper[i];
    if (u && finite(l) && finite(u)) run.push([l, u]);
    else flush();
  });
  flush();
  return polygons;
}

function renderPanel(panel: Panel, box: Box): string {
  const plot = { x: box.x + MARGIN.left, y: box.y + MARGIN.top, width: box.width - MARGIN.left - MARGIN.right, height: box.height - MARGIN.top - MARGIN.bottom };
  const out: string[] = [`<g class="panel" id="panel-${escapeXml(panel.id)}">`];
  out.push(`<text class="panel-title" x="${plot.x}" y="${box.y + 20}" font-size="14" font-weight="bold" fill="${TEXT}">${escapeXml(panel.title)}</text>`);
  const data = [...panel.lines.flatMap((l) => l.points), ...(panel.bands ?? []).flatMap((b) => [...b.lower, ...b.upper])].filter(finite);
  const all = data.length ? [...data, ...(panel.hlines ?? []).map((h) => ({ x: data[0]!.x, y: h.y }))].filter(finite) : data;
  out.push(`<rect x="${plot.x}" y="${plot.y}" width="${plot.width}" height="${plot.height}" fill="none" stroke="${AXIS}"/>`);
  if (all.length === 0) {
    out.push(`<text class="empty" x="${plot.x + plot.width / 2}" y="${plot.y + plot.height / 2}" text-anchor="middle" fill="${AXIS}">${escapeXml(panel.emptyMessage)}</text>`, '</g>');
    return out.join('\n');
  }
  const xs = all.map((p) => p.x);
  const ys = all.map((p) => p.y);
  let yLo = Math.min(...ys);
  if (panel.yFromZero && yLo > 0) yLo = 0;
  const xTicks = niceTicks(Math.min(...xs), Math.max(...xs));
  const yTicks = niceTicks(yLo, Math.max(...ys));
  const [x0, x1] = [xTicks[0]!, xTicks[xTicks.length - 1]!];
  const [y0, y1] = [yTicks[0]!, yTicks[yTicks.length - 1]!];
  const sx = (x: number): number => plot.x + ((x - x0) / (x1 - x0)) * plot.width;
  const sy = (y: number): number => plot.y + plot.height - ((y - y0) / (y1 - y0)) * plot.height;

  out.push('<g class="x-ticks">');
  const xLabels = formatTicks(xTicks);
  xTicks.forEach((t, i) => {
    const x = fixed(sx(t));
    out.push(`<line x1="${x}" y1="${plot.y}" x2="${x}" y2="${plot.y + plot.height}" stroke="${GRID}"/>`);
    out.push(`<text x="${x}" y="${plot.y + plot.height + 16}" text-anchor="middle" fill="${TEXT}">${xLabels[i]}</text>`);
  });
  out.push('</g>', '<g class="y-ticks">');
  const yLabels = formatTicks(yTicks);
  yTicks.forEach((t, i) => {
    const y = fixed(sy(t));
    out.push(`<line x1="${plot.x}" y1="${y}" x2="${plot.x + plot.width}" y2="${y}" stroke="${GRID}"/>`);
    out.push(`<text x="${plot.x - 6}" y="${y}" dy="4" text-anchor="end" fill="${TEXT}">${yLabels[i]}</text>`);
  });
  out.push('</g>');
  for (const h of panel.hlines ?? []) {
    const y = fixed(sy(h.y));
    out.push(`<line class="hline" data-label="${escapeXml(h.label)}" x1="${plot.x}" y1="${y}" x2="${plot.x + plot.width}" y2="${y}" stroke="${h.color}" stroke-width="1.5" stroke-dasharray="6 4"/>`);
  }
  out.push(`<text class="x-label" x="${plot.x + plot.width / 2}" y="${box.y + box.height - 8}" text-anchor="middle" fill="${TEXT}">${escapeXml(panel.xLabel)}</text>`);
  const yMid = plot.y + plot.height / 2;
  out.push(`<text class="y-label" x="${box.x + 16}" y="${yMid}" text-anchor="middle" transform="rotate(-90 ${box.x + 16} ${yMid})" fill="${TEXT}">${escapeXml(panel.yLabel)}</text>`);

  for (const band of panel.bands ?? []) {
    for (const points of bandPolygons(band, sx, sy)) out.push(`<polygon class="band" points="${points}" fill="${band.color}" fill-opacity="0.2" stroke="none"/>`);
  }
  for (const line of panel.lines) {
    const { d, count } = pathData(line.points, sx, sy);
    if (count === 0) continue;
    out.push(`<path class="line" data-label="${escapeXml(line.label)}" data-points="${count}" d="${d}" fill="none" stroke="${line.color}" stroke-width="1.8" stroke-linejoin="round"/>`);
    // A lone point draws no line: mark it.
    if (count === 1) {
      const p = line.points.find(finite)!;
      out.push(`<circle cx="${fixed(sx(p.x))}" cy="${fixed(sy(p.y))}" r="3" fill="${line.color}"/>`);
    }
  }
  // Legend: right-aligned on the panel title's line, above the plot (never over a curve).
  const entries = [
    ...panel.lines.map((l) => ({ label: l.label, color: l.color, band: false })),
    ...(panel.bands ?? []).map((b) => ({ label: b.label, color: b.color, band: true })),
    ...(panel.hlines ?? []).map((h) => ({ label: h.label, color: h.color, band: false })),
  ];
  let right = plot.x + plot.width;
  const y = box.y + 20;
  for (const e of [...entries].reverse()) {
    const x = right - 24 - e.label.length * 6.5;
    out.push(
      e.band
        ? `<rect x="${fixed(x)}" y="${y - 9}" width="18" height="10" fill="${e.color}" fill-opacity="0.2"/>`
        : `<line x1="${fixed(x)}" y1="${y - 4}" x2="${fixed(x + 18)}" y2="${y - 4}" stroke="${e.color}" stroke-width="2"/>`,
      `<text x="${fixed(x + 22)}" y="${y}" fill="${TEXT}">${escapeXml(e.label)}</text>`,
    );
    right = x - 14;
  }
  out.push('</g>');
  return out.join('\n');
}

/** A chart of panels stacked vertically, with a title and a subtitle. */
export function renderChart(options: { readonly title: string; readonly subtitle: string; readonly panels: readonly Panel[]; readonly width?: number; readonly panelHeight?: number }): string {
  const width = options.width ?? 820;
  const panelHeight = options.panelHeight ?? 330;
  const header = 56;
  const height = header + panelHeight * options.panels.length;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    `<title>${escapeXml(options.title)}</title>`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text class="title" x="${width / 2}" y="24" text-anchor="middle" font-size="17" font-weight="bold" fill="${TEXT}">${escapeXml(options.title)}</text>`,
    `<text class="subtitle" x="${width / 2}" y="44" text-anchor="middle" fill="${AXIS}">${escapeXml(options.subtitle)}</text>`,
    ...options.panels.map((p, i) => renderPanel(p, { x: 0, y: header + i * panelHeight, width, height: panelHeight })),
    '</svg>',
    '',
  ];
  return parts.join('\n');
}
