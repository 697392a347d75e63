/** The HTML view's stylesheet (inlined: the page must work offline, from a file:// URL). */
export const HTML_STYLE = String.raw`
:root { --border: #d0d5dd; --muted: #5b6372; --bg: #fafbfc; --accent: #2f5ea8; }
* { box-sizing: border-box; }
html, body { margin: 0; height: 100%; font: 13px/1.4 system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #1d2330; background: #fff; }
body { display: grid; grid-template-rows: auto 1fr; }
header { display: flex; flex-wrap: wrap; align-items: center; gap: 10px 18px; padding: 8px 14px; border-bottom: 1px solid var(--border); background: var(--bg); }
header h1 { font-size: 15px; margin: 0; }
header .counts { color: var(--muted); }
.views button, .zoom button { font: inherit; padding: 3px 10px; border: 1px solid var(--border); background: #fff; cursor: pointer; }
.views button:first-child { border-radius: 4px 0 0 4px; }
.views button:last-child { border-radius: 0 4px 4px 0; margin-left: -1px; }
.views button[aria-pressed="true"] { background: var(--accent); border-color: var(--accent); color: #fff; }
.zoom button { border-radius: 4px; padding: 3px 8px; }
.legend { display: flex; flex-wrap: wrap; gap: 4px 12px; align-items: center; color: var(--muted); font-size: 12px; }
.legend .swatch { display: inline-block; width: 14px; height: 11px; border: 1.5px solid; border-radius: 3px; vertical-align: -1px; margin-right: 4px; }
.legend .line { display: inline-block; width: 20px; border-top: 2px dashed; vertical-align: 3px; margin-right: 4px; }
main { display: grid; grid-template-columns: minmax(0, 1fr) 380px; min-height: 0; }
#graph { overflow: auto; min-height: 0; background: #fff; }
#graph svg { display: block; }
aside { border-left: 1px solid var(--border); overflow: auto; min-height: 0; background: var(--bg); }
aside section { padding: 10px 14px; border-bottom: 1px solid var(--border); }
aside h2 { font-size: 14px; margin: 0 0 6px; word-break: break-word; }
aside h3 { font-size: 13px; margin: 10px 0 4px; }
#details .hint { color: var(--muted); }
#details dl { display: grid; grid-template-columns: 92px minmax(0, 1fr); gap: 3px 8px; margin: 0; }
#details dt { color: var(--muted); }
#details dd { margin: 0; word-break: break-word; }
#details pre, #report pre { margin: 0; padding: 6px; background: #fff; border: 1px solid var(--border); border-radius: 4px; overflow: auto; font-size: 11px; max-height: 260px; }
#details ol { margin: 0; padding-left: 18px; }
#details li { margin-bottom: 4px; }
.mono { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 12px; }
a.node-link { color: var(--accent); cursor: pointer; text-decoration: underline; }
#report .pass { margin-top: 10px; }
#report .stats { color: var(--muted); }
#report ul { margin: 4px 0; padding-left: 18px; }
#report .warning { color: #a4410e; }
#report .diff .add { color: #1a7f37; background: #e9f7ec; display: block; }
#report .diff .del { color: #b42318; background: #fdecea; display: block; }
#report .diff .ctx { color: #5b6372; display: block; }
svg text { font-family: system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; }
svg .node { cursor: pointer; }
svg .node:focus { outline: none; }
svg .node.selected > rect.box, svg .node:focus-visible > rect.box { stroke: #111 !important; stroke-width: 3px; }
svg .cluster-label { font-size: 12px; font-weight: 600; }
svg .edge-label { font-size: 10.5px; fill: #38404f; }
svg .edge-label-bg { fill: #fff; opacity: 0.85; }
svg .mono { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; }
`;
