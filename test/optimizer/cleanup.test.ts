/**
 * cleanup: removes batch(1)→flatten pairs and kinds that declare themselves no-ops, prunes
 * side-effect-free streams of a `concurrently` that are not in `outputIndexes` (shrinking the duplicate
 * that fed them), and keeps any stream that runs for its side effects, saying which node kept it.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compile, concurrently, fromItems } from '../../src/dsl/index.js';
import { dumpGraph, K, type PlanGraph } from '../../src/ir/index.js';
import { optimize } from '../../src/optimizer/index.js';
import { runAll } from './run-all.js';


const kinds = (g: PlanGraph): string[] => g.mapNodes((_id, a) => a.kind).sort();

describe('cleanup', () => {
  test('prunes a side-effect-free stream nobody reads, its duplicate output and the one-stream concurrently', async () => {
    const [a, b] = fromItems([1, 2, 3, 4, 5]).duplicate(2);
    const plan = await compile(concurrently([a!.batch(2), b!.batch(3).flatten()], { mode: 'roundRobin', outputIndexes: [0] }), { name: 'dead' });
    const { graph, report } = await optimize(plan, { passes: ['cleanup'], verify: true });
    assert.deepEqual(kinds(graph), [K.batch.kind, K.fromItems.kind]);
    assert.deepEqual(await runAll(graph), await runAll(plan.graph));
    const notes = report.passes[0]!.notes.map((n) => n.message).join('\n');
    assert.match(notes, /pruned stream 1 of 'concurrently.*': its items are dropped and it has no side effects/);
    assert.match(notes, /removed 'duplicate\(2\)': one consumer left/);
  });

  test('keeps a stream that runs for its side effects, and says which node keeps it', async () => {
    const seen: number[] = [];
    const [a, b] = fromItems([1, 2, 3]).duplicate(2);
    const plan = await compile(concurrently([a!, b!.forEach(function record(x: number) { seen.push(x); return x; })], { mode: 'roundRobin', outputIndexes: [0] }));
    const { graph, report } = await optimize(plan, { passes: ['cleanup'], verify: true });
    assert.equal(dumpGraph(graph), dumpGraph(plan.graph));
    assert.match(report.passes[0]!.notes[0]!.message, /kept stream 1 of .*runs for its side effects: 'forEach\(record\)'/);
    assert.deepEqual(await runAll(graph), [1, 2, 3]);
    assert.deepEqual(seen, [1, 2, 3]);
  });

  test('with three streams, pruning one renumbers weights and outputIndexes', async () => {
    const [a, b, c] = fromItems([1, 2, 3, 4, 5, 6]).duplicate(3);
    const plan = await compile(concurrently([a!.batch(2), b!.batch(4), c!], { mode: 'roundRobin', weights: [1, 2, 1], outputIndexes: [0, 2] }));
    const { graph } = await optimize(plan, { passes: ['cleanup'], verify: true });
    const conc = graph.filterNodes((_id, x) => x.kind === K.concurrently.kind).map((id) => graph.getNodeAttributes(id))[0]!;
    assert.deepEqual(conc.params['weights'], [1, 1]);
    assert.deepEqual(conc.params['outputIndexes'], [0, 1]);
    const dup = graph.filterNodes((_id, x) => x.kind === K.duplicate.kind).map((id) => graph.getNodeAttributes(id))[0]!;
    assert.equal(dup.params['n'], 2);
    assert.deepEqual(await runAll(graph), await runAll(plan.graph));
  });

  test('a batch(1) → flatten pair goes; a batch(2) → flatten stays; idempotent', async () => {
    const plan = await compile(fromItems([1, 2, 3]).batch(1).flatten().batch(2).flatten());
    const once = await optimize(plan, { passes: ['cleanup'], verify: true });
    assert.deepEqual(kinds(once.graph), [K.batch.kind, K.flatten.kind, K.fromItems.kind]);
    const twice = await optimize(once.graph, { passes: ['cleanup'], verify: true });
    assert.equal(dumpGraph(twice.graph), dumpGraph(once.graph));
    assert.deepEqual(await runAll(once.graph), [1, 2, 3]);
  });
});
