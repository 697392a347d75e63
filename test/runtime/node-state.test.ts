/**
 * The runtime's per-node state (`ctx.state`) and `Runtime.saveState()` / `restoreState()`: a stage's
 * state survives between items, is kept per node (by name), and a saved state restored into a fresh
 * run of the same plan continues where the first run stopped (what checkpoints build on).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { algorithms, buildAlgorithmPlan } from '../../src/algorithms/index.js';
import { compile, concurrently, fromItems } from '../../src/dsl/index.js';
import type { StageContext } from '../../src/ir/contract.js';
import type { ResultDict } from '../../src/rl/ops/metrics.js';
import { run } from '../../src/runtime/index.js';

const count = (x: number, ctx: StageContext): [number, number] => {
  const seen = (ctx.state.get<number>('seen') ?? 0) + 1;
  ctx.state.set('seen', seen);
  return [x, seen];
};

describe('node state', () => {
  test('is kept per node across items, and saved and restored as plain data', async () => {
    const a = fromItems([1, 2, 3]).forEach(count, { name: 'a' });
    const b = fromItems([7, 8]).forEach(count, { name: 'b' });
    const plan = await compile(concurrently([a, b], { mode: 'roundRobin' }), { name: 'state' });
    const rt = await run<[number, number]>(plan, { backend: 'local' });
    const out: Array<[number, number]> = [];
    for await (const x of rt) out.push(x);
    const saved = rt.saveState();
    await rt.close();
    assert.deepEqual(out, [[1, 1], [7, 1], [2, 2], [8, 2], [3, 3]]);
    assert.deepEqual(saved.nodes, { a: { seen: 3 }, b: { seen: 2 } });

    const again = await run<[number, number]>(plan, { backend: 'local' });
    again.restoreState(JSON.parse(JSON.stringify(saved)) as typeof saved);
    assert.deepEqual(await again.take(2), [[1, 4], [7, 3]], 'counting goes on from the restored state');
    await again.close();
  });

  test("standardMetricsReporting's iteration and episode counts live in node state and resume", async () => {
    const pg = algorithms['pg']!;
    const config = pg.config({ numWorkers: 1, rolloutFragmentLength: 16, trainBatchSize: 16, hidden: [4] });
    const { graph } = await buildAlgorithmPlan(pg, config as never, { optimize: false });
    const first = await run<ResultDict>(graph, { backend: 'local', seed: 3 });
    const results = await first.take(2);
    const saved = first.saveState();
    await first.close();
    assert.equal(results[1]!.training_iteration, 2);
    const reporting = saved.nodes['standardMetricsReporting/forEach(collectMetrics)'] as { iteration: number; episodesTotal: number };
    assert.equal(reporting.iteration, 2);
    assert.equal(reporting.episodesTotal, results[1]!.episodes_total);

    const resumed = await run<ResultDict>(graph, { backend: 'local', seed: 3 });
    resumed.restoreState(saved);
    const [next] = await resumed.take(1);
    await resumed.close();
    assert.equal(next!.training_iteration, 3);
    assert.ok(next!.timesteps_total > results[1]!.timesteps_total, 'the step counters resume too');
    assert.ok(next!.episodes_total >= results[1]!.episodes_total);
  });
});
