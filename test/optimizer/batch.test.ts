import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ppo } from '../../src/algorithms/index.js';
import { actors, compile, fromActors } from '../../src/dsl/index.js';
import { K, dumpGraph, stableJson } from '../../src/ir/index.js';
import type { PlanGraph } from '../../src/ir/graph.js';
import { DEFAULT_COSTS, PassConfigError, PassError, optimize, type CostModel } from '../../src/optimizer/index.js';
import { chooseRows } from '../../src/optimizer/passes/batch.js';
import { Counter, double } from '../fixtures/counters.js';
import { runAll } from './run-all.js';

const gathersOf = (graph: PlanGraph, kind: string): string[] => graph.filterNodes((_id, a) => a.kind === kind);
const batchMsOf = (graph: PlanGraph, kind = K.gatherAsync.kind): unknown => graph.getNodeAttributes(gathersOf(graph, kind)[0]!).params['batchMs'];

function costs(overrides: Partial<CostModel>): CostModel {
  return { ...DEFAULT_COSTS, origin: 'test', ...overrides };
}

async function asyncPlan(options: { batchMs?: number; limit?: number; vectorizable?: boolean } = {}) {
  const group = actors(Counter, {
    count: 2,
    args: [0, options.limit ?? 5],
    ...(options.vectorizable ? { vectorizable: { what: 'counting', items: 4, cost: 'policyForward' } } : {}),
  });
  return compile(fromActors(group).forEach(double).gatherAsync(options.batchMs === undefined ? {} : { batchMs: options.batchMs }));
}

async function vectorPlan(work: { items: number; cost?: string; batch?: number }) {
  const group = actors(Counter, { count: 1, args: [0, 3], vectorizable: { what: 'policy inference', cost: 'policyForward', ...work } });
  return compile(fromActors(group).gatherSync());
}

const batchOnly = { passes: ['batch'], verify: true } as const;


describe('batch: RPC batching on gatherAsync', () => {
  test('a gatherAsync without batchMs gets a window of amortization × messageUs, explained with numbers', async () => {
    const { graph, report } = await optimize(await asyncPlan(), batchOnly);
    assert.equal(batchMsOf(graph), 1.4); // 20 × 70 µs
    const note = report.passes[0]!.notes.find((n) => /batchMs 1\.4/.test(n.message));
    assert.ok(note, `notes: ${JSON.stringify(report.passes[0]!.notes)}`);
    assert.match(note.message, /20 × 70\.0 µs per message/);
    assert.match(note.message, /80\.0 → 10\.5 µs per item \(7\.6× faster\)/);
    assert.match(note.message, /slower than 1\.4 ms still go one per reply/);
    assert.equal(report.passes[0]!.stats.nodesModified, 1);
  });

  test('the window follows the cost model and the amortization option', async () => {
    const plan = await asyncPlan();
    assert.equal(batchMsOf((await optimize(plan, { ...batchOnly, costs: costs({ messageUs: 200 }) })).graph), 4);
    assert.equal(batchMsOf((await optimize(plan, { ...batchOnly, options: { batch: { amortization: 10 } } })).graph), 0.7);
    const free = await optimize(plan, { ...batchOnly, costs: costs({ messageUs: 0 }) });
    assert.equal(batchMsOf(free.graph), undefined);
    assert.match(free.report.passes[0]!.notes[0]!.message, /nothing to amortize/);
  });

  for (const batchMs of [0, 3]) {
    test(`an explicit batchMs (${batchMs}) is kept and the note says so`, async () => {
      const { graph, report } = await optimize(await asyncPlan({ batchMs }), batchOnly);
      assert.equal(batchMsOf(graph), batchMs);
      assert.match(report.passes[0]!.notes[0]!.message, new RegExp(`keeps the plan's batchMs ${batchMs}.*set by the plan author`));
      assert.equal(report.passes[0]!.stats.nodesChanged, 0);
    });
  }

  test('gatherSync and batchAcrossShards are never batched', async () => {
    for (const make of [(p: ReturnType<typeof fromActors>) => p.gatherSync(), (p: ReturnType<typeof fromActors>) => p.batchAcrossShards()]) {
      const plan = await compile(make(fromActors(actors(Counter, { count: 2, args: [0, 3] }))));
      const { graph, report } = await optimize(plan, batchOnly);
      assert.equal(dumpGraph(graph), dumpGraph(plan.graph));
      assert.equal(report.passes[0]!.stats.nodesChanged, 0);
    }
  });

  test('a gatherAsync over a group with vectorizable work (RL samplers) stays one item per reply, with the reason', async () => {
    const { graph, report } = await optimize(await asyncPlan({ vectorizable: true }), batchOnly);
    assert.equal(batchMsOf(graph), undefined);
    assert.ok(report.passes[0]!.notes.some((n) => /one item per reply.*counting.*run ahead/.test(n.message)));
  });

  test('the batched plan gives the same multiset of items, each source in order (local backend)', async () => {
    const plan = await asyncPlan({ limit: 7 });
    const { graph } = await optimize(plan, batchOnly);
    const [before, after] = [await runAll(plan.graph), await runAll(graph)] as number[][];
    assert.deepEqual([...after!].sort((a, b) => a - b), [...before!].sort((a, b) => a - b));
    for (const source of [0, 1]) {
      const mine = (xs: number[]): number[] => xs.filter((x) => Math.floor(x / 2000) === source);
      assert.deepEqual(mine(after!), mine(before!));
    }
  });
});

describe('batch: vectorized inference', () => {
  test('rows per call: the smallest within the tolerance of the cheapest, counting whole calls', () => {
    const c = DEFAULT_COSTS.calls['policyForward']!;
    const opts = { maxRows: 4096, tolerance: 0.05 };
    assert.equal(chooseRows(c, 16, opts), 16); // 15 rows would be two calls
    assert.equal(chooseRows(c, 1, opts), 1);
    // 1000 rows: one call costs 22.2 + 1150 µs; three calls (334 rows) are within 5 %, four are not.
    assert.equal(chooseRows(c, 1000, opts), 334);
    assert.equal(chooseRows(c, 1000, { ...opts, tolerance: 0 }), 1000);
    // At most 100 rows: ten calls is the cheapest (1372 µs); 13 calls of 77 rows are within 5 %.
    assert.equal(chooseRows(c, 1000, { ...opts, maxRows: 100 }), 77);
    assert.equal(chooseRows(c, 1000, { tolerance: 0, maxRows: 100 }), 100);
    assert.equal(chooseRows({ fixedUs: 0, perRowUs: 2 }, 64, opts), 1); // no fixed cost: nothing to gain
  });

  test('a vectorizable group gets batch from the cost model, explained with µs per item and speedup', async () => {
    const plan = await vectorPlan({ items: 16 });
    const { graph, report } = await optimize(plan, batchOnly);
    const work = graph.getAttribute('actorGroups')['Counter']!.vectorizable!;
    assert.equal(work.batch, 16);
    const note = report.passes[0]!.notes.find((n) => n.at === 'Counter')!;
    assert.match(note.message, /batch 16 \(16 items per step in 1 call\(s\) instead of 16\): 23\.3 → 2\.54 µs per item \(9\.2× faster\)/);
    assert.match(note.message, /22\.2 µs \+ 1\.15 µs per row \(defaults\)/);
    assert.equal(report.passes[0]!.stats.groupsModified, 1);
  });

  test('custom costs change the decision', async () => {
    const plan = await vectorPlan({ items: 64 });
    const rows = async (cost: CostModel): Promise<number | undefined> => (await optimize(plan, { ...batchOnly, costs: cost })).graph.getAttribute('actorGroups')['Counter']!.vectorizable!.batch;
    assert.equal(await rows(DEFAULT_COSTS), 64);
    const flat = await optimize(plan, { ...batchOnly, costs: costs({ calls: { policyForward: { fixedUs: 0, perRowUs: 5 } } }) });
    assert.equal(flat.graph.getAttribute('actorGroups')['Counter']!.vectorizable!.batch, 1);
    assert.match(flat.report.passes[0]!.notes[0]!.message, /batch 1 \(one call per item\).*no larger call is 5 % cheaper per item \(5\.00 µs per item either way\)/);
    assert.equal(await rows(costs({ calls: { policyForward: { fixedUs: 10, perRowUs: 100 } } })), 2); // 32 calls: +4.9 %
    assert.equal((await optimize(plan, { ...batchOnly, options: { batch: { maxRows: 8 } } })).graph.getAttribute('actorGroups')['Counter']!.vectorizable!.batch, 8);
  });

  test('an explicit batch is kept', async () => {
    const { graph, report } = await optimize(await vectorPlan({ items: 16, batch: 4 }), batchOnly);
    assert.equal(graph.getAttribute('actorGroups')['Counter']!.vectorizable!.batch, 4);
    assert.match(report.passes[0]!.notes[0]!.message, /keeps the plan's batch of 4 row\(s\) per call \(of 16 items\)/);
    assert.equal(report.passes[0]!.stats.groupsModified, 0);
  });

  test('a cost key the model lacks: all rows in one call, and the note says how to measure it', async () => {
    const { graph, report } = await optimize(await vectorPlan({ items: 12, cost: 'myCall' }), batchOnly);
    assert.equal(graph.getAttribute('actorGroups')['Counter']!.vectorizable!.batch, 12);
    assert.match(report.passes[0]!.notes[0]!.message, /no entry 'myCall'.*calls\.myCall/);
  });

  test('the PPO plan: workers get batch = numEnvsPerWorker (16), the learner declares nothing', async () => {
    const plan = await compile(ppo.plan(ppo.config({ numWorkers: 2, numEnvsPerWorker: 16 })));
    const { graph } = await optimize(plan, batchOnly);
    const groups = graph.getAttribute('actorGroups');
    assert.deepEqual(groups['workers']!.vectorizable, { what: 'policy inference', items: 16, cost: 'policyForward', batch: 16 });
    assert.equal(groups['learner']!.vectorizable, undefined);
  });
});

describe('batch: pass contract', () => {
  test('is idempotent', async () => {
    for (const plan of [await asyncPlan(), await vectorPlan({ items: 16 })]) {
      const once = (await optimize(plan, batchOnly)).graph;
      const again = await optimize(once, batchOnly);
      assert.equal(dumpGraph(again.graph), dumpGraph(once));
      assert.equal(stableJson(again.graph.getAttribute('actorGroups')), stableJson(once.getAttribute('actorGroups')));
      assert.equal(again.report.passes[0]!.stats.nodesChanged + again.report.passes[0]!.stats.groupsModified, 0);
    }
  });

  test('provides batched and keeps fused', async () => {
    const { report } = await optimize(await asyncPlan(), { passes: ['fuse', 'batch'], verify: true });
    assert.deepEqual(report.properties, ['batched', 'fused']);
  });

  test('a bad option names itself', async () => {
    const plan = await asyncPlan();
    await assert.rejects(optimize(plan, { ...batchOnly, options: { batch: { amortisation: 5 } } }), (e: unknown) => e instanceof PassError && /unknown option 'amortisation'/.test(e.message));
    await assert.rejects(optimize(plan, { ...batchOnly, options: { batch: { maxRows: 0 } } }), (e: unknown) => e instanceof PassError && /'maxRows' must be a positive integer/.test(e.message));
    assert.ok(PassConfigError);
  });
});
