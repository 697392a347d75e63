/**
 * Fault injection into real PPO runs (CartPole-v1, farm backend, seeded): a rollout worker is killed
 * with SIGKILL at random points. Each run must complete its iterations, with the worker recreated and
 * re-synced each time, counters that never go back, every worker healthy in the result dict, and no
 * worker process left behind. A learner crash with no checkpoint to restore it from must fail the run
 * clearly (learner-restore.test.ts restores it from one).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { algorithms, buildAlgorithmPlan, faultOptions, tunedExample } from '../../src/algorithms/index.js';
import { ActorCrashedError } from '../../src/ir/errors.js';
import type { ResultDict } from '../../src/rl/ops/metrics.js';
import type { FarmBackend } from '../../src/runtime/farm-backend.js';
import { run, type Runtime } from '../../src/runtime/runtime.js';
import { assertProcessesGone, seededRandom as rng } from './helpers.js';

async function ppoRun(overrides: Record<string, unknown>): Promise<Runtime<ResultDict>> {
  const ppo = algorithms['ppo']!;
  const config = ppo.config({
    ...tunedExample('ppo', 'CartPole-v1')!.config,
    env: 'CartPole-v1',
    numEnvsPerWorker: 4,
    rolloutFragmentLength: 32,
    trainBatchSize: 256,
    numSgdIter: 2,
    ...overrides,
  }) as Record<string, unknown>;
  const plan = await buildAlgorithmPlan(ppo, config as never, { name: 'ppo-faults' });
  return run<ResultDict>(plan.graph, { backend: 'farm', seed: 3, faults: faultOptions(config) });
}

function allPids(rt: Runtime<unknown>): number[] {
  return Object.values((rt.backend as FarmBackend).pids()).filter((p): p is number => typeof p === 'number');
}

const MONOTONE = ['training_iteration', 'timesteps_total', 'episodes_total', 'num_actor_restarts'] as const;

describe('PPO with rollout workers killed at random points (farm)', () => {
  for (const seed of [1, 2]) {
    test(`seed ${seed}: the run completes, workers are recreated, counters are monotone`, async (t) => {
      const random = rng(seed);
      const rt = await ppoRun({ maxActorRestarts: 5 });
      const seen = new Set<number>(allPids(rt));
      const results: ResultDict[] = [];
      let kills = 0;
      try {
        for (let it = 0; it < 8; it++) {
          if (it === 2 || it === 5) {
            // Kill one worker after a random delay, while the next iteration runs.
            const index = Math.floor(random() * 2);
            const delay = Math.floor(random() * 400);
            const pid = (rt.backend as FarmBackend).pids()[`workers[${index}]`]!;
            setTimeout(() => process.kill(pid, 'SIGKILL'), delay);
            kills++;
            t.diagnostic(`iteration ${it}: kill workers[${index}] (pid ${pid}) after ${delay} ms`);
          }
          const r = await rt.next();
          assert.equal(r.done, false);
          results.push(r.value!);
          for (const p of allPids(rt)) seen.add(p);
        }
        // The last kill may land after the last pull: wait for its restart before checking counts.
        for (let k = 0; k < 200 && rt.metrics.get('num_actor_restarts') < kills; k++) await new Promise((r) => setTimeout(r, 25));
      } finally {
        await rt.close();
      }
      for (const key of MONOTONE) {
        for (let k = 1; k < results.length; k++) assert.ok(results[k]![key] >= results[k - 1]![key], `${key} never decreases: ${results.map((r) => r[key]).join(' ')}`);
      }
      assert.deepEqual(results.map((r) => r.training_iteration), [1, 2, 3, 4, 5, 6, 7, 8]);
      assert.equal(rt.metrics.get('num_actor_restarts'), kills, 'one restart per kill');
      assert.ok(results.every((r) => r.num_healthy_workers === 2));
      assert.ok(results.at(-1)!.num_actor_restarts >= 1, 'the result dict reports restarts');
      t.diagnostic(`dropped calls: ${rt.metrics.get('num_dropped_calls')}, restarts ${rt.metrics.get('num_actor_restarts')}, steps ${results.at(-1)!.timesteps_total}`);
      await assertProcessesGone([...seen]);
    });
  }

  test('a learner crash fails the run clearly (no checkpoint to restore it from)', async () => {
    const rt = await ppoRun({ maxActorRestarts: 5 });
    const pids = allPids(rt);
    try {
      await rt.next();
      process.kill((rt.backend as FarmBackend).pids()['learner[0]']!, 'SIGKILL');
      await assert.rejects(
        (async () => {
          for (let k = 0; k < 50; k++) await rt.next();
        })(),
        (e) => e instanceof ActorCrashedError && e.actor === 'learner[0]' && /not restarted: no checkpoint was saved yet/.test(e.message),
      );
    } finally {
      await rt.close();
    }
    await assertProcessesGone(pids);
  });
});
