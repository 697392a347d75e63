import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { actors, compile, fromActors } from '../../src/dsl/index.js';
import { K, dumpGraph, StageError } from '../../src/ir/index.js';
import { optimize } from '../../src/optimizer/index.js';
import { boom, Counter, double, isEven, scale } from '../fixtures/counters.js';
import { runAll } from './run-all.js';

async function fourStagePlan(limit = 6) {
  const group = actors(Counter, { count: 2, args: [0, limit] });
  return compile(fromActors(group).forEach(double).filter(isEven).forEach(scale.with(3)).forEach(double).gatherSync());
}


describe('fuse', () => {
  test('fuses the source and four actor-side stages into one node, keeping each member', async () => {
    const plan = await fourStagePlan();
    const { graph, report } = await optimize(plan, { passes: ['fuse'], verify: true, explain: true });
    const fused = graph.filterNodes((_id, a) => a.kind === K.fused.kind);
    assert.equal(fused.length, 1);
    const attrs = graph.getNodeAttributes(fused[0]!);
    const members = attrs.params['stages'] as { kind: string; name: string; source?: unknown }[];
    assert.deepEqual(members.map((m) => m.kind), [K.fromActors.kind, K.forEach.kind, K.filter.kind, K.forEach.kind, K.forEach.kind]);
    assert.ok(members.every((m) => m.source !== undefined));
    assert.deepEqual(attrs.params['shards'], [0, 1]);
    assert.equal(report.passes[0]!.stats.nodesRemoved, 5);
    assert.equal(report.passes[0]!.stats.nodesAdded, 1);
    assert.match(report.passes[0]!.diff!, /\+ .*rlflow\/fused@1/);
    assert.match(report.passes[0]!.notes[0]!.message, /4 fewer round trips per pull/);
  });

  test('is idempotent', async () => {
    const once = (await optimize(await fourStagePlan(), { passes: ['fuse'], verify: true })).graph;
    const twice = (await optimize(once, { passes: ['fuse'], verify: true })).graph;
    assert.equal(dumpGraph(twice), dumpGraph(once));
  });

  for (const backend of ['local', 'farm'] as const) {
    test(`the fused plan gives the same outputs on ${backend}`, async () => {
      const plan = await fourStagePlan();
      const { graph } = await optimize(plan, { passes: ['fuse'], verify: true });
      assert.deepEqual(await runAll(graph, backend), await runAll(plan.graph, backend));
    });
  }

  test('an error inside a fused stage names that stage and its plan line', async () => {
    const group = actors(Counter, { count: 1, args: [0, 5] });
    const plan = await compile(fromActors(group).forEach(double).forEach(boom).gatherSync());
    const { graph } = await optimize(plan, { passes: ['fuse'], verify: true });
    await assert.rejects(runAll(graph), (e: unknown) => {
      assert.ok(e instanceof StageError);
      assert.match(e.nodeName!, /^Counter\/forEach\(boom\) \(fused into fused\(/);
      assert.match(e.message, /fuse\.test\.ts:\d+:\d+/);
      return true;
    });
  });
});
