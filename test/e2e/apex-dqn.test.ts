/**
 * Ape-X DQN end to end on real worker processes (farm backend): rollout workers with per-worker ε,
 * two replay shard actors and the learner with its own loop. After a few iterations every shard
 * stored data, the learner trained, each shard's priorities were updated from the learner's TD errors
 * (so they are no longer all equal), workers received the learner's weights, and the target network
 * was refreshed by trained steps.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { apex, buildAlgorithmPlan } from '../../src/algorithms/index.js';
import type { ResultDict } from '../../src/rl/ops/metrics.js';
import type { ReplayBuffersState, ReplayStats } from '../../src/rl/replay/index.js';
import { run } from '../../src/runtime/runtime.js';
import { SMALL_APEX } from '../fixtures/small-configs.js';

test('Ape-X on the farm: sharded replay, learner loop, priorities back to each shard, weight syncs, target updates', async () => {
  const config = apex.config(SMALL_APEX);
  const rt = await run<ResultDict>((await buildAlgorithmPlan(apex, config, { name: 'apex-e2e' })).graph, { backend: 'farm', seed: 2 });
  try {
    const results = await rt.take(3);
    const last = results.at(-1)!;
    assert.ok(last.timesteps_total >= 1200);
    assert.ok(rt.metrics.get('num_steps_trained') > 0, 'the learner trained');
    assert.ok(rt.metrics.get('num_weight_syncs') > 0, 'workers got the learner weights');
    assert.ok(rt.metrics.get('num_target_updates') >= 1, 'the target network was refreshed');
    const queue = last.info['learner_queue'] as { size_count: number } | undefined;
    assert.ok(queue && queue.size_count >= 0, 'learner queue statistics are reported');
    assert.ok((last.timers['learner_grad_time_ms'] ?? -1) >= 0, 'the learner step time is a timer');
    let added = 0;
    for (const index of [0, 1]) {
      const stats = (await rt.backend.call({ group: 'replay', index }, 'stats', [])) as ReplayStats;
      assert.ok(stats.numAdded > 0, `shard ${index} stored data`);
      added += stats.numAdded;
      const state = (await rt.backend.call({ group: 'replay', index }, 'getState', [{ contents: true }])) as ReplayBuffersState;
      const prios = state.buffers['default_policy']!.priorities!;
      assert.ok(new Set(prios).size > 1, `shard ${index}: priorities were updated from TD errors (${new Set(prios).size} distinct of ${prios.length}; ${JSON.stringify(stats)}; trained ${rt.metrics.get('num_steps_trained')})`);
    }
    assert.ok(added <= rt.metrics.get('num_steps_sampled'), 'shards hold only sampled steps');
  } finally {
    await rt.close();
  }
});
