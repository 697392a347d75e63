/**
 * The inspect renderers on a plan with two actor groups, a fused chain and a driver→actor call: every
 * node appears in every format, each group is its own cluster/subgraph (with count, device and host),
 * driver nodes stay outside clusters, edges carry their element types, and the JSON and HTML carry
 * both graphs and the report.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { actors, compile, fromActors } from '../../src/dsl/index.js';
import { dumpGraph, getKind, graphFromJson, K, type PlanGraph } from '../../src/ir/index.js';
import { graphView, htmlData, renderDot, renderHtml, renderInspect, renderJson, renderMermaid, renderText, type GraphView, type InspectInput, type InspectJson } from '../../src/inspect/index.js';
import { optimize } from '../../src/optimizer/index.js';
import { Counter, double, isEven } from '../fixtures/counters.js';

/** counters: fromActors → forEach → filter (fused by `fuse`); echoes: a second group called by the driver. */
async function samplePlan(name = 'sample'): Promise<InspectInput> {
  const counters = actors(Counter, { count: 2, args: [0, 4], name: 'counters' });
  const echoes = actors(Counter, { count: 1, args: [0, 0], name: 'echoes' });
  const gathered = fromActors(counters).forEach(double).filter(isEven).gatherSync().callActors(echoes, 'record');
  const plan = await compile(gathered, { name });
  const { graph, report } = await optimize(plan, { passes: 'cleanup,fuse', explain: true, verify: true });
  return { original: plan.graph, optimized: graph, report };
}

const nodeIds = (graph: PlanGraph): string[] => graph.nodes();

/** DOT: the statements inside each `subgraph "cluster_<g>" { … }` block, by group. */
function dotClusters(dot: string): Map<string, string[]> {
  const clusters = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const line of dot.split('\n')) {
    const open = /^ {2}subgraph "cluster_(.+)" \{$/.exec(line);
    if (open) clusters.set(open[1]!, (current = []));
    else if (line === '  }') current = undefined;
    else current?.push(line);
  }
  return clusters;
}

describe('inspect renderers', () => {
  test('the view model: topological nodes with kind summaries, typed edges, groups, calls, fused members with sources', async () => {
    const input = await samplePlan();
    const view = graphView(input.optimized);
    assert.deepEqual(view.nodes.map((n) => n.id).sort(), nodeIds(input.optimized).sort());
    for (const n of view.nodes) assert.equal(n.summary, getKind(n.kind).summary);
    const fused = view.nodes.find((n) => n.kind === K.fused.kind)!;
    assert.deepEqual(fused.members!.map((m) => m.kind), [K.fromActors.kind, K.forEach.kind, K.filter.kind]);
    assert.ok(fused.members!.every((m) => m.source && m.source.file === 'test/inspect/renderers.test.ts'), 'member sources are relative to the cwd');
    assert.equal(fused.params['stages'], undefined, 'members are moved out of params');
    assert.deepEqual(view.groups.map((g) => [g.name, g.count, g.device, g.host]), [['counters', 2, 'cpu', 'local'], ['echoes', 1, 'cpu', 'local']]);
    assert.deepEqual(view.calls.map((c) => [c.group, c.method]), [['echoes', 'record']]);
    assert.equal(view.edges.find((e) => e.from === fused.id)!.type, 'number');
  });

  test('composite scopes: a dashed DOT cluster and a Mermaid subgraph per scope, nested inside the group or driver box', async () => {
    const counters = actors(Counter, { count: 2, args: [0, 4], name: 'counters' });
    const out = fromActors(counters)
      .apply('sample', (p) => p.forEach(double).gatherSync())
      .apply('post', (s) => s.apply('inner', (t) => t.filter(isEven)));
    const plan = await compile(out, { name: 'scoped' });
    const view = graphView(plan.graph);
    assert.deepEqual(view.nodes.map((n) => n.scope ?? []), [[], ['sample'], ['sample'], ['post', 'inner']]);
    const dot = renderDot(view);
    assert.match(dot, /subgraph "cluster_scope_counters_sample" \{\n\s+label="sample";[^}]*"n1" \[/);
    assert.match(dot, /subgraph "cluster_scope_driver_sample" \{\n\s+label="sample";[^}]*"n2" \[/);
    assert.match(dot, /subgraph "cluster_scope_driver_post" \{\n\s+label="post";[^]*subgraph "cluster_scope_driver_post\/inner" \{\n\s+label="post\/inner";\n[^}]*"n3" \[/);
    const mermaid = renderMermaid(view);
    assert.match(mermaid, /subgraph \w+\["sample"\]\n\s+n1\[/);
    assert.match(mermaid, /subgraph \w+\["post"\]\n\s+subgraph \w+\["post\/inner"\]\n\s+n3\[/);
  });

  test('text is the stable dump of the optimized graph', async () => {
    const input = await samplePlan();
    assert.equal(renderText(input), dumpGraph(input.optimized));
    assert.equal(renderInspect('text', input), dumpGraph(input.optimized));
  });

  test('dot: a cluster per group labelled count · device · host, driver nodes outside, typed edges, call edges dashed', async () => {
    const input = await samplePlan();
    const dot = renderDot(graphView(input.optimized));
    assert.match(dot, /^digraph "sample" \{/);
    const clusters = dotClusters(dot);
    assert.deepEqual([...clusters.keys()], ['counters', 'echoes']);
    assert.ok(clusters.get('counters')!.some((l) => l.includes('label="counters ×2 · cpu · local"')));
    assert.ok(clusters.get('echoes')!.some((l) => l.includes('label="echoes ×1 · cpu · local"')));
    const inCluster = (id: string) => [...clusters.values()].some((ls) => ls.some((l) => l.trimStart().startsWith(`"${id}" [`)));
    input.optimized.forEachNode((id, attrs) => {
      assert.match(dot, new RegExp(`^ +"${id}" \\[label=`, 'm'), `node ${id} is drawn`);
      assert.equal(inCluster(id), attrs.placement.on === 'actors', `${id} is inside a cluster iff it runs on actors`);
    });
    const fused = input.optimized.filterNodes((_id, a) => a.kind === K.fused.kind)[0]!;
    assert.match(dot, new RegExp(`"${fused}" \\[label="fused ×3\\\\nrlflow/fused@1\\\\n1\\. counters/fromActors\\\\n2\\. counters/forEach\\(double\\)\\\\n3\\. counters/filter\\(isEven\\)\\\\ntest/inspect/renderers\\.test\\.ts:\\d+"`));
    input.optimized.forEachEdge((_e, _a, from, to) => {
      assert.ok(dot.includes(`"${from}" -> "${to}" [label="${input.optimized.getNodeAttribute(from, 'output')}"]`), `edge ${from} -> ${to}`);
    });
    assert.match(dot, /"n\d+" -> "actors:echoes" \[label="record\(\)", style=dashed/);
    assert.equal((dot.match(/\{/g) ?? []).length, (dot.match(/\}/g) ?? []).length, 'balanced braces');
  });

  test('mermaid: a subgraph per group, every node declared, typed edges, classes', async () => {
    const input = await samplePlan();
    const mermaid = renderMermaid(graphView(input.optimized));
    const lines = mermaid.split('\n');
    assert.equal(lines[0], 'flowchart TB');
    assert.deepEqual(lines.filter((l) => /^ {2}subgraph /.test(l)), ['  subgraph group_counters["counters ×2 · cpu · local"]', '  subgraph group_echoes["echoes ×1 · cpu · local"]']);
    assert.equal(lines.filter((l) => l === '  end').length, 2);
    input.optimized.forEachNode((id) => assert.ok(lines.some((l) => l.trimStart().startsWith(`${id}["`)), `node ${id}`));
    input.optimized.forEachEdge((_e, _a, from, to) => {
      assert.ok(lines.includes(`  ${from} -->|"${input.optimized.getNodeAttribute(from, 'output')}"| ${to}`), `edge ${from} -> ${to}`);
    });
    assert.ok(lines.some((l) => /^ {2}n\d+ -\.->\|"record\(\)"\| actors_echoes$/.test(l)));
    assert.ok(lines.some((l) => /^ {2}class n\d+ fused$/.test(l)));
    assert.ok(lines.includes('  class actors_counters,actors_echoes actors'));
  });

  test('mermaid and dot escape labels', async () => {
    const input = await samplePlan('say "hi" <b>');
    assert.match(renderDot(graphView(input.optimized)), /^digraph "say \\"hi\\" <b>" \{/);
    // Renderers take plain view data, so odd names need no plan that produces them.
    const view: GraphView = {
      name: 'odd',
      nodes: [{ id: 'end', kind: 'x/y@1', summary: '', name: 'say "hi" <b>', output: 'Array<number>', inputTypes: [], params: {}, placement: { on: 'driver' } }],
      edges: [],
      groups: [],
      calls: [],
      queueLinks: [],
      outputs: ['end'],
    };
    const mermaid = renderMermaid(view);
    assert.match(mermaid, /^ {2}node_0\["say #quot;hi#quot; #lt;b#gt;<br\/>x\/y@1"\]$/m, 'a keyword id is renamed, quotes and brackets escaped');
    assert.match(renderDot(view), /^ {2}"end" \[label="say \\"hi\\" <b>\\nx\/y@1"/m);
  });

  test('json: both graphs in IR JSON (round-trippable) and the report', async () => {
    const input = await samplePlan();
    const json = JSON.parse(renderJson(input)) as InspectJson;
    assert.equal(json.name, 'sample');
    assert.equal(dumpGraph(graphFromJson(json.original)), dumpGraph(input.original));
    assert.equal(dumpGraph(graphFromJson(json.optimized)), dumpGraph(input.optimized));
    assert.deepEqual(json.report.pipeline, ['cleanup', 'fuse']);
    assert.match(json.report.passes[1]!.diff!, /\+ .*rlflow\/fused@1/);
  });

  test('html: one self-contained page with the data embedded safely', async () => {
    const input = await samplePlan('</script><script>alert(1)</script>');
    const html = renderHtml(input);
    assert.doesNotMatch(html, /<script[^>]+src=|<link[^>]+href=|https?:\/\/(?!www\.w3\.org\/2000\/svg)/, 'no external resources');
    assert.equal((html.match(/<\/script>/g) ?? []).length, 3, 'the plan name cannot close a script element');
    assert.match(html, /var dagre=/, 'dagre is inlined');
    assert.doesNotMatch(html, /sourceMappingURL/);
    const embedded = /<script type="application\/json" id="inspect-data">([\s\S]*?)<\/script>/.exec(html)![1]!;
    const data = JSON.parse(embedded) as ReturnType<typeof htmlData>;
    assert.equal(data.name, '</script><script>alert(1)</script>');
    assert.deepEqual(data.views.optimized.nodes.map((n) => n.id).sort(), nodeIds(input.optimized).sort());
    assert.deepEqual(data.views.original.nodes.map((n) => n.id).sort(), nodeIds(input.original).sort());
    assert.equal(data.report.passes[1]!.pass, 'fuse');
    assert.ok(data.report.passes.every((p) => !('before' in p) && !('after' in p)), 'per-pass dumps are left out');
    assert.match(html, /<title>rlflow inspect — &lt;\/script&gt;/);
  });
});
