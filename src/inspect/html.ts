/**
 * The HTML format: one self-contained page (no network: the dagre layout library, the stylesheet, the
 * script and the data are all inlined) that draws the plan as an SVG graph with actor groups as
 * clusters, lets the user click a node for its details, switch between the plan as compiled and as
 * optimized, and read the optimizer report (per pass: stats, notes, IR diff).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { HTML_CLIENT } from './html-client.js';
import { HTML_STYLE } from './html-style.js';
import { graphView, type GraphView, type InspectInput, type InspectReport, type ViewOptions } from './model.js';
import { PALETTE } from './palette.js';

/** What the page embeds as JSON (`<script type="application/json" id="inspect-data">`). */
export interface HtmlData {
  readonly name: string;
  readonly views: { readonly original: GraphView; readonly optimized: GraphView };
  /** The report without the per-pass IR dumps (the page has both graphs; the diffs stay). */
  readonly report: InspectReport;
  readonly palette: typeof PALETTE;
  readonly initial: 'original' | 'optimized';
}

/** Options of `renderHtml` and `htmlData`. */
export interface HtmlOptions extends ViewOptions {
  /** The view shown first (default `optimized`). */
  readonly initial?: 'original' | 'optimized';
}

let dagreSource: string | undefined;

/**
 * dagre's browser bundle (an IIFE defining the global `dagre`) with its license header, read from the
 * installed package so the page needs no network. The source-map comment is dropped: the map is not
 * inlined, and a dangling reference would make devtools try to fetch it.
 */
function dagreBundle(): string {
  if (dagreSource === undefined) {
    const require = createRequire(import.meta.url);
    let dist: string;
    try {
      dist = path.join(path.dirname(require.resolve('@dagrejs/dagre/package.json')), 'dist');
    } catch (e) {
      throw new Error(`rlflow inspect: the HTML view needs the @dagrejs/dagre package, which cannot be found (${(e as Error).message}); reinstall rlflow's dependencies (npm ci)`);
    }
    const legal = readFileSync(path.join(dist, 'dagre.min.js.LEGAL.txt'), 'utf8');
    const code = readFileSync(path.join(dist, 'dagre.min.js'), 'utf8').replace(/^\/\/# sourceMappingURL=.*$/m, '');
    dagreSource = `${legal}\n${code}`;
  }
  return dagreSource;
}

/** JSON safe inside a <script> element: `<` escaped so no `</script>` or `<!--` in the data can end it. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** The report as the page needs it: every field except the per-pass `before`/`after` dumps. */
function pageReport(report: InspectReport): InspectReport {
  return {
    pipeline: report.pipeline,
    ms: report.ms,
    properties: report.properties,
    warnings: report.warnings.map((w) => ({ message: w.message })),
    passes: report.passes.map((p) => ({
      pass: p.pass,
      description: p.description,
      runs: p.runs,
      ms: p.ms,
      stats: p.stats,
      notes: p.notes,
      warnings: p.warnings.map((w) => ({ message: w.message })),
      verified: p.verified,
      ...(p.diff !== undefined ? { diff: p.diff } : {}),
    })),
  };
}

/** The data the HTML page embeds: graph views of the original and optimized plans, the report and the palette. */
export function htmlData(input: InspectInput, options: HtmlOptions = {}): HtmlData {
  const view = { root: options.root };
  return {
    name: input.original.getAttribute('name'),
    views: { original: graphView(input.original, view), optimized: graphView(input.optimized, view) },
    report: pageReport(input.report),
    palette: PALETTE,
    initial: options.initial ?? 'optimized',
  };
}

/** The self-contained HTML page. */
export function renderHtml(input: InspectInput, options: HtmlOptions = {}): string {
  const data = htmlData(input, options);
  const title = `rlflow inspect — ${data.name}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${HTML_STYLE}</style>
</head>
<body data-view="${data.initial}">
<header>
  <h1>${escapeHtml(data.name)}</h1>
  <span class="counts" id="counts"></span>
  <span class="views" role="group" aria-label="graph">
    <button type="button" id="view-original" aria-pressed="false">original</button><button type="button" id="view-optimized" aria-pressed="false">optimized</button>
  </span>
  <span class="zoom"><button type="button" id="zoom-out" title="zoom out">−</button> <button type="button" id="zoom-in" title="zoom in">+</button> <button type="button" id="zoom-fit" title="fit to window">fit</button></span>
  <span class="legend" id="legend"></span>
</header>
<main>
  <div id="graph"></div>
  <aside>
    <section id="details" aria-live="polite"></section>
    <section id="report"></section>
  </aside>
</main>
<script type="application/json" id="inspect-data">${scriptJson(data)}</script>
<script>${dagreBundle()}</script>
<script>${HTML_CLIENT}</script>
</body>
</html>
`;
}
