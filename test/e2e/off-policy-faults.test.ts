/**
 * Fault injection into real DQN and Ape-X runs (CartPole-v1, farm backend, seeded): rollout workers,
 * and for Ape-X a replay shard, are killed with SIGKILL at seeded random points of the run. Each run
 * must complete its iterations with every killed actor recreated (a worker re-synced from a peer, a
 * shard restarted empty), counters that never go back, one counted restart per kill, every worker
 * healthy in the result dict, and no worker process left behind.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { algorithms, buildAlgorithmPlan, faultOptions } from '../../src/algorithms/index.js';
import type { ResultDict } from '../../src/rl/ops/metrics.js';
import type { ReplayStats } from '../../src/rl/replay/index.js';
import type { FarmBackend } from '../../src/runtime/farm-backend.js';
import { run, type Runtime } from '../../src/runtime/runtime.js';
import { assertProcessesGone, seededRandom } from './helpers.js';
import { SMALL_APEX } from '../fixtures/small-configs.js';

const CONFIGS: Record<string, Readonly<Record<string, unknown>>> = {
  dqn: { numWorkers: 2, hidden: [16], rolloutFragmentLength: 16, learningStarts: 200, bufferSize: 4000, trainBatchSize: 32, targetNetworkUpdateFreq: 200, timestepsPerIteration: 200 },
  apex: SMALL_APEX,
};

async function start(algorithm: string, seed: number): Promise<Runtime<ResultDict>> {
  const algo = algorithms[algorithm]!;
  const config = algo.config({ env: 'CartPole-v1', ...CONFIGS[algorithm], maxActorRestarts: 5 }) as Record<string, unknown>;
  const plan = await buildAlgorithmPlan(algo, config as never, { name: `${algorithm}-faults` });
  return run<ResultDict>(plan.graph, { backend: 'farm', seed, faults: faultOptions(config) });
}

function allPids(rt: Runtime<unknown>): number[] {
  return Object.values((rt.backend as FarmBackend).pids()).filter((p): p is number => typeof p === 'number');
}

const MONOTONE = ['training_iteration', 'timesteps_total', 'episodes_total', 'num_actor_restarts'] as const;
const ITERATIONS = 8;

describe('off-policy runs with actors killed at random points (farm)', () => {
  for (const [algorithm, seed] of [
    ['dqn', 1],
    ['dqn', 2],
    ['apex', 1],
    ['apex', 2],
  ] as const) {
    test(`${algorithm}, seed ${seed}: the run completes, killed actors are recreated, counters are monotone`, async (t) => {
      const random = seededRandom(seed);
      const rt = await start(algorithm, seed);
      const seen = new Set<number>(allPids(rt));
      // Ape-X also loses a replay shard once (its contents go with it).
      const victims = algorithm === 'apex' ? ['workers', 'replay', 'workers'] : ['workers', 'workers'];
      const killAt = new Map(victims.map((group, k) => [2 + k * 2, group]));
      const results: ResultDict[] = [];
      let kills = 0;
      try {
        for (let it = 0; it < ITERATIONS; it++) {
          const group = killAt.get(it);
          if (group) {
            const index = Math.floor(random() * 2);
            const delay = Math.floor(random() * 300);
            const pid = (rt.backend as FarmBackend).pids()[`${group}[${index}]`]!;
            setTimeout(() => process.kill(pid, 'SIGKILL'), delay);
            kills++;
            t.diagnostic(`iteration ${it}: kill ${group}[${index}] (pid ${pid}) after ${delay} ms`);
          }
          const r = await rt.next();
          assert.equal(r.done, false);
          results.push(r.value!);
          for (const p of allPids(rt)) seen.add(p);
        }
        // The last kill may land after the last pull: wait for its restart before checking counts.
        for (let k = 0; k < 400 && rt.metrics.get('num_actor_restarts') < kills; k++) await new Promise((r) => setTimeout(r, 25));
        if (algorithm === 'apex') {
          // Both shards answer, and the restarted one holds only what was stored since its restart.
          const sizes = await Promise.all([0, 1].map(async (index) => ((await rt.backend.call({ group: 'replay', index }, 'stats', [])) as ReplayStats).numAdded));
          t.diagnostic(`shard rows added: ${sizes.join(', ')}; stale priority rows ${rt.metrics.get('num_stale_priority_rows')}`);
          assert.ok(sizes.every((n) => n > 0));
        }
      } finally {
        await rt.close();
      }
      for (const key of MONOTONE) {
        for (let k = 1; k < results.length; k++) assert.ok(results[k]![key] >= results[k - 1]![key], `${key} never decreases: ${results.map((r) => r[key]).join(' ')}`);
      }
      assert.deepEqual(
        results.map((r) => r.training_iteration),
        Array.from({ length: ITERATIONS }, (_, k) => k + 1),
      );
      assert.equal(rt.metrics.get('num_actor_restarts'), kills, 'one restart per kill');
      assert.ok(results.every((r) => r.num_healthy_workers === 2));
      assert.ok(rt.metrics.get('num_steps_trained') > 0, 'the learner trained');
      t.diagnostic(`dropped calls: ${rt.metrics.get('num_dropped_calls')}, restarts ${rt.metrics.get('num_actor_restarts')}, steps ${results.at(-1)!.timesteps_total}`);
      await assertProcessesGone([...seen]);
    });
  }
});
