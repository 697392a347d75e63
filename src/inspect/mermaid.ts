/**
 * The Mermaid format: a `flowchart` with one subgraph per actor group (titled with count, device and
 * host), driver stages outside, a nested subgraph per composite scope (`stream.apply`), data edges labelled with element types, dotted edges for driver→actor
 * calls and queue hand-offs, and classes colouring driver / cpu / gpu / fused nodes. Paste it into a
 * Markdown file (GitHub renders ```mermaid blocks) or the Mermaid live editor.
 */
import { actorsLines, groupTitle, nodesByPlacement, scopeTree, settingsLine, type GraphView, type ScopeTree, type ViewNode } from './model.js';
import { PALETTE } from './palette.js';

/** Mermaid label text: quotes and angle brackets as entities (labels are HTML), lines joined by <br/>. */
function label(lines: readonly string[]): string {
  const esc = (s: string) => s.replace(/&/g, '#amp;').replace(/"/g, '#quot;').replace(/</g, '#lt;').replace(/>/g, '#gt;');
  return `"${lines.map(esc).join('<br/>')}"`;
}

/** Mermaid-safe ids: IR ids are kept when they are plain identifiers (and not a keyword). */
function idMapper(): (kind: 'node' | 'group' | 'actors' | 'scope', id: string) => string {
  const ids = new Map<string, string>();
  return (kind, id) => {
    const key = `${kind}:${id}`;
    let out = ids.get(key);
    if (out === undefined) {
      const plain = /^[A-Za-z_][\w]*$/.test(id) && !/^(end|subgraph|graph|flowchart|class|classDef|style|click)$/i.test(id);
      const prefix = kind === 'node' ? '' : `${kind}_`;
      out = plain ? `${prefix}${id}` : `${prefix || 'node_'}${ids.size}`;
      ids.set(key, out);
    }
    return out;
  };
}

function nodeLines(node: ViewNode): string[] {
  // A fused node's name concatenates its members' names: list them one per line instead.
  const lines = node.members ? [`fused ×${node.members.length}`, node.kind, ...node.members.map((m, i) => `${i + 1}. ${m.name}`)] : [node.name, node.kind];
  const settings = settingsLine(node);
  if (settings) lines.push(settings);
  if (node.source) lines.push(`${node.source.file}:${node.source.line}`);
  return lines;
}

/** Renders a graph view as a Mermaid flowchart (one subgraph per actor group), for Markdown pages. */
export function renderMermaid(view: GraphView): string {
  const id = idMapper();
  const { groups, driver } = nodesByPlacement(view);
  const lines = ['flowchart TB'];
  const classes = { driver: [] as string[], cpu: [] as string[], gpu: [] as string[], fused: [] as string[], actors: [] as string[] };
  const declare = (node: ViewNode, indent: string) => {
    lines.push(`${indent}${id('node', node.id)}[${label(nodeLines(node))}]`);
    classes[node.placement.on === 'driver' ? 'driver' : node.placement.device].push(id('node', node.id));
    if (node.members) classes.fused.push(id('node', node.id));
  };
  const declareTree = (tree: ScopeTree, container: string, indent: string) => {
    for (const node of tree.nodes) declare(node, indent);
    for (const child of tree.children.values()) {
      const scopeId = id('scope', `${container}/${child.path.join('/')}`);
      lines.push(`${indent}subgraph ${scopeId}[${label([child.path.join('/')])}]`);
      declareTree(child, container, `${indent}  `);
      lines.push(`${indent}end`);
      scopes.push(scopeId);
    }
  };
  const scopes: string[] = [];
  for (const group of view.groups) {
    lines.push(`  subgraph ${id('group', group.name)}[${label([groupTitle(group)])}]`);
    lines.push(`    ${id('actors', group.name)}[[${label(actorsLines(group))}]]`);
    classes.actors.push(id('actors', group.name));
    declareTree(scopeTree(groups.get(group.name) ?? []), group.name, '    ');
    lines.push('  end');
  }
  declareTree(scopeTree(driver), 'driver', '  ');
  for (const e of view.edges) lines.push(`  ${id('node', e.from)} -->|${label([e.type])}| ${id('node', e.to)}`);
  for (const c of view.calls) lines.push(`  ${id('node', c.from)} -.->|${label([`${c.method}()`])}| ${id('actors', c.group)}`);
  for (const l of view.queueLinks) lines.push(`  ${id('node', l.from)} -.->|${label([`queue ${l.queue}`])}| ${id('node', l.to)}`);
  lines.push(
    `  classDef driver fill:${PALETTE.driver.fill},stroke:${PALETTE.driver.stroke}`,
    `  classDef cpu fill:${PALETTE.cpu.fill},stroke:${PALETTE.cpu.stroke}`,
    `  classDef gpu fill:${PALETTE.gpu.fill},stroke:${PALETTE.gpu.stroke}`,
    `  classDef actors fill:${PALETTE.actorClass.fill},stroke:#555`,
    // Declared last so a fused node's border wins over its placement colour's.
    `  classDef fused stroke:${PALETTE.fused.stroke},stroke-width:3px`,
  );
  for (const [name, members] of Object.entries(classes)) if (members.length) lines.push(`  class ${members.join(',')} ${name}`);
  for (const group of view.groups) {
    const colors = group.device === 'gpu' ? PALETTE.gpuGroup : PALETTE.cpuGroup;
    lines.push(`  style ${id('group', group.name)} fill:${colors.fill},stroke:${colors.stroke}`);
  }
  for (const scopeId of scopes) lines.push(`  style ${scopeId} fill:none,stroke:${PALETTE.scope},stroke-dasharray:5 3`);
  return lines.join('\n') + '\n';
}
