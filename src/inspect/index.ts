/**
 * `src/inspect/`: renderers of plan graphs for people and tools — text (the stable dump), JSON, Graphviz
 * DOT, Mermaid and a self-contained HTML page. Renderers take graphs and plain report data and never
 * run a plan (layer rule: inspect depends on the IR only).
 */
import { renderDot } from './dot.js';
import { renderHtml, type HtmlOptions } from './html.js';
import { renderJson } from './json.js';
import { renderMermaid } from './mermaid.js';
import { graphView, type InspectInput } from './model.js';
import { renderText } from './text.js';

export * from './model.js';
export { renderText } from './text.js';
export { renderJson, inspectJson, type InspectJson } from './json.js';
export { renderDot, groupActorsId } from './dot.js';
export { renderMermaid } from './mermaid.js';
export { renderHtml, htmlData, type HtmlData, type HtmlOptions } from './html.js';
export { PALETTE } from './palette.js';

/** The formats `renderInspect` (and `rlflow inspect --format`) can produce. */
export const INSPECT_FORMATS = ['text', 'json', 'dot', 'mermaid', 'html'] as const;
/** One of `INSPECT_FORMATS`. */
export type InspectFormat = (typeof INSPECT_FORMATS)[number];

/**
 * Renders a plan in one format. Graph formats (text, dot, mermaid) draw the optimized graph; json and
 * html carry both graphs and the report.
 */
export function renderInspect(format: InspectFormat, input: InspectInput, options: HtmlOptions = {}): string {
  switch (format) {
    case 'text':
      return renderText(input, options);
    case 'json':
      return renderJson(input);
    case 'dot':
      return renderDot(graphView(input.optimized, options));
    case 'mermaid':
      return renderMermaid(graphView(input.optimized, options));
    case 'html':
      return renderHtml(input, options);
  }
}
