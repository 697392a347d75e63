/**
 * The pass manager: pipelines (names, strings, fixed points), the registry, property requirements,
 * verification after each pass (a broken IR names the pass, the invariant and the node), errors thrown
 * by passes, statistics, explain diffs, and that the input graph is never modified.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { compile, fromItems } from '../../src/dsl/index.js';
import { dumpGraph, K, PlanError } from '../../src/ir/index.js';
import {
  DEFAULT_PIPELINE,
  formatReport,
  MAX_FIXED_POINT_RUNS,
  optimize,
  parsePipeline,
  PassConfigError,
  PassError,
  registerPass,
  unregisterPass,
  updateNode,
  type Pass,
} from '../../src/optimizer/index.js';

const made: string[] = [];
function pass(p: Omit<Pass, 'idempotent'> & { idempotent?: boolean }): Pass {
  made.push(p.name);
  return registerPass({ idempotent: false, ...p });
}
after(() => made.forEach((n) => unregisterPass(n)));

async function smallPlan() {
  return compile(fromItems([1, 2, 3]).batch(2).flatten(), { name: 'small' });
}

/** Renames one node per run until a counter reaches `limit`, to exercise fixed points. */
let renames = 0;
pass({
  name: 'test-rename-until-3',
  description: 'renames the output node until it has been renamed 3 times',
  run(graph) {
    if (renames >= 3) return;
    renames++;
    const out = graph.getAttribute('outputs')[0]!;
    updateNode(graph, out, { name: `renamed-${renames}` });
  },
});
pass({
  name: 'test-never-settles',
  description: 'changes the graph every run',
  fixedPoint: true,
  run(graph) {
    const out = graph.getAttribute('outputs')[0]!;
    updateNode(graph, out, { name: `${graph.getNodeAttributes(out).name}+` });
  },
});
pass({
  name: 'test-breaks-ports',
  description: 'adds a node nobody consumes',
  run(graph) {
    const src = graph.filterNodes((_id, a) => a.kind === K.fromItems.kind)[0]!;
    const a = graph.getNodeAttributes(src);
    graph.addNode('n99', { ...a, id: 'n99', name: 'dangling' });
  },
});
pass({ name: 'test-throws', description: 'throws', run: () => { throw new TypeError('bad things'); } });
pass({ name: 'test-plan-error', description: 'fails deliberately at a node', run: (graph) => { const id = graph.nodes()[0]!; throw new PlanError('cannot do it here', { nodeId: id, nodeName: graph.getNodeAttributes(id).name, source: graph.getNodeAttributes(id).source, hint: 'do something else' }); } });
pass({ name: 'test-provides-x', description: 'provides x', provides: ['x'], preserves: 'all', run: () => undefined });
pass({ name: 'test-needs-x', description: 'requires x', requires: ['x'], preserves: 'all', run: () => undefined });
pass({ name: 'test-drops-all', description: 'preserves nothing', run: () => undefined });

describe('pass manager', () => {
  test('pipelines: names, comma strings, name* for fixed points; unknown names list the registry', () => {
    assert.deepEqual(parsePipeline('cleanup, fuse*').map((s) => [s.pass.name, s.fixedPoint]), [['cleanup', true], ['fuse', true]]);
    assert.deepEqual(parsePipeline(['fuse']).map((s) => s.fixedPoint), [false]);
    assert.throws(() => parsePipeline('fuse,nope'), (e: unknown) => e instanceof PassConfigError && /unknown pass 'nope'/.test(e.message) && /registered passes: .*cleanup.*fuse/.test(e.message));
    assert.deepEqual([...DEFAULT_PIPELINE], ['cleanup', 'fuse', 'place', 'batch']);
  });

  test('registry: names are checked; a different pass cannot take a used name', () => {
    assert.throws(() => registerPass({ name: 'Bad Name', description: '', idempotent: true, run: () => undefined }), /lowercase/);
    assert.throws(() => registerPass({ name: 'fuse', description: 'impostor', idempotent: true, run: () => undefined }), /already registered/);
  });

  test('a fixed-point step reruns until nothing changes; one that never settles fails', async () => {
    renames = 0;
    const { graph, report } = await optimize(await smallPlan(), { passes: 'test-rename-until-3*', verify: true });
    assert.equal(report.passes[0]!.runs, 4);
    assert.equal(graph.getNodeAttributes(graph.getAttribute('outputs')[0]!).name, 'renamed-3');
    await assert.rejects(optimize(await smallPlan(), { passes: ['test-never-settles'] }), (e: unknown) => e instanceof PassError && e.pass === 'test-never-settles' && new RegExp(`after ${MAX_FIXED_POINT_RUNS} runs`).test(e.message));
  });

  test('a pass that breaks the IR fails with the pass, the invariant and the node (verified or not)', async () => {
    for (const verify of [true, false]) {
      await assert.rejects(optimize(await smallPlan(), { passes: ['cleanup', 'test-breaks-ports'], verify }), (e: unknown) => {
        assert.ok(e instanceof PassError, String(e));
        assert.equal(e.pass, 'test-breaks-ports');
        assert.equal(e.invariant, 'ports');
        assert.equal(e.nodeId, 'n99');
        assert.match(e.message, /pass 'test-breaks-ports': left the IR broken: invariant 'ports' violated: output is consumed by nothing/);
        return true;
      });
    }
  });

  test('errors thrown by a pass name it; deliberate rlflow errors keep their place and hint', async () => {
    await assert.rejects(optimize(await smallPlan(), { passes: ['test-throws'] }), /pass 'test-throws': threw TypeError: bad things/);
    await assert.rejects(optimize(await smallPlan(), { passes: ['test-plan-error'] }), (e: unknown) => e instanceof PassError && e.nodeId !== undefined && /cannot do it here/.test(e.message) && e.hint === 'do something else' && /manager\.test\.ts:\d+:\d+/.test(e.message));
  });

  test('requirements are checked before anything runs, naming the provider', async () => {
    await optimize(await smallPlan(), { passes: ['test-provides-x', 'test-needs-x'] });
    await assert.rejects(optimize(await smallPlan(), { passes: ['test-needs-x'] }), (e: unknown) => e instanceof PassConfigError && /requires 'x' \(provided by none in this pipeline\)/.test(e.message));
    await assert.rejects(optimize(await smallPlan(), { passes: ['test-provides-x', 'test-drops-all', 'test-needs-x'] }), /requires 'x' \(provided by 'test-provides-x'\)/);
  });

  test('stats, notes, explain diffs; the input graph is not modified', async () => {
    const plan = await compile(fromItems([1, 2, 3]).batch(1).flatten(), { name: 'noop' });
    const before = dumpGraph(plan.graph);
    const { graph, report } = await optimize(plan, { passes: ['cleanup'], explain: true, verify: true });
    assert.equal(dumpGraph(plan.graph), before, 'input untouched');
    assert.equal(graph.order, 1);
    const p = report.passes[0]!;
    assert.deepEqual({ ...p.stats }, { nodesAdded: 0, nodesRemoved: 2, nodesModified: 0, groupsModified: 0, nodesChanged: 2 });
    assert.equal(p.before, before);
    assert.match(p.diff!, /^- n1 .*rlflow\/batch@1/m);
    assert.match(p.notes[0]!.message, /removed batch\(1\) → flatten pair/);
    const text = formatReport(report);
    assert.match(text, /== cleanup: 2 node\(s\) changed \(\+0 −2 ~0\); [\d.]+ ms, 2 runs, verified/);
    assert.match(text, /^ {3}- n2 .*rlflow\/flatten@1/m);
  });
});
