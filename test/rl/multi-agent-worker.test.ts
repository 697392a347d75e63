/**
 * The multi-agent rollout worker, instantiated directly with a hand-made ActorContext: per-policy rows
 * of agents that join and leave (the Relay env: every number checkable), env steps vs agent steps,
 * bootstrapping at an agent's truncation and at the fragment's cut, per-policy episode rewards, the
 * policy-mapping function loaded from its module, policiesToTrain, per-policy weights and state.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ActorContext } from '../../src/ir/contract.js';
import { agentSteps, SB, type MultiAgentBatch, type SampleBatch } from '../../src/rl/data/index.js';
import { box, discrete } from '../../src/rl/envs/index.js';
import type { MultiAgentWorkerConfig, PolicySpec } from '../../src/rl/multi-agent-api.js';
import { MultiAgentRolloutWorker, type MultiAgentRolloutWorkerImpl } from '../../src/rl/multi-agent-worker.js';
import { policyMapping } from '../../src/rl/policy-mapping.js';
import { createActorCriticPolicy } from '../../src/rl/policy/index.js';
import type { PolicyConfig } from '../../src/rl/policy/types.js';
import { createRng, deriveSeed } from '../../src/rng/index.js';
import { relay } from '../fixtures/multi-agent-envs.js';

const MAPPINGS = new URL('../fixtures/multi-agent-envs.ts', import.meta.url).href;

function context(index: number, rootSeed = 7, group = 'workers'): ActorContext {
  const seed = deriveSeed(rootSeed, group, index);
  return { group, index, ref: { group, index }, seed, rootSeed, device: 'cpu', vectorBatch: undefined, random: createRng(seed), now: () => 0, delay: async () => undefined };
}

const A2C: PolicyConfig = { hidden: [8], activation: 'tanh', vfShareLayers: false, lr: 0.01, gradClip: undefined, loss: { kind: 'a2c', vfLossCoeff: 0.5, entropyCoeff: 0 } };

function spec(): PolicySpec {
  return {
    config: A2C,
    gamma: 0.9,
    lambda: 1,
    useGae: true,
    useCritic: true,
  };
}

function config(overrides: Partial<MultiAgentWorkerConfig> = {}): MultiAgentWorkerConfig {
  return {
    env: relay.id,
    envModule: relay.module!,
    envConfig: {},
    numEnvs: 1,
    rolloutFragmentLength: 5,
    policies: { even: spec(), odd: spec() },
    policyMapping: { module: MAPPINGS, name: 'byParity', args: ['even', 'odd'] },
    explore: true,
    ...overrides,
  };
}

function worker(cfg: MultiAgentWorkerConfig = config(), index = 0): MultiAgentRolloutWorkerImpl {
  return new MultiAgentRolloutWorker.ctor(context(index), cfg);
}

const col = (b: SampleBatch, name: string): number[] => Array.from(b.columns[name] ?? []);
const close = (a: number, b: number, what: string): void => assert.ok(Math.abs(a - b) <= 1e-5, `${what}: ${a} ≈ ${b}`);

/** V(obs) of policy `id` as every worker starts it (same seed per policy id). */
async function valueOf(id: string, obs: number[]): Promise<number> {
  const p = await createActorCriticPolicy(box(0, 10, [2]), discrete(2), A2C, deriveSeed(7, 'policy', id));
  return p.value(Float32Array.from(obs), 1)[0]!;
}

describe('MultiAgentRolloutWorker.sample', () => {
  test('one batch per policy; count is env steps, agent steps are the rows', async () => {
    const b: MultiAgentBatch = await worker().sample();
    assert.equal(b.kind, 'multi-agent');
    assert.equal(b.count, 5, 'one Relay episode: 5 env steps');
    assert.deepEqual(Object.keys(b.policyBatches).sort(), ['even', 'odd']);
    assert.equal(b.policyBatches.even!.count, 3, 'runner_0 acts at t = 0, 1, 2 and leaves');
    assert.equal(b.policyBatches.odd!.count, 3, 'runner_1 joins at t = 2 and acts until the end');
    assert.equal(agentSteps(b), 6);
  });

  test('rows of agents that join and leave: observations, t, rewards, flags, bootstrap', async () => {
    const b = await worker().sample();
    const even = b.policyBatches.even!;
    const odd = b.policyBatches.odd!;
    assert.deepEqual(col(even, SB.OBS).map((x) => Math.round(x * 10) / 10), [0, 0, 0.1, 0, 0.2, 0]);
    assert.deepEqual(col(odd, SB.OBS).map((x) => Math.round(x * 10) / 10), [0.2, 1, 0.3, 1, 0.4, 1]);
    assert.deepEqual(col(even, SB.T), [0, 1, 2]);
    assert.deepEqual(col(odd, SB.T), [0, 1, 2]);
    for (const pb of [even, odd]) col(pb, SB.REWARDS).forEach((r, i) => assert.equal(r, 1 + col(pb, SB.ACTIONS)[i]!, 'reward = 1 + action'));
    assert.deepEqual(col(even, SB.TERMINATEDS), [0, 0, 1], 'runner_0 leaves terminated');
    assert.deepEqual(col(odd, SB.TRUNCATEDS), [0, 0, 1], 'runner_1 is cut at the time limit');
    assert.deepEqual(col(even, SB.BOOTSTRAP_VALUE), [0, 0, 0]);
    close(col(odd, SB.BOOTSTRAP_VALUE)[2]!, await valueOf('odd', [0.5, 1]), 'truncation bootstraps from V(final observation)');
    assert.notEqual(col(even, SB.ENV_ID)[0], col(odd, SB.ENV_ID)[0], 'agents are separate trajectories');
    assert.ok(col(even, SB.ADVANTAGES).length === 3 && col(odd, SB.VALUE_TARGETS).length === 3, 'postprocessed per policy');
  });

  test('a fragment cut mid-episode bootstraps each running agent from V(next observation)', async () => {
    const w = worker(config({ rolloutFragmentLength: 4 }));
    const b = await w.sample();
    assert.equal(b.count, 4);
    const odd = b.policyBatches.odd!;
    assert.equal(odd.count, 2);
    assert.deepEqual(col(odd, SB.TRUNCATEDS), [0, 0]);
    close(col(odd, SB.BOOTSTRAP_VALUE)[1]!, await valueOf('odd', [0.4, 1]), 'cut bootstraps from V(next observation)');
    // The episode continues in the next fragment: its step 5 ends it.
    const next = await w.sample();
    assert.deepEqual(col(next.policyBatches.odd!, SB.T).slice(0, 1), [2]);
    assert.equal(col(next.policyBatches.odd!, SB.TRUNCATEDS)[0], 1);
  });

  test('episode metrics: the summed return, the length, and each agent return under its policy', async () => {
    const w = worker(config({ rolloutFragmentLength: 10 }));
    const b = await w.sample();
    const metrics = w.getMetrics();
    assert.equal(metrics.length, 2);
    const evenRewards = col(b.policyBatches.even!, SB.REWARDS);
    const oddRewards = col(b.policyBatches.odd!, SB.REWARDS);
    const sum = (xs: number[]): number => xs.reduce((a, c) => a + c, 0);
    assert.deepEqual(metrics[0], { reward: sum(evenRewards.slice(0, 3)) + sum(oddRewards.slice(0, 3)), length: 5, policyRewards: { even: [sum(evenRewards.slice(0, 3))], odd: [sum(oddRewards.slice(0, 3))] } });
    assert.deepEqual(w.getMetrics(), [], 'drained');
  });

  test('a shared policy takes every agent; built-in mappings load from their module', async () => {
    const b = await worker(config({ policies: { shared: spec() }, policyMapping: policyMapping('sharedPolicy', 'shared') })).sample();
    assert.deepEqual(Object.keys(b.policyBatches), ['shared']);
    assert.equal(b.policyBatches.shared!.count, 6);
    const byIndex = await worker(config({ policyMapping: policyMapping('byAgentIndex', ['odd', 'even']) })).sample();
    assert.deepEqual(col(byIndex.policyBatches.odd!, SB.OBS).filter((_, i) => i % 2 === 1), [0, 0, 0], 'agent 0 → first id');
  });

  test('mapping to an unknown policy, or a missing mapping export, is a clear error', async () => {
    await assert.rejects(worker(config({ policyMapping: { module: MAPPINGS, name: 'allShared' } })).sample(), /returned 'shared' for agent 'runner_0', which is not in the policy map \(even, odd\)/);
    await assert.rejects(worker(config({ policyMapping: { module: MAPPINGS, name: 'nope' } })).sample(), /has no exported function 'nope'/);
    assert.throws(() => worker(config({ policiesToTrain: ['ghost'] })), /policiesToTrain names 'ghost'/);
  });

  test('same seeds, same batches', async () => {
    const a = await worker().sample();
    const b = await worker().sample();
    assert.deepEqual(a, b);
  });
});

describe('MultiAgentRolloutWorker as learner', () => {
  test('trains only policiesToTrain; weights per policy; the workers adopt only what they are sent', async () => {
    const sampler = worker();
    const batch = await sampler.sample();
    const learner = worker(config({ numEnvs: 0, policiesToTrain: ['even'] }), 0);
    const before = await learner.getWeights();
    const result = await learner.learnOnBatch(batch, { numSgdIter: 2, sgdMinibatchSize: 0 });
    assert.deepEqual(Object.keys(result.stats), ['even']);
    assert.deepEqual(Object.keys(result.weights), ['even']);
    assert.equal(result.count, 5);
    assert.equal(result.agentSteps, 3);
    const after = await learner.getWeights();
    assert.notDeepEqual(after.even, before.even, 'even learned');
    assert.deepEqual(after.odd, before.odd, 'odd is not trained here');
    await sampler.setWeights(result.weights);
    const synced = await sampler.getWeights();
    assert.deepEqual(synced.even, after.even);
    assert.deepEqual(synced.odd, before.odd);
    await assert.rejects(learner.sample(), /it is a learner and cannot sample/);
    await assert.rejects(learner.learnOnBatch(batch.policyBatches.even!, { numSgdIter: 1, sgdMinibatchSize: 0 }), /trains on MultiAgentBatches/);
  });

  test('state per policy: a checkpoint of one policy restores it alone', async () => {
    const learner = worker(config({ numEnvs: 0 }));
    const batch = await worker().sample();
    const saved = await learner.getPolicyState('odd');
    const whole = await learner.getState();
    await learner.learnOnBatch(batch, { numSgdIter: 1, sgdMinibatchSize: 0 });
    const trainedEven = (await learner.getWeights()).even;
    await learner.setPolicyState('odd', saved);
    assert.deepEqual((await learner.getWeights()).odd, saved.weights);
    assert.deepEqual((await learner.getWeights()).even, trainedEven);
    await learner.setState(whole);
    assert.deepEqual((await learner.getWeights()).even, whole.policies.even!.weights);
    await assert.rejects(learner.getPolicyState('ghost'), /unknown policy 'ghost'/);
  });
});
