/**
 * Ape-X on the local backend (every actor in-process, on the virtual clock): the deterministic mode a
 * plan is debugged in. Its store branch keeps sampling after learning starts (a learner loop that
 * yielded through the virtual clock's `delay(0)` held the earliest timer forever, so a replay shard's
 * `delay(1)` never fired and storing stalled after a few fragments, while the learner trained on);
 * with a training intensity the branches take turns (round robin) and the replay ratio is the one
 * asked for (before learning starts, the replay branch must give its turn back instead of waiting for
 * a shard's first batch); the driver stages' schedules are in the node store, so checkpoints keep
 * them; and two runs with one seed produce the same results.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { apex, buildAlgorithmPlan } from '../../src/algorithms/index.js';
import type { ResultDict } from '../../src/rl/ops/metrics.js';
import type { ReplayStats } from '../../src/rl/replay/index.js';
import { run, type RuntimeState } from '../../src/runtime/runtime.js';
import { SMALL_APEX } from '../fixtures/small-configs.js';

const base = SMALL_APEX;

async function iterations(extra: Record<string, unknown>, n: number): Promise<{ results: ResultDict[]; shardsAdded: number[]; nodes: RuntimeState['nodes'] }> {
  const config = apex.config({ ...base, ...extra });
  const rt = await run<ResultDict>((await buildAlgorithmPlan(apex, config, { name: 'apex-local' })).graph, { backend: 'local', seed: 2 });
  try {
    // A stalled plan fails here, with the counters that show where, instead of hanging the test run.
    let timer: NodeJS.Timeout | undefined;
    const stalled = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`stalled: ${JSON.stringify([...rt.metrics.counters])}`)), 40_000);
    });
    const results = await Promise.race([rt.take(n), stalled]).finally(() => clearTimeout(timer));
    const shardsAdded: number[] = [];
    for (const index of [0, 1]) shardsAdded.push(((await rt.backend.call({ group: 'replay', index }, 'stats', [])) as ReplayStats).numAdded);
    return { results, shardsAdded, nodes: rt.saveState().nodes };
  } finally {
    await rt.close();
  }
}

const trained = (r: ResultDict): number => r.info['num_steps_trained'] as number;

describe('Ape-X on the local backend', { timeout: 120_000 }, () => {
  test('async branches: storing goes on after learning starts, and the learner trains', async () => {
    const { results, shardsAdded } = await iterations({}, 3);
    const last = results.at(-1)!;
    // Three iterations of 400 steps: far past learningStarts (200), where storing used to stall (~180).
    assert.ok(last.timesteps_total >= 1200, `sampled ${last.timesteps_total}`);
    assert.ok(trained(last) > 0, 'the learner trained');
    assert.ok(shardsAdded.every((n) => n > 0), `every shard stored data: ${shardsAdded.join(', ')}`);
    assert.equal(shardsAdded[0]! + shardsAdded[1]!, last.timesteps_total, 'every sampled step was stored');
  });

  test("driver stages keep their schedules in the node store (checkpointed): target updates, each worker's steps since its sync", async () => {
    const { results, nodes } = await iterations({}, 2);
    const values = Object.values(nodes);
    const target = values.find((st) => 'lastUpdateSteps' in st);
    assert.ok(target, `a node stores the target-update step count: ${JSON.stringify(nodes)}`);
    assert.ok((target['lastUpdateSteps'] as number) > 0 && (target['lastUpdateSteps'] as number) <= trained(results.at(-1)!));
    const sync = values.find((st) => Object.keys(st).some((k) => k.startsWith('stepsSinceSync.')));
    assert.ok(sync, 'a node stores the steps since each worker was synced');
    for (const [k, v] of Object.entries(sync)) if (k.startsWith('stepsSinceSync.')) assert.ok((v as number) >= 0 && (v as number) < base.maxWeightSyncDelay, `${k} = ${String(v)}`);
  });

  test('training intensity: round-robin turns give the asked replay ratio, deterministically', async () => {
    const a = await iterations({ trainingIntensity: 8 }, 4);
    const [first, last] = [a.results[1]!, a.results.at(-1)!];
    // After learning started: trained rows per sampled row over the last iterations.
    const ratio = (trained(last) - trained(first)) / (last.timesteps_total - first.timesteps_total);
    assert.ok(ratio > 6 && ratio < 10, `replay ratio ${ratio.toFixed(2)}, asked 8`);
    const b = await iterations({ trainingIntensity: 8 }, 4);
    assert.deepEqual(
      b.results.map((r) => [r.timesteps_total, trained(r), r.episode_reward_mean]),
      a.results.map((r) => [r.timesteps_total, trained(r), r.episode_reward_mean]),
      'same seed, same results',
    );
  });
});
