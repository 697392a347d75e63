/**
 * SAC, DDPG and TD3 as algorithms: RLlib 1.8's defaults (spec §4.2), config errors that name the key,
 * the policy configs built from a config, and the compiled plans (DQN's shape: store and train under a
 * round-robin `concurrently`, target updates on the learner, priorities only with prioritized replay).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ddpg, sac, td3 } from '../../src/algorithms/index.js';
import { ddpgPolicyConfig } from '../../src/algorithms/ddpg.js';
import { sacPolicyConfig } from '../../src/algorithms/sac.js';
import { compile } from '../../src/dsl/compile.js';
import { PlanError } from '../../src/ir/errors.js';
import { dumpGraph } from '../../src/ir/dump.js';

describe('SAC, DDPG and TD3 configs', () => {
  test("SAC's defaults are RLlib 1.8's", () => {
    const c = sac.config({});
    assert.deepEqual([c.actorHidden, c.criticHidden, c.activation, c.twinQ, c.tau, c.initialAlpha, c.targetEntropy], [[256, 256], [256, 256], 'relu', true, 5e-3, 1, 'auto']);
    assert.deepEqual([c.nStep, c.timestepsPerIteration, c.bufferSize, c.prioritizedReplay, c.learningStarts], [1, 100, 1_000_000, false, 1500]);
    assert.deepEqual([c.actorLr, c.criticLr, c.entropyLr, c.rolloutFragmentLength, c.trainBatchSize, c.targetNetworkUpdateFreq], [3e-4, 3e-4, 3e-4, 1, 256, 0]);
    assert.deepEqual(sacPolicyConfig(c), { kind: 'sac', actorHidden: [256, 256], criticHidden: [256, 256], activation: 'relu', actorLr: 3e-4, criticLr: 3e-4, entropyLr: 3e-4, gamma: 0.99, nStep: 1, tau: 5e-3, twinQ: true, initialAlpha: 1, targetEntropy: 'auto' });
  });

  test("DDPG's and TD3's defaults are RLlib 1.8's", () => {
    const d = ddpg.config({});
    assert.deepEqual([d.actorHidden, d.twinQ, d.policyDelay, d.smoothTargetPolicy, d.exploration, d.randomTimesteps, d.ouBaseScale, d.ouTheta, d.ouSigma], [[400, 300], false, 1, false, 'ou', 1000, 0.1, 0.15, 0.2]);
    assert.deepEqual([d.finalScale, d.scaleTimesteps, d.bufferSize, d.prioritizedReplay, d.learningStarts, d.tau, d.l2Reg, d.useHuber, d.trainBatchSize], [0.02, 10_000, 50_000, true, 1500, 0.002, 1e-6, false, 256]);
    const t = td3.config({});
    assert.deepEqual([t.twinQ, t.policyDelay, t.smoothTargetPolicy, t.targetNoise, t.targetNoiseClip, t.exploration, t.gaussianStddev, t.randomTimesteps], [true, 2, true, 0.2, 0.5, 'gaussian', 0.1, 10_000]);
    assert.deepEqual([t.learningStarts, t.tau, t.trainBatchSize, t.l2Reg, t.bufferSize, t.prioritizedReplay, t.finalScale], [10_000, 5e-3, 100, 0, 1_000_000, false, 1]);
    const p = ddpgPolicyConfig(t);
    assert.deepEqual(p.exploration, { type: 'gaussian', stddev: 0.1, randomTimesteps: 10_000, initialScale: 1, finalScale: 1, scaleTimesteps: 10_000 });
    assert.equal(ddpgPolicyConfig(d).exploration.type, 'ou');
  });

  test('bad keys are errors that name them', () => {
    assert.throws(() => sac.config({ tau: 2 }), (e: Error) => e instanceof PlanError && /'tau'/.test(e.message));
    assert.throws(() => sac.config({ hidden: [64] }), (e: Error) => e instanceof PlanError && /unknown key\(s\) 'hidden'/.test(e.message));
    assert.throws(() => td3.config({ exploration: 'pink' }), (e: Error) => e instanceof PlanError && /'exploration'/.test(e.message));
  });
});

describe('SAC, DDPG and TD3 plans', () => {
  for (const [algo, prioritized] of [[sac, false], [ddpg, true], [td3, false]] as const) {
    test(`${algo.name}: store and train under round-robin concurrently; target updates; priorities ${prioritized ? 'updated' : 'not touched'}`, async () => {
      const plan = await compile(algo.plan(algo.config({ env: 'Pendulum-v1' }) as never), { name: algo.name });
      const dump = dumpGraph(plan.graph, { sources: false });
      for (const part of ['forEach(storeLocal)', 'replay-replay', 'learner.learnOnBatch', 'workers.setWeights', 'forEach(targetUpdater)', 'concurrently(roundRobin)']) assert.ok(dump.includes(part), `${algo.name}: ${part} in\n${dump}`);
      assert.equal(dump.includes('updateLocalPriorities'), prioritized);
      assert.ok(dump.includes(`args[0].policy.kind = "${algo.name === 'sac' ? 'sac' : 'ddpg'}"`), 'the workers host the right policy');
    });
  }
});
