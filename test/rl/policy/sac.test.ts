/**
 * SAC policy: the squashed Gaussian's log-prob by hand, the twin-Q minimum TD target redone in float64
 * from the policy's own weights, the entropy-temperature (α) loss by hand and its direction, and the
 * closed-form gradients of the critic and actor losses held to TF.js autodiff of the same losses written
 * independently here (Box and Discrete). A sign error in the α·log π term or in the α loss fails here.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Tensor, Tensor2D, Variable } from '@tensorflow/tfjs';
import { createSampleBatch, type SampleBatch } from '../../../src/rl/data/index.js';
import { SacPolicy, alphaLoss, autoTargetEntropy } from '../../../src/rl/policy/sac.js';
import { logOneMinusTanhSq, sampleSquashed, squashedLogp } from '../../../src/rl/policy/squashed-gaussian.js';
import { loadTf, type Tf } from '../../../src/rl/policy/tf-backend.js';
import type { SacPolicyConfig } from '../../../src/rl/policy/types.js';
import { createRng } from '../../../src/rng/index.js';
import { assertClose, assertNear, box, discrete } from './helpers.js';

const CONFIG: SacPolicyConfig = {
  kind: 'sac',
  actorHidden: [5],
  criticHidden: [6],
  activation: 'relu',
  actorLr: 3e-4,
  criticLr: 3e-4,
  entropyLr: 3e-4,
  gamma: 0.9,
  nStep: 1,
  tau: 0.005,
  twinQ: true,
  initialAlpha: 0.5,
  targetEntropy: 'auto',
};

const N = 4;
const OBS_DIM = 2;

function batch(actions: Float32Array | Int32Array, actionWidth: number, seed = 1): SampleBatch {
  const r = createRng(seed);
  const obs = Float32Array.from({ length: N * OBS_DIM }, () => r() * 2 - 1);
  const newObs = Float32Array.from({ length: N * OBS_DIM }, () => r() * 2 - 1);
  return createSampleBatch(
    { obs, newObs, actions, rewards: Float32Array.from([1, -0.5, 0.25, 2]), terminateds: Uint8Array.from([0, 1, 0, 0]), truncateds: new Uint8Array(N) },
    { obs: OBS_DIM, newObs: OBS_DIM, ...(actionWidth > 1 ? { actions: actionWidth } : {}) },
  );
}

/** Float64 forward of an MLP given flat [kernel, bias, …] arrays (relu hidden, linear output). */
function mlp64(params: readonly Float32Array[], x: readonly number[]): number[] {
  let h = [...x];
  for (let l = 0; l < params.length / 2; l++) {
    const k = params[2 * l]!, b = params[2 * l + 1]!;
    const out = b.length;
    const next = Array.from(b, Number);
    for (let i = 0; i < h.length; i++) for (let j = 0; j < out; j++) next[j]! += h[i]! * k[i * out + j]!;
    h = l < params.length / 2 - 1 ? next.map((v) => Math.max(0, v)) : next;
  }
  return h;
}

describe('squashed Gaussian', () => {
  test('log-prob by hand: log N(u; μ, σ) − log(1 − tanh²u), log-std clipped to [−20, 2]', () => {
    const mean = [0.3, -1], logStd = [-0.5, 3], u = [0.8, -2.5];
    let expected = 0;
    for (let j = 0; j < 2; j++) {
      const ls = Math.min(2, logStd[j]!);
      const s = Math.exp(ls);
      expected += -0.5 * ((u[j]! - mean[j]!) / s) ** 2 - Math.log(s) - 0.5 * Math.log(2 * Math.PI) - Math.log(1 - Math.tanh(u[j]!) ** 2);
    }
    assertNear(squashedLogp(mean, logStd, u), expected, 1e-9, 'log π');
    // The exact form stays finite where 1 − tanh² underflows.
    assert.ok(Number.isFinite(logOneMinusTanhSq(40)));
    assertNear(logOneMinusTanhSq(40), 2 * Math.log(2) - 80, 1e-9);
  });

  test('sampling returns tanh(u) and the log-prob of that u; explore=false is tanh(μ)', () => {
    const inputs = Float32Array.from([0.2, 0.4, -0.7, 0.1]); // one row, d = 2: mean [0.2, 0.4], logStd [−0.7, 0.1]
    const a = new Float32Array(2), lp = new Float32Array(1);
    sampleSquashed(inputs, 1, 2, true, createRng(3), a, lp);
    const u = [Math.atanh(a[0]!), Math.atanh(a[1]!)];
    assertNear(lp[0], squashedLogp([0.2, 0.4], [-0.7, 0.1], u), 1e-4, 'logp of the drawn action');
    sampleSquashed(inputs, 1, 2, false, createRng(3), a, lp);
    assertClose(a, [Math.tanh(0.2), Math.tanh(0.4)], 1e-6, 'mode');
  });
});

describe('SAC entropy temperature', () => {
  test('α loss = −log α·(E[log π] + H̄) and its gradient, by hand', () => {
    const { loss, grad } = alphaLoss(Math.log(0.5), -0.3, -1);
    assertNear(grad, 1.3, 1e-12, '∂L/∂log α');
    assertNear(loss, Math.log(0.5) * 1.3, 1e-12, 'L_α');
    // Entropy (−E[log π] = 0.3) above the target (−1): the gradient is positive, so log α goes down.
    assert.ok(grad > 0);
    assertNear(autoTargetEntropy(box(3, 1)), -3, 0);
    assertNear(autoTargetEntropy(discrete(4)), 0.98 * Math.log(4), 1e-12);
  });

  test('α falls while the policy is more random than the target entropy, and rises when less', async () => {
    const tf = await loadTf();
    const hi = new SacPolicy(tf, box(OBS_DIM, 1), box(1, 2), { ...CONFIG, targetEntropy: -5, entropyLr: 0.05 }, 1);
    const lo = new SacPolicy(tf, box(OBS_DIM, 1), box(1, 2), { ...CONFIG, targetEntropy: 5, entropyLr: 0.05 }, 1);
    const b = batch(Float32Array.from([0.5, -1, 1.5, 0]), 1);
    for (let i = 0; i < 5; i++) {
      hi.learnOnBatch(b);
      lo.learnOnBatch(b);
    }
    assert.ok(hi.alpha < 0.5, `α with a low target entropy should fall: ${hi.alpha}`);
    assert.ok(lo.alpha > 0.5, `α with a high target entropy should rise: ${lo.alpha}`);
    hi.dispose();
    lo.dispose();
  });
});

describe('SAC TD target (twin-Q minimum)', () => {
  test('Box: y = r + γ(1 − done)(min(Q′₁, Q′₂)(s′, a′) − α log π(a′|s′)), redone in float64', async () => {
    const tf = await loadTf();
    const policy = new SacPolicy(tf, box(OBS_DIM, 1), box(1, 2), CONFIG, 7);
    // Make the two target critics clearly different, so the minimum matters.
    const state = policy.getState();
    const w = state.weights.map((x) => Float32Array.from(x));
    // Layout: actor (4 arrays), q1 (4), q2 (4), target q1 (4), target q2 (4).
    w[15] = Float32Array.from([0.7]);
    w[19] = Float32Array.from([-0.4]);
    policy.setState({ ...state, weights: w });
    const b = batch(Float32Array.from([0.5, -1, 1.5, 0]), 1);
    const epsNext = Float32Array.from([0.3, -1.2, 0.8, 0.05]);
    const y = policy.tdTargets(b, epsNext);
    const actor = w.slice(0, 4), tq1 = w.slice(12, 16), tq2 = w.slice(16, 20);
    const obs = b.columns.newObs!, r = b.columns.rewards!, term = b.columns.terminateds!;
    let usedSecond = false;
    for (let i = 0; i < N; i++) {
      const s = [obs[2 * i]!, obs[2 * i + 1]!];
      const [mu, rawLs] = mlp64(actor, s) as [number, number];
      const ls = Math.min(2, Math.max(-20, rawLs));
      const u = mu + Math.exp(ls) * epsNext[i]!;
      const a = Math.tanh(u);
      const logp = -0.5 * epsNext[i]! ** 2 - ls - 0.5 * Math.log(2 * Math.PI) - Math.log(1 - a * a);
      const q1 = mlp64(tq1, [...s, a])[0]!, q2 = mlp64(tq2, [...s, a])[0]!;
      if (q2 < q1) usedSecond = true;
      const expected = r[i]! + 0.9 * (term[i] ? 0 : 1) * (Math.min(q1, q2) - 0.5 * logp);
      assertNear(y[i], expected, 1e-4, `y[${i}]`);
    }
    assert.ok(usedSecond, 'the fixture should exercise the second critic');
    policy.dispose();
  });

  test('Discrete: y = r + γ(1 − done)·Σ π(a′)(min Q′(s′, a′) − α log π(a′)), redone in float64', async () => {
    const tf = await loadTf();
    const policy = new SacPolicy(tf, box(OBS_DIM, 1), discrete(3), CONFIG, 9);
    const w = policy.getState().weights;
    const b = batch(Int32Array.from([0, 2, 1, 1]), 1);
    const y = policy.tdTargets(b);
    const actor = w.slice(0, 4), tq1 = w.slice(12, 16), tq2 = w.slice(16, 20);
    const obs = b.columns.newObs!, r = b.columns.rewards!, term = b.columns.terminateds!;
    for (let i = 0; i < N; i++) {
      const s = [obs[2 * i]!, obs[2 * i + 1]!];
      const z = mlp64(actor, s);
      const m = Math.max(...z);
      const lse = m + Math.log(z.reduce((acc, v) => acc + Math.exp(v - m), 0));
      const q1 = mlp64(tq1, s), q2 = mlp64(tq2, s);
      let v = 0;
      for (let k = 0; k < 3; k++) v += Math.exp(z[k]! - lse) * (Math.min(q1[k]!, q2[k]!) - 0.5 * (z[k]! - lse));
      assertNear(y[i], r[i]! + 0.9 * (term[i] ? 0 : 1) * v, 1e-4, `y[${i}]`);
    }
    policy.dispose();
  });
});

/** MLP forward on variables [k0, b0, k1, b1, …] with TF.js's own ops (relu hidden, linear out). */
function forwardTf(tf: Tf, vars: readonly Variable[], x: Tensor): Tensor2D {
  let h = x;
  for (let l = 0; l < vars.length / 2; l++) {
    h = tf.add(tf.matMul(h as Tensor2D, vars[2 * l] as unknown as Tensor2D), vars[2 * l + 1]!);
    if (l < vars.length / 2 - 1) h = tf.relu(h);
  }
  return h as Tensor2D;
}

describe('SAC gradients equal TF.js autodiff of the losses', () => {
  test('Box: critic and actor gradients (reparameterized, squashed, twin-Q minimum)', async () => {
    const tf = await loadTf();
    const policy = new SacPolicy(tf, box(OBS_DIM, 1), box(1, 2), CONFIG, 11);
    const actionsEnv = Float32Array.from([0.5, -1, 1.5, 0]);
    const b = batch(actionsEnv, 1);
    const eps = { cur: Float32Array.from([0.4, -0.9, 1.3, -0.2]), next: Float32Array.from([-0.6, 0.1, 0.7, 1.1]) };
    const mine = policy.gradients(b, eps);
    const alpha = policy.alpha;
    const y = tf.tensor1d(policy.tdTargets(b, eps.next));
    const obs = tf.tensor2d(b.columns.obs as Float32Array, [N, OBS_DIM]);
    const aNorm = tf.tensor2d(Array.from(actionsEnv, (a) => a / 2), [N, 1]);
    const critics = policy.criticVariables();
    const q1v = critics.slice(0, 4), q2v = critics.slice(4, 8);
    const critic = tf.variableGrads(() => {
      const x = tf.concat([obs, aNorm], 1);
      const e1 = tf.sub(tf.reshape(forwardTf(tf, q1v, x), [N]), y);
      const e2 = tf.sub(tf.reshape(forwardTf(tf, q2v, x), [N]), y);
      return tf.mean(tf.mul(tf.add(tf.square(e1), tf.square(e2)), 0.5)) as never;
    }, critics);
    critics.forEach((v, i) => assertClose(mine.critic[i]!, critic.grads[v.name]!.dataSync(), 1e-4, `critic grad ${i}`));
    assertNear(mine.stats.critic_loss, critic.value.dataSync()[0]!, 1e-4, 'critic loss');

    const actorVars = policy.actorVariables();
    const actor = tf.variableGrads(() => {
      const out = forwardTf(tf, actorVars, obs);
      const mean = tf.slice(out, [0, 0], [N, 1]);
      const logStd = tf.clipByValue(tf.slice(out, [0, 1], [N, 1]), -20, 2);
      const u = tf.add(mean, tf.mul(tf.exp(logStd), tf.tensor2d(eps.cur, [N, 1])));
      const a = tf.tanh(u);
      const logp = tf.sum(tf.sub(tf.sub(tf.mul(tf.square(tf.tensor2d(eps.cur, [N, 1])), -0.5), tf.add(logStd, 0.5 * Math.log(2 * Math.PI))), tf.log(tf.sub(1, tf.square(a)))), 1);
      const x = tf.concat([obs, a], 1);
      const q = tf.minimum(tf.reshape(forwardTf(tf, q1v, x), [N]), tf.reshape(forwardTf(tf, q2v, x), [N]));
      return tf.mean(tf.sub(tf.mul(logp, alpha), q)) as never;
    }, actorVars);
    actorVars.forEach((v, i) => assertClose(mine.actor[i]!, actor.grads[v.name]!.dataSync(), 2e-4, `actor grad ${i}`));
    assertNear(mine.stats.actor_loss, actor.value.dataSync()[0]!, 1e-4, 'actor loss');
    policy.dispose();
  });

  test('Discrete: critic and actor gradients', async () => {
    const tf = await loadTf();
    const policy = new SacPolicy(tf, box(OBS_DIM, 1), discrete(3), CONFIG, 13);
    const acts = Int32Array.from([0, 2, 1, 1]);
    const b = batch(acts, 1);
    const mine = policy.gradients(b);
    const alpha = policy.alpha;
    const y = tf.tensor1d(policy.tdTargets(b));
    const obs = tf.tensor2d(b.columns.obs as Float32Array, [N, OBS_DIM]);
    const oneHot = tf.oneHot(tf.tensor1d(acts, 'int32'), 3);
    const critics = policy.criticVariables();
    const q1v = critics.slice(0, 4), q2v = critics.slice(4, 8);
    const critic = tf.variableGrads(() => {
      const e1 = tf.sub(tf.sum(tf.mul(forwardTf(tf, q1v, obs), oneHot), 1), y);
      const e2 = tf.sub(tf.sum(tf.mul(forwardTf(tf, q2v, obs), oneHot), 1), y);
      return tf.mean(tf.mul(tf.add(tf.square(e1), tf.square(e2)), 0.5)) as never;
    }, critics);
    critics.forEach((v, i) => assertClose(mine.critic[i]!, critic.grads[v.name]!.dataSync(), 1e-4, `critic grad ${i}`));
    const qMin = tf.minimum(forwardTf(tf, q1v, obs), forwardTf(tf, q2v, obs));
    const actorVars = policy.actorVariables();
    const actor = tf.variableGrads(() => {
      const ls = tf.logSoftmax(forwardTf(tf, actorVars, obs));
      return tf.mean(tf.sum(tf.mul(tf.exp(ls), tf.sub(tf.mul(ls, alpha), qMin)), 1)) as never;
    }, actorVars);
    actorVars.forEach((v, i) => assertClose(mine.actor[i]!, actor.grads[v.name]!.dataSync(), 2e-4, `actor grad ${i}`));
    assertNear(mine.stats.actor_loss, actor.value.dataSync()[0]!, 1e-4, 'actor loss');
    policy.dispose();
  });
});
