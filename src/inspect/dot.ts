/**
 * The Graphviz (DOT) format: one `subgraph cluster_<group>` per actor group (labelled with its count,
 * device and host, holding the group's actors and the stages that run on them), driver stages outside
 * every group cluster, a nested `cluster_scope_<path>` box per composite scope (`stream.apply`), data edges labelled with the element type they carry, dashed edges for driver→actor
 * calls and queue hand-offs. Node labels: name, kind, file:line. Render with `dot -Tsvg`.
 */
import { actorsLines, groupTitle, nodesByPlacement, scopeTree, settingsLine, type GraphView, type ScopeTree, type ViewNode } from './model.js';
import { PALETTE } from './palette.js';

/** A DOT double-quoted string (label lines joined with `\n`, which DOT draws as line breaks). */
function q(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\r?\n/g, '\\n')}"`;
}

/** The node id of a group's actors in DOT and Mermaid (cannot collide with IR ids `n<k>`). */
export function groupActorsId(group: string): string {
  return `actors:${group}`;
}

function nodeLabel(node: ViewNode): string {
  // A fused node's name concatenates its members' names: list them one per line instead.
  const lines = node.members ? [`fused ×${node.members.length}`, node.kind, ...node.members.map((m, i) => `${i + 1}. ${m.name}`)] : [node.name, node.kind];
  const settings = settingsLine(node);
  if (settings) lines.push(settings);
  if (node.source) lines.push(`${node.source.file}:${node.source.line}`);
  return lines.join('\n');
}

function nodeStatement(node: ViewNode, indent: string): string {
  const colors = node.placement.on === 'driver' ? PALETTE.driver : PALETTE[node.placement.device];
  const fused = node.members ? `, penwidth=2.5, color=${q(PALETTE.fused.stroke)}, style="rounded,filled,bold"` : `, color=${q(colors.stroke)}`;
  return `${indent}${q(node.id)} [label=${q(nodeLabel(node))}, fillcolor=${q(colors.fill)}${fused}];`;
}

/** The statements of a scope tree: its own nodes, then one dashed cluster per sub-scope. */
function scopeStatements(tree: ScopeTree, container: string, indent: string): string[] {
  const lines = tree.nodes.map((node) => nodeStatement(node, indent));
  for (const child of tree.children.values()) {
    lines.push(
      `${indent}subgraph ${q(`cluster_scope_${container}_${child.path.join('/')}`)} {`,
      `${indent}  label=${q(child.path.join('/'))};`,
      `${indent}  style="rounded,dashed"; color=${q(PALETTE.scope)};`,
      ...scopeStatements(child, container, `${indent}  `),
      `${indent}}`,
    );
  }
  return lines;
}

/**
 * Renders a graph view as Graphviz DOT: one cluster per actor group, driver stages outside, typed data edges,
 * dashed call and queue edges. Render with `dot -Tsvg`.
 */
export function renderDot(view: GraphView): string {
  const { groups, driver } = nodesByPlacement(view);
  const lines = [
    `digraph ${q(view.name)} {`,
    '  rankdir=TB;',
    '  compound=true;',
    '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=10];',
    '  edge [fontname="Helvetica", fontsize=9];',
  ];
  for (const group of view.groups) {
    const colors = group.device === 'gpu' ? PALETTE.gpuGroup : PALETTE.cpuGroup;
    lines.push(
      `  subgraph ${q(`cluster_${group.name}`)} {`,
      `    label=${q(groupTitle(group))};`,
      `    style="rounded,filled"; fillcolor=${q(colors.fill)}; color=${q(colors.stroke)};`,
      `    ${q(groupActorsId(group.name))} [label=${q(actorsLines(group).join('\n'))}, shape=component, fillcolor=${q(PALETTE.actorClass.fill)}];`,
    );
    lines.push(...scopeStatements(scopeTree(groups.get(group.name) ?? []), group.name, '    '));
    lines.push('  }');
  }
  lines.push(...scopeStatements(scopeTree(driver), 'driver', '  '));
  for (const e of view.edges) lines.push(`  ${q(e.from)} -> ${q(e.to)} [label=${q(e.type)}];`);
  for (const c of view.calls) {
    lines.push(`  ${q(c.from)} -> ${q(groupActorsId(c.group))} [label=${q(`${c.method}()`)}, style=dashed, color=${q(PALETTE.call)}, fontcolor=${q(PALETTE.call)}];`);
  }
  for (const l of view.queueLinks) {
    lines.push(`  ${q(l.from)} -> ${q(l.to)} [label=${q(`queue ${l.queue}`)}, style=dashed, color=${q(PALETTE.queue)}, fontcolor=${q(PALETTE.queue)}, constraint=false];`);
  }
  lines.push('}');
  return lines.join('\n') + '\n';
}
