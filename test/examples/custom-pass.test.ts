/**
 * The custom-pass example (examples/custom-pass/): the standardize-advantages pass inserts one stage
 * before PG's learner call, verifies, is idempotent, explains itself, and the optimized plan runs; the
 * read-only fan-out pass warns past its threshold.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { dumpGraph, getPass, inputEdges, K, optimize } from '../../src/index.js';
import { main } from '../../examples/custom-pass/main.js';

describe('custom pass example', () => {
  test('inserts standardizeFields before learnOnBatch, explains it, runs, and warns on fan-out', async () => {
    const lines: string[] = [];
    const { graph, report, results } = await main({ log: (l) => lines.push(l), iterations: 2 });
    const call = graph.filterNodes((_id, a) => a.kind === K.callActor.kind && a.params['method'] === 'learnOnBatch');
    assert.equal(call.length, 1);
    // trainOneStep stamps each batch before the call: the inserted stage comes before the composite.
    const stampNode = inputEdges(graph, call[0]!)[0]!.from;
    const before = graph.getNodeAttributes(inputEdges(graph, stampNode)[0]!.from);
    assert.equal(before.kind, K.forEach.kind);
    assert.deepEqual(before.stage?.type === 'ref' ? [before.stage.ref.name, before.stage.args] : undefined, ['standardizeFields', [['advantages']]]);
    assert.ok(before.source, 'the inserted node points at the plan line of the learner call');

    const mine = report.passes.find((p) => p.pass === 'standardize-advantages')!;
    assert.equal(mine.stats.nodesAdded, 1);
    assert.match(mine.diff!, /\+ n\d+ "[^"]*standardizeAdvantages" = rlflow\/for-each@1/);
    assert.match(mine.notes[0]!.message, /inserted n\d+ before/);
    assert.ok(report.warnings.some((w) => /gathers from 2 shards \(more than 1\)/.test(w.message)), 'fan-out warning');
    assert.ok(lines.some((l) => l.includes('== standardize-advantages: 2 node(s) changed')), lines.join('\n'));
    assert.equal(results.length, 2);
  });

  test('is idempotent and leaves an already standardized plan alone', async () => {
    const { graph } = await main({ log: () => undefined, iterations: 1 });
    const again = await optimize(graph, { passes: ['standardize-advantages'], verify: true });
    assert.equal(dumpGraph(again.graph), dumpGraph(graph));
    assert.match(again.report.passes[0]!.notes[0]!.message, /already gets standardized advantages/);
    assert.equal(getPass('standardize-advantages').idempotent, true);
  });
});
