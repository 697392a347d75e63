/**
 * The rollout worker actor, instantiated directly with a hand-made ActorContext (as the local backend
 * builds it): fragment layout, bootstrapping on truncation and at the fragment's cut, episode metrics,
 * weights, learning calls, the learner's refusal to sample, filter state and determinism.
 *
 * A tiny registered env (below) makes every number checkable: a 2-d observation [0.1·t, episode tag],
 * reward 1 + action, a 3-step time limit from the registry, optional termination after `terminateAt`.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ActorContext } from '../../src/ir/contract.js';
import { SB, type SampleBatch } from '../../src/rl/data/index.js';
import { box, discrete, registerEnv, type Action, type Env, type ResetResult, type StepResult } from '../../src/rl/envs/index.js';
import { createActorCriticPolicy } from '../../src/rl/policy/index.js';
import type { LossConfig, PolicyConfig } from '../../src/rl/policy/types.js';
import { RolloutWorker, type RolloutWorkerImpl } from '../../src/rl/rollout-worker.js';
import type { RolloutWorkerConfig } from '../../src/rl/worker-api.js';
import { createRng, deriveSeed } from '../../src/rng/index.js';

const ENV = 'RlflowTestTicker-v0';
const LIMIT = 3;

/** Observation [0.1·t, tag]: `tag` is drawn from the env's seeded RNG at each reset. */
class TickerEnv implements Env {
  readonly id = ENV;
  readonly observationSpace = box(-10, 10, [2]);
  readonly actionSpace = discrete(2);
  private t = 0;
  private tag = 0;
  private random = createRng(0);

  constructor(private readonly terminateAt: number) {}

  reset(options?: { readonly seed?: number }): ResetResult {
    if (options?.seed !== undefined) this.random = createRng(options.seed);
    this.t = 0;
    this.tag = this.random();
    return { observation: Float32Array.of(0, this.tag), info: {} };
  }

  step(action: Action): StepResult {
    this.t++;
    return { observation: Float32Array.of(0.1 * this.t, this.tag), reward: 1 + (action as number), terminated: this.t >= this.terminateAt, truncated: false, info: {} };
  }
}
registerEnv(ENV, (config) => new TickerEnv(typeof config['terminateAt'] === 'number' ? config['terminateAt'] : Number.POSITIVE_INFINITY), { maxEpisodeSteps: LIMIT });

function context(index: number, rootSeed = 7, group = 'workers'): ActorContext {
  const seed = deriveSeed(rootSeed, group, index);
  return { group, index, ref: { group, index }, seed, rootSeed, device: 'cpu', vectorBatch: undefined, random: createRng(seed), now: () => 0, delay: async () => undefined };
}

const A2C: LossConfig = { kind: 'a2c', vfLossCoeff: 0.5, entropyCoeff: 0.01 };

function config(overrides: Partial<RolloutWorkerConfig> = {}, loss: LossConfig = A2C): RolloutWorkerConfig {
  const policy: PolicyConfig = { hidden: [8], activation: 'tanh', vfShareLayers: false, lr: 0.01, gradClip: undefined, loss };
  return {
    env: ENV,
    envConfig: {},
    numEnvs: 2,
    rolloutFragmentLength: 5,
    gamma: 0.9,
    lambda: 0.8,
    useGae: true,
    useCritic: loss.kind !== 'pg',
    policy,
    observationFilter: 'NoFilter',
    explore: true,
    ...overrides,
  };
}

function worker(cfg: RolloutWorkerConfig = config(), index = 0, rootSeed = 7, group = 'workers'): RolloutWorkerImpl {
  return new RolloutWorker.ctor(context(index, rootSeed, group), cfg);
}

const col = (b: SampleBatch, name: string): number[] => Array.from(b.columns[name] ?? []);
/** Column `name` of a width-`w` column, value `j` of each row. */
const part = (b: SampleBatch, name: string, w: number, j: number): number[] => col(b, name).filter((_, i) => i % w === j);

function close(a: number, b: number, what: string, tol = 1e-5): void {
  assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${what}: ${a} ≈ ${b}`);
}

function closeArrays(a: readonly Float32Array[], b: readonly Float32Array[], what: string, tol = 1e-6): void {
  assert.equal(a.length, b.length, `${what}: array count`);
  a.forEach((x, i) => {
    assert.equal(x.length, b[i]!.length, `${what}[${i}]: length`);
    x.forEach((v, j) => close(v, b[i]![j]!, `${what}[${i}][${j}]`, tol));
  });
}

function maxDiff(a: readonly Float32Array[], b: readonly Float32Array[]): number {
  let d = 0;
  a.forEach((x, i) => x.forEach((v, j) => (d = Math.max(d, Math.abs(v - b[i]![j]!)))));
  return d;
}

describe('RolloutWorker.sample', () => {
  test('count = numEnvs × fragment; the columns, their types and widths', async () => {
    const b = await worker().sample();
    assert.equal(b.count, 10);
    const types: Record<string, string> = {
      [SB.OBS]: 'Float32Array',
      [SB.ACTIONS]: 'Int32Array',
      [SB.REWARDS]: 'Float32Array',
      [SB.TERMINATEDS]: 'Uint8Array',
      [SB.TRUNCATEDS]: 'Uint8Array',
      [SB.ACTION_LOGP]: 'Float32Array',
      [SB.ACTION_DIST_INPUTS]: 'Float32Array',
      [SB.VF_PREDS]: 'Float32Array',
      [SB.EPS_ID]: 'Int32Array',
      [SB.ENV_ID]: 'Int32Array',
      [SB.T]: 'Int32Array',
      [SB.BOOTSTRAP_VALUE]: 'Float32Array',
      [SB.ADVANTAGES]: 'Float32Array',
      [SB.VALUE_TARGETS]: 'Float32Array',
    };
    assert.deepEqual(Object.keys(b.columns).sort(), Object.keys(types).sort());
    for (const [name, type] of Object.entries(types)) assert.equal(b.columns[name]!.constructor.name, type, name);
    assert.deepEqual(b.widths, { [SB.OBS]: 2, [SB.ACTION_DIST_INPUTS]: 2 });
    for (const a of col(b, SB.ACTIONS)) assert.ok(a === 0 || a === 1);
    for (const lp of col(b, SB.ACTION_LOGP)) assert.ok(lp < 0 && lp > -5, `log-prob ${lp}`);
  });

  test('rows are env-major, each env copy in time order; epsId changes at episode ends', async () => {
    const b = await worker(config(), 1).sample();
    assert.deepEqual(col(b, SB.ENV_ID), [10000, 10000, 10000, 10000, 10000, 10001, 10001, 10001, 10001, 10001], 'env ids: worker·10⁴ + copy');
    // 3-step time limit, 5 steps per copy: episode of t = 0, 1, 2 (truncated), then t = 0, 1 (cut).
    assert.deepEqual(col(b, SB.T), [0, 1, 2, 0, 1, 0, 1, 2, 0, 1]);
    part(b, SB.OBS, 2, 0).forEach((x, i) => close(x, 0.1 * col(b, SB.T)[i]!, `obs[${i}] = 0.1·t`));
    assert.deepEqual(col(b, SB.TRUNCATEDS), [0, 0, 1, 0, 0, 0, 0, 1, 0, 0]);
    assert.deepEqual(col(b, SB.TERMINATEDS), Array(10).fill(0));
    // Ids are worker·10⁶ + k: copies 0 and 1 start episodes 0 and 1; their next ones are 2 and 3.
    assert.deepEqual(col(b, SB.EPS_ID), [1e6, 1e6, 1e6, 1e6 + 2, 1e6 + 2, 1e6 + 1, 1e6 + 1, 1e6 + 1, 1e6 + 3, 1e6 + 3]);
    // The episode tag (drawn at reset) is constant within an episode and differs between episodes.
    const tags = part(b, SB.OBS, 2, 1);
    for (const [from, to] of [[0, 3], [3, 5], [5, 8], [8, 10]] as const) assert.equal(new Set(tags.slice(from, to)).size, 1, `rows ${from}..${to - 1} share a tag`);
    assert.equal(new Set([tags[0], tags[3], tags[5], tags[8]]).size, 4);
    // Rewards: 1 + action.
    assert.deepEqual(col(b, SB.REWARDS), col(b, SB.ACTIONS).map((a) => 1 + a));
  });

  test('bootstrapValue is set exactly on the truncated rows, V(final obs), and the cut rows, V(next obs)', async () => {
    const cfg = config();
    const b = await worker(cfg).sample();
    const boot = col(b, SB.BOOTSTRAP_VALUE);
    boot.forEach((v, i) => ([2, 4, 7, 9].includes(i) ? assert.notEqual(v, 0, `row ${i} bootstraps`) : assert.equal(v, 0, `row ${i} has no bootstrap value`)));
    // An independent policy from the same seed holds the same weights: recompute the values.
    const policy = await createActorCriticPolicy(box(-10, 10, [2]), discrete(2), cfg.policy as PolicyConfig, deriveSeed(7, 'policy'));
    try {
      const tags = part(b, SB.OBS, 2, 1);
      const v = (t: number, tag: number): number => policy.value(Float32Array.of(0.1 * t, tag), 1)[0]!;
      close(boot[2]!, v(3, tags[2]!), 'truncated row 2: value of the final observation (t = 3)');
      close(boot[7]!, v(3, tags[7]!), 'truncated row 7');
      close(boot[4]!, v(2, tags[4]!), 'cut row 4: value of the next observation (t = 2)');
      close(boot[9]!, v(2, tags[9]!), 'cut row 9');
      // The value predictions are the same network's.
      close(col(b, SB.VF_PREDS)[1]!, v(1, tags[1]!), 'vfPreds row 1');
    } finally {
      policy.dispose();
    }
  });

  test('terminated rows bootstrap nothing, also when the time limit hits at the same step', async () => {
    const early = await worker(config({ envConfig: { terminateAt: 2 } })).sample();
    // Episodes t = 0, 1 (terminated), t = 0, 1 (terminated), t = 0 (cut).
    assert.deepEqual(col(early, SB.T).slice(0, 5), [0, 1, 0, 1, 0]);
    assert.deepEqual(col(early, SB.TERMINATEDS).slice(0, 5), [0, 1, 0, 1, 0]);
    assert.deepEqual(col(early, SB.TRUNCATEDS).slice(0, 5), [0, 0, 0, 0, 0]);
    assert.deepEqual(col(early, SB.BOOTSTRAP_VALUE).map((v) => v !== 0), [false, false, false, false, true, false, false, false, false, true]);

    const both = await worker(config({ envConfig: { terminateAt: LIMIT } })).sample();
    assert.deepEqual(col(both, SB.TERMINATEDS).slice(0, 5), [0, 0, 1, 0, 0]);
    assert.deepEqual(col(both, SB.TRUNCATEDS).slice(0, 5), [0, 0, 1, 0, 0], 'the time limit also flags the step');
    assert.deepEqual(col(both, SB.BOOTSTRAP_VALUE).map((v) => v !== 0), [false, false, false, false, true, false, false, false, false, true]);
  });

  test('advantages and value targets: GAE per segment, bootstrapped from bootstrapValue', async () => {
    const cfg = config();
    const b = await worker(cfg).sample();
    const [r, v, boot, adv, vt] = [SB.REWARDS, SB.VF_PREDS, SB.BOOTSTRAP_VALUE, SB.ADVANTAGES, SB.VALUE_TARGETS].map((c) => col(b, c)) as number[][];
    const { gamma, lambda } = cfg;
    for (let i = 0; i < 10; i++) close(vt![i]!, adv![i]! + v![i]!, `valueTargets[${i}] = advantages + vfPreds`);
    // Row 4 ends a segment cut by the fragment: A = r + γ·boot − V.
    const a4 = r![4]! + gamma * boot![4]! - v![4]!;
    close(adv![4]!, a4, 'advantage of the cut row');
    // Row 3 continues into row 4: A = δ₃ + γλ·A₄.
    close(adv![3]!, r![3]! + gamma * v![4]! - v![3]! + gamma * lambda * a4, 'advantage of row 3');
    // Row 2 is truncated: A = r + γ·V(final) − V.
    close(adv![2]!, r![2]! + gamma * boot![2]! - v![2]!, 'advantage of the truncated row');
  });

  test('PG (no critic): discounted returns, never bootstrapped', async () => {
    const cfg = config({ useGae: false, useCritic: false }, { kind: 'pg' });
    const b = await worker(cfg).sample();
    assert.deepEqual(col(b, SB.VF_PREDS), Array(10).fill(0));
    assert.deepEqual(col(b, SB.BOOTSTRAP_VALUE), Array(10).fill(0));
    const r = col(b, SB.REWARDS);
    const adv = col(b, SB.ADVANTAGES);
    close(adv[2]!, r[2]!, 'the truncated row returns its reward');
    close(adv[0]!, r[0]! + 0.9 * r[1]! + 0.81 * r[2]!, 'a 3-step discounted return');
    close(adv[4]!, r[4]!, 'the cut row returns its reward');
  });

  test('continuous actions (Pendulum-v1): action and distribution-input widths', async () => {
    const b = await worker(config({ env: 'Pendulum-v1', numEnvs: 2, rolloutFragmentLength: 3 })).sample();
    assert.equal(b.count, 6);
    assert.equal(b.columns[SB.ACTIONS]!.constructor.name, 'Float32Array');
    assert.deepEqual(b.widths, { [SB.OBS]: 3, [SB.ACTIONS]: 1, [SB.ACTION_DIST_INPUTS]: 2 });
  });

  test('a learner (numEnvs 0) refuses to sample, with a clear error', async () => {
    const learner = worker(config({ numEnvs: 0 }), 0, 7, 'learner');
    await assert.rejects(learner.sample(), /learner\[0\] has no environments \(numEnvs 0\): it is a learner and cannot sample/);
    // It still knows the spaces and has weights.
    assert.ok((await learner.getWeights()).length > 0);
  });

  test('determinism: the same seeds give identical fragments; another worker index does not', async () => {
    const [a, b, c] = [worker(), worker(), worker(config(), 1)];
    for (let k = 0; k < 2; k++) {
      const [x, y, z] = await Promise.all([a.sample(), b.sample(), c.sample()]);
      for (const name of Object.keys(x.columns)) assert.deepEqual(col(x, name), col(y, name), `fragment ${k}, column ${name}`);
      assert.notDeepEqual(col(x, SB.OBS), col(z, SB.OBS));
    }
  });
});

describe('RolloutWorker episodes', () => {
  test('getMetrics drains the episodes finished so far, with their rewards and lengths', async () => {
    const w = worker();
    assert.deepEqual(w.getMetrics(), []);
    const b1 = await w.sample();
    const r1 = col(b1, SB.REWARDS);
    const sum = (xs: number[]): number => xs.reduce((s, x) => s + x, 0);
    // Episodes finish in step order: copy 0's and copy 1's first episodes, both at their 3rd step.
    assert.deepEqual(w.getMetrics(), [
      { reward: sum(r1.slice(0, 3)), length: 3 },
      { reward: sum(r1.slice(5, 8)), length: 3 },
    ]);
    assert.deepEqual(w.getMetrics(), [], 'drained');
    // The next fragment continues the running episodes: t goes on, the episode id stays.
    const b2 = await w.sample();
    assert.deepEqual(col(b2, SB.T), [2, 0, 1, 2, 0, 2, 0, 1, 2, 0]);
    assert.equal(col(b2, SB.EPS_ID)[0], col(b1, SB.EPS_ID)[4]);
    assert.equal(col(b2, SB.EPS_ID)[5], col(b1, SB.EPS_ID)[9]);
    const r2 = col(b2, SB.REWARDS);
    assert.deepEqual(w.getMetrics(), [
      { reward: sum(r1.slice(3, 5)) + r2[0]!, length: 3 },
      { reward: sum(r1.slice(8, 10)) + r2[5]!, length: 3 },
      { reward: sum(r2.slice(1, 4)), length: 3 },
      { reward: sum(r2.slice(6, 9)), length: 3 },
    ]);
  });
});

describe('RolloutWorker weights and learning', () => {
  test('workers and the learner built from one root seed start with identical weights', async () => {
    const [w0, w1, learner, other] = [worker(config(), 0), worker(config(), 1), worker(config({ numEnvs: 0 }), 0, 7, 'learner'), worker(config(), 0, 8)];
    const weights = await w0.getWeights();
    assert.deepEqual(await w1.getWeights(), weights);
    assert.deepEqual(await learner.getWeights(), weights);
    assert.notDeepEqual(await other.getWeights(), weights, 'another root seed, other weights');
  });

  test('setWeights / getWeights round trip; global vars are kept', async () => {
    const w = worker();
    const changed = (await w.getWeights()).map((a) => a.map((x, i) => x + 0.001 * (i + 1)));
    await w.setWeights(changed, { timestep: 1234 });
    assert.deepEqual(await w.getWeights(), changed);
    assert.deepEqual((await w.getState()).globalVars, { timestep: 1234 });
    await assert.rejects(Promise.resolve().then(() => w.setWeights(changed.slice(1))), /setWeights needs/);
  });

  test('learnOnBatch returns stats, the new weights and the count (single step and minibatch SGD)', async () => {
    const batch = await worker().sample();
    const learner = worker(config({ numEnvs: 0 }), 0, 7, 'learner');
    const before = await learner.getWeights();
    const one = await learner.learnOnBatch(batch, { numSgdIter: 1, sgdMinibatchSize: 0 });
    assert.equal(one.count, 10);
    for (const key of ['total_loss', 'policy_loss', 'vf_loss', 'entropy', 'cur_lr']) assert.ok(Number.isFinite(one.stats[key]), `stat ${key}`);
    assert.ok(maxDiff(one.weights, before) > 0, 'the weights changed');
    assert.deepEqual(one.weights, await learner.getWeights(), 'the returned weights are the learner’s');
    const sgd = await learner.learnOnBatch(batch, { numSgdIter: 2, sgdMinibatchSize: 4 });
    assert.equal(sgd.count, 10);
    assert.ok(maxDiff(sgd.weights, one.weights) > 0);
  });

  for (const loss of [{ kind: 'pg' } as const, A2C]) {
    test(`computeGradients + applyGradients = learnOnBatch (${loss.kind} loss)`, async () => {
      const cfg = config({ numEnvs: 0, useGae: loss.kind !== 'pg', useCritic: loss.kind !== 'pg' }, loss);
      const batch = await worker(config({ useGae: loss.kind !== 'pg', useCritic: loss.kind !== 'pg' }, loss)).sample();
      const [a, b] = [worker(cfg, 0, 7, 'learner'), worker(cfg, 0, 7, 'learner')];
      const initial = await a.getWeights();
      const learned = await a.learnOnBatch(batch, { numSgdIter: 1, sgdMinibatchSize: 0 });
      const g = await b.computeGradients(batch);
      assert.equal(g.count, 10);
      assert.deepEqual(g.grads.map((x) => x.length), initial.map((x) => x.length), 'one gradient per weight array');
      assert.ok(Number.isFinite(g.stats['total_loss']));
      assert.deepEqual(await b.getWeights(), initial, 'computing gradients changes nothing');
      const applied = await b.applyGradients(g.grads);
      assert.ok(maxDiff(applied, initial) > 0, 'applying them does');
      closeArrays(applied, learned.weights, 'applyGradients(computeGradients(b)) vs learnOnBatch(b)');
      assert.deepEqual(applied, await b.getWeights());
    });
  }

  test('updateKl adapts the PPO coefficient', async () => {
    const ppo: LossConfig = { kind: 'ppo', clipParam: 0.3, vfClipParam: 10, vfLossCoeff: 1, entropyCoeff: 0, klCoeff: 0.2, klTarget: 0.01 };
    const learner = worker(config({ numEnvs: 0 }, ppo), 0, 7, 'learner');
    close(await learner.updateKl(0.05), 0.3, 'kl > 2·target: ×1.5');
    close(await learner.updateKl(0.001), 0.15, 'kl < target/2: ×0.5');
    close(await learner.updateKl(0.01), 0.15, 'near the target: unchanged');
  });
});

describe('RolloutWorker state', () => {
  test('getState/setState carry the policy, the MeanStdFilter and the global vars', async () => {
    const cfg = config({ observationFilter: 'MeanStdFilter' });
    const w = worker(cfg);
    const b = await w.sample();
    const state = await w.getState();
    assert.ok(state.filter && state.filter.kind === 'MeanStdFilter');
    assert.equal(state.filter.dim, 2);
    // Initial observations of both copies, then both copies' observation after each of the 5 steps.
    assert.equal(state.filter.rs.n, 2 + 2 * 5);
    // The batch holds filtered observations: no longer 0.1·t.
    assert.notDeepEqual(part(b, SB.OBS, 2, 0).map((x) => Math.round(x * 10)), col(b, SB.T));

    const restored = worker(cfg, 1);
    await restored.setState(structuredClone({ ...state, globalVars: { timestep: 99 } }));
    const again = await restored.getState();
    assert.deepEqual(again.filter, state.filter);
    assert.deepEqual(again.policy.weights, state.policy.weights);
    assert.deepEqual(again.globalVars, { timestep: 99 });

    const plain = await worker().getState();
    assert.equal(plain.filter?.kind, 'NoFilter');
  });

  test('the filter state survives a round trip into a worker that has sampled', async () => {
    const cfg = config({ observationFilter: 'MeanStdFilter' });
    const [a, b] = [worker(cfg, 0), worker(cfg, 1)];
    await a.sample();
    await b.sample();
    const state = await a.getState();
    await b.setState(state);
    assert.deepEqual((await b.getState()).filter, state.filter);
  });
});
