/**
 * Rollout workers hosting the off-policy policies: a SAC worker on Pendulum-v1 records `newObs` (the
 * next observation within an episode, the final one where an episode was cut), sends in-bounds
 * continuous actions to the env, and a learner (no envs) trains on the fragment, moves its target
 * critics, and hands out the actor's weights, which a worker adopts.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ActorContext } from '../../src/ir/contract.js';
import { SB } from '../../src/rl/data/index.js';
import type { SacPolicyConfig } from '../../src/rl/policy/types.js';
import { RolloutWorker, type RolloutWorkerImpl } from '../../src/rl/rollout-worker.js';
import type { RolloutWorkerConfig } from '../../src/rl/worker-api.js';
import { createRng, deriveSeed } from '../../src/rng/index.js';

function context(index: number, group = 'workers'): ActorContext {
  const seed = deriveSeed(3, group, index);
  return { group, index, ref: { group, index }, seed, rootSeed: 3, device: 'cpu', vectorBatch: undefined, random: createRng(seed), now: () => 0, delay: async () => undefined };
}

const SAC: SacPolicyConfig = { kind: 'sac', actorHidden: [16], criticHidden: [16], activation: 'relu', actorLr: 1e-3, criticLr: 1e-3, entropyLr: 1e-3, gamma: 0.99, nStep: 1, tau: 0.5, twinQ: true, initialAlpha: 1, targetEntropy: 'auto' };
const T = 5;

function config(numEnvs: number): RolloutWorkerConfig {
  return { env: 'Pendulum-v1', envConfig: { maxEpisodeSteps: 3 }, numEnvs, rolloutFragmentLength: T, gamma: 0.99, lambda: 1, useGae: false, useCritic: false, policy: SAC, observationFilter: 'NoFilter', explore: true };
}

function worker(numEnvs: number, group = 'workers'): RolloutWorkerImpl {
  return new RolloutWorker.ctor(context(0, group), config(numEnvs));
}

describe('rollout worker with an off-policy (SAC) policy', () => {
  test('records newObs: the next row within an episode, the final observation where it was cut', async () => {
    const b = await worker(2).sample();
    const obs = b.columns[SB.OBS]!, next = b.columns[SB.NEXT_OBS]!, actions = b.columns[SB.ACTIONS]!;
    // 1-step transitions keep the fragment's rows; the 3-step time limit cuts every copy's episode after step 2.
    assert.deepEqual(Array.from(b.columns['discounts']!).map((x) => Math.round(x * 1e4) / 1e4), new Array(2 * T).fill(0.99));
    assert.equal(b.widths[SB.NEXT_OBS], 3);
    assert.equal(next.length, 2 * T * 3);
    for (const a of actions) assert.ok(a >= -2 && a <= 2, `action ${a} within Pendulum's bounds`);
    let cuts = 0;
    for (let i = 0; i < 2; i++) {
      for (let s = 0; s < T - 1; s++) {
        const r = i * T + s;
        const same = [0, 1, 2].every((j) => next[r * 3 + j] === obs[(r + 1) * 3 + j]);
        if (s === 2) {
          cuts++;
          assert.ok(!same, `row ${r}: an ended episode's newObs is its final observation, not the next episode's first`);
          assert.ok(Math.abs(next[r * 3]! ** 2 + next[r * 3 + 1]! ** 2 - 1) < 1e-5, 'a Pendulum observation');
        } else {
          assert.ok(same, `row ${r}: newObs is the next row's obs`);
        }
      }
    }
    assert.equal(cuts, 2, 'the 3-step limit cut one episode per copy inside the fragment');
  });

  test('a learner trains SAC on the fragment, updates its targets and hands the actor weights to a worker', async () => {
    const w = worker(2);
    const learner = worker(0, 'learner');
    const batch = await w.sample();
    const before = await learner.getWeights();
    const result = await learner.learnOnBatch(batch, { numSgdIter: 1, sgdMinibatchSize: 0 });
    for (const key of ['critic_loss', 'actor_loss', 'alpha_value', 'mean_q']) assert.ok(Number.isFinite(result.stats[key]), `${key} reported`);
    assert.equal(result.weights.length, before.length, 'weights are the actor only');
    assert.ok(result.weights.some((x, i) => x.some((v, j) => v !== before[i]![j])), 'the actor moved');
    const s0 = await learner.getState();
    await learner.updateTargetNetwork();
    const s1 = await learner.getState();
    const nActor = before.length;
    const targetStart = nActor + 2 * 4; // actor, two critics (2 layers = 4 arrays each), then targets
    assert.ok(s1.policy.weights[targetStart]!.some((v, j) => v !== s0.policy.weights[targetStart]![j]), 'the target critic moved');
    await w.setWeights(result.weights);
    assert.deepEqual(await w.getWeights(), result.weights);
  });
});
