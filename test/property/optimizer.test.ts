/**
 * The optimizer keeps what plans compute (DESIGN.md §4): every registered pass, and the default
 * pipeline, checked with the public `checkPass` (src/testing/pass-spec.ts) on generated plans: the IR
 * verifies, idempotent passes are, and the optimized graph outputs what the original does — on the
 * `local` backend with many plans, on `farm` (real worker processes) with a few.
 *
 * Plus proof that the spec can fail: deliberately wrong passes are caught with a counterexample.
 *
 * NOTE: the farm suite runs the whole default pipeline (every built-in pass, composed) on 8 plans: a
 * farm actor costs a worker process (~0.4–0.5 s to start on the 2-core CI machine), and each plan runs
 * twice (original and optimized).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEFAULT_PIPELINE, registeredPasses, spliceOut, updateNode, type Pass } from '../../src/optimizer/index.js';
import { K } from '../../src/ir/kinds.js';
import { checkPass, passSpec } from '../../src/testing/index.js';

const LOCAL_RUNS = 60;
const FARM_RUNS = 8;

/** The default pipeline's passes that are registered (every one, once all built-ins are in). */
const pipeline = DEFAULT_PIPELINE.filter((name) => registeredPasses().some((p) => p.name === name));

describe('optimizer passes preserve semantics (local backend)', () => {
  for (const pass of registeredPasses()) {
    test(`pass '${pass.name}': verifies${pass.idempotent ? ', is idempotent' : ''} and keeps the outputs (${LOCAL_RUNS} generated plans)`, async () => {
      const stats = await checkPass(pass, { numRuns: LOCAL_RUNS });
      assert.equal(stats.runs, LOCAL_RUNS);
      // Exact comparisons and per-source ones both happen, so neither half of the check is hollow.
      assert.ok(stats.exact > 0 && stats.exact < stats.runs, `exact comparisons: ${stats.exact} of ${stats.runs}`);
    });
  }

  // The generated plans give the structural passes work: otherwise their checks would prove little.
  for (const name of ['cleanup', 'fuse']) {
    test(`the generated plans give '${name}' work to do`, async () => {
      const stats = await checkPass(name, { numRuns: 30, seed: 11 });
      assert.ok(stats.changed >= stats.runs / 3, `'${name}' changed ${stats.changed} of ${stats.runs} plans`);
    });
  }

  test(`the default pipeline (${pipeline.join(',')}) keeps the outputs (${LOCAL_RUNS} generated plans)`, async () => {
    assert.deepEqual(pipeline, [...DEFAULT_PIPELINE], 'every pass of the default pipeline is registered');
    const stats = await checkPass(pipeline, { numRuns: LOCAL_RUNS, seed: 12 });
    assert.ok(stats.changed > stats.runs / 2, `the pipeline changed ${stats.changed} of ${stats.runs} plans`);
  });
});

describe('optimizer passes preserve semantics (farm backend)', () => {
  test(`the default pipeline keeps the outputs on worker processes (${FARM_RUNS} generated plans)`, async () => {
    const stats = await checkPass(pipeline, { numRuns: FARM_RUNS, seed: 13, backends: ['farm'], plans: { maxActorsPerGroup: 2 } });
    assert.equal(stats.runs, FARM_RUNS);
  });
});

describe('passSpec catches wrong passes', () => {
  /** Drops the first filter: the IR still verifies, but the outputs change. */
  const dropFilter: Pass = {
    name: 'test-drop-filter',
    description: 'wrong on purpose: removes the first filter stage',
    idempotent: false,
    run(graph) {
      const filter = graph.filterNodes((_id, a) => a.kind === K.filter.kind)[0];
      if (filter !== undefined) spliceOut(graph, filter);
    },
  };

  /** Keeps the outputs but renames a node on every run, while claiming to be idempotent. */
  const renamer: Pass = {
    name: 'test-renamer',
    description: 'wrong on purpose: appends a mark to a node name on every run',
    idempotent: true,
    run(graph) {
      const first = graph.nodes()[0]!;
      updateNode(graph, first, { name: `${graph.getNodeAttributes(first).name}'` });
    },
  };

  /** Moves the gather onto actors: a driver-only kind, so the IR no longer verifies. */
  const misplacer: Pass = {
    name: 'test-misplacer',
    description: 'wrong on purpose: places driver-only gathers on actors',
    idempotent: false,
    run(graph) {
      for (const id of graph.filterNodes((_id, a) => a.kind === K.gatherSync.kind)) updateNode(graph, id, { placement: { on: 'actors', group: 'A', device: 'cpu' } });
    },
  };

  test('a pass that drops a filter is caught, with the plan, both IRs and both outputs', async () => {
    await assert.rejects(checkPass(dropFilter, { numRuns: 100, seed: 21 }), (e: Error) => {
      assert.match(e.message, /pass 'test-drop-filter': changed what the plan outputs on 'local'/);
      for (const section of ['--- plan ---', '--- original IR ---', '--- optimized IR ---', '--- original outputs', '--- optimized outputs']) assert.ok(e.message.includes(section), `report lacks '${section}'`);
      // fast-check shrank it: the counterexample plan it reports has a filter the original IR shows.
      assert.match(e.message, /rlflow\/filter@1/);
      return true;
    });
  });

  test('a pass that claims idempotence but keeps changing the graph is caught', async () => {
    await assert.rejects(checkPass(renamer, { numRuns: 20, seed: 22 }), /claims to be idempotent, but running it again on its output changed the graph[\s\S]*--- after two runs ---/);
  });

  test('a pass that leaves an invalid IR is caught, naming the pass', async () => {
    await assert.rejects(checkPass(misplacer, { numRuns: 50, seed: 23 }), /test-misplacer[\s\S]*--- original IR ---/);
  });

  test('the wrong passes were only registered while checked', () => {
    assert.ok(!registeredPasses().some((p) => p.name.startsWith('test-')));
  });

  test('passSpec names a pass and its prerequisites, and rejects unknown ones', () => {
    const spec = passSpec('fuse');
    assert.equal(spec.label, "pass 'fuse'");
    assert.ok(spec.idempotent !== undefined);
    assert.equal(passSpec(['cleanup', 'fuse']).idempotent, undefined);
    assert.throws(() => passSpec('no-such-pass'), /unknown pass 'no-such-pass'/);
    assert.throws(() => passSpec({ ...dropFilter, requires: ['no-such-property'] }), /requires 'no-such-property', and no registered pass provides it/);
  });
});
