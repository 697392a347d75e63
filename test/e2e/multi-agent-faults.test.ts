/**
 * Faults in a multi-agent run on real worker processes (farm backend, through the `Trainer` that
 * `rlflow train` uses): multi-agent PPO on 4-agent MultiAgentCartPole with two policies. A killed
 * learner is recreated and restored from the last checkpoint (every policy's state equals the
 * checkpoint's, exactly); a killed rollout worker is recreated and re-synced from its live peer (else
 * the learner), so it samples with the run's current policies. The run goes on with counters
 * that never go back, both restarts are counted, and no worker process is left behind.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MultiAgentWorkerState } from '../../src/rl/multi-agent-api.js';
import type { ResultDict } from '../../src/rl/ops/metrics.js';
import type { FarmBackend } from '../../src/runtime/farm-backend.js';
import { Trainer } from '../../src/trainer/trainer.js';
import { assertProcessesGone } from './helpers.js';

const SMALL = { numWorkers: 2, numEnvsPerWorker: 2, rolloutFragmentLength: 64, trainBatchSize: 256, sgdMinibatchSize: 128, numSgdIter: 2, hidden: [16], maxActorRestarts: 2 };

async function waitForRestarts(t: Trainer, n: number): Promise<void> {
  for (let k = 0; k < 400 && t.runtime.metrics.get('num_actor_restarts') < n; k++) await new Promise((r) => setTimeout(r, 25));
  assert.equal(t.runtime.metrics.get('num_actor_restarts'), n, `${n} restart(s)`);
}

async function stateOf(t: Trainer, group: 'learner' | 'workers', index: number): Promise<MultiAgentWorkerState> {
  return (await t.runtime.backend.call({ group, index }, 'getState', [])) as MultiAgentWorkerState;
}

test('ma-ppo (farm): a killed learner is restored from the checkpoint, a killed worker re-synced from its peer; the run goes on', async (t) => {
  const run = await Trainer.create({ algorithm: 'ma-ppo', env: 'MultiAgentCartPole', backend: 'farm', seed: 3, overrides: SMALL });
  const farm = run.runtime.backend as FarmBackend;
  const seen = new Set(Object.values(farm.pids()).filter((p): p is number => typeof p === 'number'));
  const results: ResultDict[] = [];
  try {
    for (let it = 0; it < 2; it++) results.push((await run.train())!);
    const checkpoint = await run.save();
    const saved = (checkpoint.actors['learner']![0] as MultiAgentWorkerState).policies;
    assert.deepEqual(Object.keys(saved).sort(), ['p0', 'p1']);
    results.push((await run.train())!);
    assert.notDeepEqual((await stateOf(run, 'learner', 0)).policies, saved, 'the learner trained past the checkpoint');

    // 1. The learner: restored with every policy's checkpointed state.
    const learner = farm.pids()['learner[0]']!;
    process.kill(learner, 'SIGKILL');
    await waitForRestarts(run, 1);
    assert.notEqual(farm.pids()['learner[0]'], learner, 'a new learner process');
    seen.add(farm.pids()['learner[0]']!);
    assert.deepEqual((await stateOf(run, 'learner', 0)).policies, saved, 'the learner is restored from the checkpoint');

    // 2. A rollout worker: re-synced from its live peer (its policies are the peer's, not fresh ones).
    const peer = (await stateOf(run, 'workers', 0)).policies;
    const worker = farm.pids()['workers[1]']!;
    process.kill(worker, 'SIGKILL');
    await waitForRestarts(run, 2);
    seen.add(farm.pids()['workers[1]']!);
    const synced = (await stateOf(run, 'workers', 1)).policies;
    for (const id of ['p0', 'p1']) assert.deepEqual(synced[id]!.weights, peer[id]!.weights, `workers[1] holds its peer's ${id} weights`);

    for (let it = 0; it < 2; it++) results.push((await run.train())!);
  } finally {
    await run.close();
  }
  for (const key of ['training_iteration', 'timesteps_total', 'episodes_total', 'num_actor_restarts'] as const) {
    for (let k = 1; k < results.length; k++) assert.ok(results[k]![key] >= results[k - 1]![key], `${key} never decreases: ${results.map((r) => r[key]).join(' ')}`);
  }
  assert.equal(results.at(-1)!.num_actor_restarts, 2, 'the result dict counts both restarts');
  assert.equal(results.at(-1)!.num_healthy_workers, 2);
  t.diagnostic(`steps ${results.at(-1)!.timesteps_total}, reward ${results.at(-1)!.episode_reward_mean.toFixed(1)}`);
  await assertProcessesGone([...seen]);
});
