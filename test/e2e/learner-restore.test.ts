/**
 * A learner killed with SIGKILL on real worker processes (farm backend, through the `Trainer` that
 * `rlflow train` uses): with a checkpoint saved, the learner is recreated and restored from it (its
 * policy state equals the checkpoint's, exactly), the run goes on with counters that never go back,
 * and the restart is counted. Without a checkpoint, the crash fails the run with an error that names
 * the learner and says how to save checkpoints. Covers the synchronous learner (PPO), the async
 * learner (APPO, whose target network restarts from the restored policy) and Ape-X's replay learner;
 * no worker process is left behind.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ActorCrashedError } from '../../src/ir/errors.js';
import type { ResultDict } from '../../src/rl/ops/metrics.js';
import type { WorkerState } from '../../src/rl/worker-api.js';
import type { FarmBackend } from '../../src/runtime/farm-backend.js';
import { Trainer } from '../../src/trainer/trainer.js';
import { assertProcessesGone } from './helpers.js';
import { SMALL_APEX } from '../fixtures/small-configs.js';

const SMALL: Record<string, Readonly<Record<string, unknown>>> = {
  appo: { numWorkers: 2, numEnvsPerWorker: 2, rolloutFragmentLength: 25, trainBatchSize: 100, learnerQueueSize: 2, hidden: [16], minIterTimeS: 0, timestepsPerIteration: 400 },
  ppo: { numWorkers: 2, numEnvsPerWorker: 4, rolloutFragmentLength: 32, trainBatchSize: 256, sgdMinibatchSize: 64, numSgdIter: 2, hidden: [32] },
  apex: SMALL_APEX,
};

function trainer(algorithm: string, maxActorRestarts: number): Promise<Trainer> {
  return Trainer.create({ algorithm, env: 'CartPole-v1', backend: 'farm', seed: 4, overrides: { ...SMALL[algorithm], maxActorRestarts } });
}

function farm(t: Trainer): FarmBackend {
  return t.runtime.backend as FarmBackend;
}

function pids(t: Trainer): number[] {
  return Object.values(farm(t).pids()).filter((p): p is number => typeof p === 'number');
}

async function waitForRestarts(t: Trainer, n: number): Promise<void> {
  for (let k = 0; k < 400 && t.runtime.metrics.get('num_actor_restarts') < n; k++) await new Promise((r) => setTimeout(r, 25));
  assert.equal(t.runtime.metrics.get('num_actor_restarts'), n, `${n} restart(s)`);
}

/** The learner's optimizer step count in a policy state (how far it trained). */
function adamStep(policy: WorkerState['policy']): number {
  const step = (policy as { extra?: { adamStep?: unknown } }).extra?.adamStep;
  assert.equal(typeof step, 'number', 'the policy state has the Adam step');
  return step as number;
}

const MONOTONE = ['training_iteration', 'timesteps_total', 'episodes_total', 'num_actor_restarts'] as const;

function assertMonotone(results: readonly ResultDict[]): void {
  for (const key of MONOTONE) {
    for (let k = 1; k < results.length; k++) assert.ok(results[k]![key] >= results[k - 1]![key], `${key} never decreases: ${results.map((r) => r[key]).join(' ')}`);
  }
  assert.deepEqual(
    results.map((r) => r.training_iteration),
    results.map((_, k) => k + 1),
  );
}

describe('a killed learner is restored from the last checkpoint (farm)', () => {
  for (const algorithm of ['ppo', 'appo', 'apex']) {
    test(`${algorithm}: restored from the checkpoint when killed between iterations, and again mid-iteration; the run goes on`, async (t) => {
      const run = await trainer(algorithm, 3);
      const seen = new Set(pids(run));
      const results: ResultDict[] = [];
      try {
        for (let it = 0; it < 2; it++) results.push((await run.train())!);
        const checkpoint = await run.save();
        const saved = (checkpoint.actors['learner']![0] as WorkerState).policy;
        // More training moves the learner past the checkpoint; the restore must bring it back.
        results.push((await run.train())!);

        // 1. Killed between iterations: the new learner holds the checkpoint's policy state.
        const before = farm(run).pids()['learner[0]']!;
        const trained = adamStep(((await run.runtime.backend.call({ group: 'learner', index: 0 }, 'getState', [])) as WorkerState).policy);
        assert.ok(trained > adamStep(saved), 'the learner trained past the checkpoint');
        process.kill(before, 'SIGKILL');
        await waitForRestarts(run, 1);
        const after = farm(run).pids()['learner[0]']!;
        assert.notEqual(after, before, 'a new learner process');
        seen.add(after);
        const restored = (await run.runtime.backend.call({ group: 'learner', index: 0 }, 'getState', [])) as WorkerState;
        if (algorithm === 'ppo') assert.deepEqual(restored.policy, saved, 'the learner is restored from the checkpoint');
        else {
          // Async plans (APPO, Ape-X) keep calls in flight between iterations: the learner batch the kill
          // dropped is sent again to the restored learner, which may have trained on it already.
          const step = adamStep(restored.policy);
          assert.ok(step >= adamStep(saved) && step < trained, `restored to the checkpoint's step ${adamStep(saved)} (plus the re-sent batch), not the ${trained} it had reached: ${step}`);
        }

        // 2. Killed in the middle of an iteration (after a fresh checkpoint): the run continues.
        await run.save();
        setTimeout(() => process.kill(after, 'SIGKILL'), 150);
        for (let it = 0; it < 3; it++) {
          results.push((await run.train())!);
          for (const p of pids(run)) seen.add(p);
        }
        await waitForRestarts(run, 2);
        results.push((await run.train())!);
        t.diagnostic(`${algorithm}: restarts ${run.runtime.metrics.get('num_actor_restarts')}, dropped calls ${run.runtime.metrics.get('num_dropped_calls')}, steps ${results.at(-1)!.timesteps_total}`);
      } finally {
        await run.close();
      }
      assertMonotone(results);
      assert.equal(results.at(-1)!.num_actor_restarts, 2, 'the result dict counts both learner restarts');
      await assertProcessesGone([...seen]);
    });
  }

  test('ppo: with no checkpoint saved, a learner crash fails the run naming the learner and --checkpoint-freq', async () => {
    const run = await trainer('ppo', 3);
    const started = pids(run);
    try {
      await run.train();
      process.kill(farm(run).pids()['learner[0]']!, 'SIGKILL');
      await assert.rejects(
        (async () => {
          for (let k = 0; k < 50; k++) await run.train();
        })(),
        (e) => e instanceof ActorCrashedError && e.actor === 'learner[0]' && /not restarted: no checkpoint was saved yet .*--checkpoint-freq/.test(e.message),
      );
    } finally {
      await run.close();
    }
    await assertProcessesGone(started);
  });
});
