/**
 * DDPG / TD3 policy, exploration noise and target networks: the Polyak update by hand, OU and Gaussian
 * noise by hand, the TD3 target (twin-Q minimum over a smoothed target action) redone in float64, the
 * closed-form gradients held to TF.js autodiff (squared and Huber loss, L2), and delayed actor updates.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Tensor, Tensor2D, Variable } from '@tensorflow/tfjs';
import { createSampleBatch, type SampleBatch } from '../../../src/rl/data/index.js';
import { DdpgPolicy } from '../../../src/rl/policy/ddpg.js';
import { ExplorationNoise, noiseScale, type NoiseConfig } from '../../../src/rl/policy/exploration-noise.js';
import { createMlp } from '../../../src/rl/policy/mlp.js';
import { cloneLayers, polyakUpdate } from '../../../src/rl/policy/target-network.js';
import { loadTf, type Tf } from '../../../src/rl/policy/tf-backend.js';
import type { DdpgPolicyConfig } from '../../../src/rl/policy/types.js';
import { createRng } from '../../../src/rng/index.js';
import { assertClose, assertNear, box } from './helpers.js';

const GAUSS: NoiseConfig = { type: 'gaussian', stddev: 0.1, randomTimesteps: 0, initialScale: 1, finalScale: 1, scaleTimesteps: 1 };
const TD3: DdpgPolicyConfig = {
  kind: 'ddpg',
  actorHidden: [5],
  criticHidden: [6],
  activation: 'relu',
  actorLr: 1e-3,
  criticLr: 1e-3,
  gamma: 0.9,
  nStep: 1,
  tau: 0.005,
  twinQ: true,
  policyDelay: 2,
  smoothTargetPolicy: true,
  targetNoise: 0.2,
  targetNoiseClip: 0.5,
  l2Reg: 0,
  useHuber: false,
  exploration: GAUSS,
};
const N = 4;
const OBS_DIM = 2;

function batch(seed = 1): SampleBatch {
  const r = createRng(seed);
  const obs = Float32Array.from({ length: N * OBS_DIM }, () => r() * 2 - 1);
  const newObs = Float32Array.from({ length: N * OBS_DIM }, () => r() * 2 - 1);
  return createSampleBatch(
    { obs, newObs, actions: Float32Array.from([0.5, -1, 1.5, 0]), rewards: Float32Array.from([1, -0.5, 0.25, 2]), terminateds: Uint8Array.from([0, 1, 0, 0]), truncateds: new Uint8Array(N) },
    { obs: OBS_DIM, newObs: OBS_DIM },
  );
}

function mlp64(params: readonly Float32Array[], x: readonly number[], outTanh = false): number[] {
  let h = [...x];
  const L = params.length / 2;
  for (let l = 0; l < L; l++) {
    const k = params[2 * l]!, b = params[2 * l + 1]!;
    const next = Array.from(b, Number);
    for (let i = 0; i < h.length; i++) for (let j = 0; j < b.length; j++) next[j]! += h[i]! * k[i * b.length + j]!;
    h = l < L - 1 ? next.map((v) => Math.max(0, v)) : outTanh ? next.map(Math.tanh) : next;
  }
  return h;
}

function forwardTf(tf: Tf, vars: readonly Variable[], x: Tensor, outTanh = false): Tensor2D {
  let h = x;
  for (let l = 0; l < vars.length / 2; l++) {
    h = tf.add(tf.matMul(h as Tensor2D, vars[2 * l] as unknown as Tensor2D), vars[2 * l + 1]!);
    if (l < vars.length / 2 - 1) h = tf.relu(h);
    else if (outTanh) h = tf.tanh(h);
  }
  return h as Tensor2D;
}

describe('target networks', () => {
  test("Polyak: θ' ← τθ + (1 − τ)θ', by hand; τ = 1 copies", async () => {
    const tf = await loadTf();
    const src = createMlp(tf, [2, 1], { activation: 'relu', seed: 1 });
    const tgt = cloneLayers(tf, src);
    src[0]!.kernel.assign(tf.tensor2d([[1], [2]]));
    src[0]!.bias.assign(tf.tensor1d([4]));
    tgt[0]!.kernel.assign(tf.tensor2d([[3], [-2]]));
    tgt[0]!.bias.assign(tf.tensor1d([0]));
    polyakUpdate(tf, tgt, src, 0.25);
    assertClose(tgt[0]!.kernel.dataSync(), [0.25 * 1 + 0.75 * 3, 0.25 * 2 + 0.75 * -2], 1e-6, 'kernel');
    assertClose(tgt[0]!.bias.dataSync(), [1], 1e-6, 'bias');
    polyakUpdate(tf, tgt, src, 1);
    assertClose(tgt[0]!.kernel.dataSync(), [1, 2], 0, 'copied kernel');
    assert.throws(() => polyakUpdate(tf, tgt, src, 0), /tau must be in \(0, 1\]/);
  });
});

describe('exploration noise', () => {
  test('OU: x ← x + θ(−x) + σN, added as scale·base·x·(high − low), clipped; by hand', () => {
    const draws = [0.3, 0.7, 0.1, 0.9];
    let k = 0;
    const random = () => draws[k++ % draws.length]!;
    const ou: NoiseConfig = { type: 'ou', baseScale: 0.1, theta: 0.15, sigma: 0.2, randomTimesteps: 0, initialScale: 1, finalScale: 0.02, scaleTimesteps: 10_000 };
    const noise = new ExplorationNoise(ou, 1, random);
    // The same Box–Muller normals the noise draws.
    const z1 = Math.sqrt(-2 * Math.log(1 - 0.3)) * Math.cos(2 * Math.PI * 0.7);
    const z2 = Math.sqrt(-2 * Math.log(1 - 0.3)) * Math.sin(2 * Math.PI * 0.7);
    const a = Float32Array.from([0.5]);
    noise.apply(a, 1, 0, 0, [-2], [2]);
    const x1 = 0.2 * z1;
    assertNear(a[0], 0.5 + 1 * 0.1 * x1 * 4, 1e-6, 'first OU step');
    const b = Float32Array.from([0.5]);
    noise.apply(b, 1, 0, 5000, [-2], [2]);
    const x2 = x1 - 0.15 * x1 + 0.2 * z2;
    assertNear(b[0], 0.5 + noiseScale(ou, 5000) * 0.1 * x2 * 4, 1e-6, 'second OU step (scale annealed)');
    assertNear(noiseScale(ou, 5000), 0.51, 1e-12, 'scale halfway');
    const c = Float32Array.from([1.99]);
    new ExplorationNoise({ ...GAUSS, stddev: 10 }, 1, () => 0.999).apply(c, 1, 0, 0, [-2], [2]);
    assert.ok(c[0]! >= -2 && c[0]! <= 2, 'clipped to the bounds');
  });

  test('random timesteps: uniform actions over the bounds before randomTimesteps', () => {
    const noise = new ExplorationNoise({ ...GAUSS, randomTimesteps: 100 }, 2, createRng(4));
    const a = new Float32Array(2 * 50);
    noise.apply(a, 50, 0, 99, [-2, 0], [2, 1]);
    let spread = 0;
    for (let i = 0; i < 50; i++) {
      assert.ok(a[2 * i]! >= -2 && a[2 * i]! <= 2 && a[2 * i + 1]! >= 0 && a[2 * i + 1]! <= 1);
      spread = Math.max(spread, Math.abs(a[2 * i]!));
    }
    assert.ok(spread > 1, 'uniform over the whole range');
  });
});

describe('DDPG / TD3 policy', () => {
  test('TD3 target: y = r + γ(1 − done)·min(Q′₁, Q′₂)(s′, clip(μ′(s′) + ε, −1, 1)), redone in float64', async () => {
    const tf = await loadTf();
    const policy = new DdpgPolicy(tf, box(OBS_DIM, 1), box(1, 2), TD3, 3);
    const state = policy.getState();
    const w = state.weights.map((x) => Float32Array.from(x));
    // Layout: actor (4), q1 (4), q2 (4), target q1 (4), target q2 (4), target actor (4).
    w[15] = Float32Array.from([0.5]);
    w[19] = Float32Array.from([-0.3]);
    policy.setState({ ...state, weights: w });
    const b = batch();
    const smoothing = Float32Array.from([0.2, -0.25, 0.1, 2]); // normalized units; the last pushes past the bound
    const y = policy.tdTargets(b, smoothing);
    const tq1 = w.slice(12, 16), tq2 = w.slice(16, 20), ta = w.slice(20, 24);
    const obs = b.columns.newObs!, r = b.columns.rewards!, term = b.columns.terminateds!;
    for (let i = 0; i < N; i++) {
      const s = [obs[2 * i]!, obs[2 * i + 1]!];
      const a = Math.max(-1, Math.min(1, mlp64(ta, s, true)[0]! + smoothing[i]!));
      const q = Math.min(mlp64(tq1, [...s, a])[0]!, mlp64(tq2, [...s, a])[0]!);
      assertNear(y[i], r[i]! + 0.9 * (term[i] ? 0 : 1) * q, 1e-4, `y[${i}]`);
    }
    policy.dispose();
  });

  for (const useHuber of [false, true]) {
    test(`gradients equal TF.js autodiff (${useHuber ? 'Huber' : 'squared'} TD loss, L2 on kernels)`, async () => {
      const tf = await loadTf();
      const policy = new DdpgPolicy(tf, box(OBS_DIM, 1), box(1, 2), { ...TD3, useHuber, l2Reg: 0.01 }, 5);
      const b = batch(2);
      // Large rewards so some TD errors exceed Huber's threshold.
      (b.columns.rewards as Float32Array).set([3, -2, 0.1, 5]);
      const smoothing = new Float32Array(N);
      const mine = policy.gradients(b, smoothing);
      const y = tf.tensor1d(policy.tdTargets(b, smoothing));
      const obs = tf.tensor2d(b.columns.obs as Float32Array, [N, OBS_DIM]);
      const act = tf.tensor2d([0.25, -0.5, 0.75, 0], [N, 1]);
      const critics = policy.criticVariables();
      const q1v = critics.slice(0, 4), q2v = critics.slice(4, 8);
      const l2 = (vars: Variable[]) => tf.addN(vars.filter((_, i) => i % 2 === 0).map((v) => tf.mul(tf.sum(tf.square(v)), 0.01 / 2)));
      const ell = (e: Tensor) => (useHuber ? tf.losses.huberLoss(tf.zerosLike(e), e, undefined, 1, tf.Reduction.NONE) : tf.mul(tf.square(e), 0.5));
      const critic = tf.variableGrads(() => {
        const x = tf.concat([obs, act], 1);
        const e1 = tf.sub(tf.reshape(forwardTf(tf, q1v, x), [N]), y);
        const e2 = tf.sub(tf.reshape(forwardTf(tf, q2v, x), [N]), y);
        return tf.add(tf.add(tf.mean(tf.add(ell(e1), ell(e2))), l2(q1v)), l2(q2v)) as never;
      }, critics);
      critics.forEach((v, i) => assertClose(mine.critic[i]!, critic.grads[v.name]!.dataSync(), 1e-4, `critic grad ${i}`));
      const actorVars = policy.actorVariables();
      const actor = tf.variableGrads(() => {
        const a = forwardTf(tf, actorVars, obs, true);
        return tf.add(tf.neg(tf.mean(forwardTf(tf, q1v, tf.concat([obs, a], 1)))), l2(actorVars)) as never;
      }, actorVars);
      actorVars.forEach((v, i) => assertClose(mine.actor[i]!, actor.grads[v.name]!.dataSync(), 2e-4, `actor grad ${i}`));
      policy.dispose();
    });
  }

  test('TD3 delays the actor: it changes on steps 0, 2, 4 only; the critics change every step', async () => {
    const tf = await loadTf();
    const policy = new DdpgPolicy(tf, box(OBS_DIM, 1), box(1, 2), TD3, 8);
    const b = batch(3);
    let actor = policy.getWeights();
    let critic = policy.criticVariables()[0]!.dataSync().slice();
    for (let step = 0; step < 5; step++) {
      const stats = policy.learnOnBatch(b);
      const nextActor = policy.getWeights();
      const nextCritic = policy.criticVariables()[0]!.dataSync().slice();
      const actorMoved = nextActor.some((wt, i) => wt.some((v, j) => v !== actor[i]![j]));
      assert.equal(actorMoved, step % 2 === 0, `step ${step}: actor moved = ${actorMoved}`);
      assert.equal('actor_loss' in stats, step % 2 === 0);
      assert.ok(nextCritic.some((v, j) => v !== critic[j]), `step ${step}: critic moved`);
      actor = nextActor;
      critic = nextCritic;
    }
    policy.dispose();
  });

  test('actions: μ(s) scaled to the bounds without exploration; noisy and in bounds with it', async () => {
    const tf = await loadTf();
    const policy = new DdpgPolicy(tf, box(OBS_DIM, 1), box(1, 2), TD3, 9);
    const obs = Float32Array.from([0.1, 0.2, -0.3, 0.4]);
    const det = policy.computeActions(obs, 2, { explore: false, random: createRng(1) });
    const w = policy.getWeights();
    for (let i = 0; i < 2; i++) assertNear(det.actions[i], 2 * mlp64(w, [obs[2 * i]!, obs[2 * i + 1]!], true)[0]!, 1e-5, `μ(s${i})`);
    const noisy = policy.computeActions(obs, 2, { explore: true, random: createRng(1) });
    assert.ok(noisy.actions.some((a, i) => Math.abs(a - det.actions[i]!) > 1e-4));
    for (const a of noisy.actions) assert.ok(a >= -2 && a <= 2);
    policy.dispose();
  });
});
