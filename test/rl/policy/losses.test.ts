/**
 * The PG, A2C and PPO losses against values computed by hand: a 2-2-2 policy net and a 2-2-1 value
 * net (tanh) with weights set by hand, three rows of data, the forward pass redone in float64 here.
 * Gradients are checked at the output biases, where ∂loss/∂b is the row sum of ∂loss/∂output.
 * Covers PPO's clipping (inactive, active for some rows, active for all), value clipping, the KL
 * penalty and RLlib's adaptive KL coefficient rule; and every loss in every gradient mode.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ActorCriticPolicy } from '../../../src/rl/policy/actor-critic.js';
import { Categorical, DiagGaussian } from '../../../src/rl/policy/distributions.js';
import { loadTf } from '../../../src/rl/policy/tf-backend.js';
import type { GradMode } from '../../../src/rl/policy/mlp.js';
import type { LossConfig } from '../../../src/rl/policy/types.js';
import { createRng } from '../../../src/rng/index.js';
import { assertClose, assertNear, box, config, discrete, lossBatch } from './helpers.js';

// Weights (row-major [in, out]).
const PI = { W1: [0.5, -0.3, 0.2, 0.4], b1: [0.1, -0.1], W2: [1, -1, 0.5, 0.25], b2: [0.2, -0.2] };
const VF = { W1: [0.3, 0.1, -0.2, 0.6], b1: [0, 0.2], W2: [2, -1], b2: [0.5] };
const OBS = [1, 0, 0.5, -1, -2, 0.3];
const ACTIONS = [0, 1, 1];
const ADV = [1, -0.5, 2];
const N = 3;

function dense(x: number[], W: number[], b: number[], out: number, act: boolean): number[] {
  const inDim = x.length;
  return b.slice(0, out).map((bj, j) => {
    let z = bj;
    for (let i = 0; i < inDim; i++) z += x[i]! * W[i * out + j]!;
    return act ? Math.tanh(z) : z;
  });
}

/** Hand forward pass: logits (or Gaussian outputs) and value of every row. */
function forward(piOut = 2): { logits: number[][]; values: number[] } {
  const logits: number[][] = [];
  const values: number[] = [];
  for (let r = 0; r < N; r++) {
    const x = OBS.slice(2 * r, 2 * r + 2);
    logits.push(dense(dense(x, PI.W1, PI.b1, 2, true), PI.W2, PI.b2, piOut, false));
    values.push(dense(dense(x, VF.W1, VF.b1, 2, true), VF.W2, VF.b2, 1, false)[0]!);
  }
  return { logits, values };
}

const softmax = (l: number[]): number[] => {
  const m = Math.max(...l);
  const e = l.map((x) => Math.exp(x - m));
  const z = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / z);
};
const entropyOf = (p: number[]): number => -p.reduce((s, x) => s + x * Math.log(x), 0);
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const variance = (xs: number[]): number => mean(xs.map((x) => (x - mean(xs)) ** 2));

async function handPolicy(loss: LossConfig, mode: GradMode = 'manual'): Promise<ActorCriticPolicy> {
  const tf = await loadTf();
  const p = new ActorCriticPolicy(tf, box(2), discrete(2), config(loss, { hidden: [2] }), 1, mode);
  const hasVf = loss.kind !== 'pg';
  p.setWeights([PI.W1, PI.b1, PI.W2, PI.b2, ...(hasVf ? [VF.W1, VF.b1, VF.W2, VF.b2] : [])].map((w) => Float32Array.from(w)));
  return p;
}

/** Per-row ∂log π(a)/∂logits = onehot(a) − p. */
const dLogp = (p: number[], a: number): number[] => p.map((pj, j) => (j === a ? 1 : 0) - pj);
const addScaled = (acc: number[], v: number[], s: number): void => v.forEach((x, j) => (acc[j]! += s * x));

describe('PG loss', () => {
  test('−mean(log π · A) and its gradient', async () => {
    const policy = await handPolicy({ kind: 'pg' });
    try {
      const { logits } = forward();
      const probs = logits.map(softmax);
      const logp = probs.map((p, r) => Math.log(p[ACTIONS[r]!]!));
      const batch = lossBatch({ obs: Float32Array.from(OBS), obsDim: 2, actions: Int32Array.from(ACTIONS), advantages: ADV });
      const { grads, stats } = policy.computeGradients(batch);
      const expected = -mean(logp.map((l, r) => l * ADV[r]!));
      assertNear(stats.policy_loss, expected, 1e-5, 'policy_loss');
      assertNear(stats.total_loss, expected, 1e-5, 'total_loss');
      const db2 = [0, 0];
      probs.forEach((p, r) => addScaled(db2, dLogp(p, ACTIONS[r]!), -ADV[r]! / N));
      assertClose(grads[3]!, db2, 1e-5, 'd/d b2');
      assert.equal(grads.length, 4, 'no value network for PG');
      assert.deepEqual([...policy.value(Float32Array.from(OBS), N)], [0, 0, 0]);
    } finally {
      policy.dispose();
    }
  });
});

describe('A2C loss', () => {
  test('sums of policy, value and entropy terms (RLlib A3C), explained variance, gradients', async () => {
    const loss = { kind: 'a2c', vfLossCoeff: 0.5, entropyCoeff: 0.01 } as const;
    const policy = await handPolicy(loss);
    try {
      const { logits, values } = forward();
      const probs = logits.map(softmax);
      const R = [1, 2, -1];
      const batch = lossBatch({ obs: Float32Array.from(OBS), obsDim: 2, actions: Int32Array.from(ACTIONS), advantages: ADV, valueTargets: R });
      const { grads, stats } = policy.computeGradients(batch);
      const piErr = -probs.reduce((s, p, r) => s + Math.log(p[ACTIONS[r]!]!) * ADV[r]!, 0);
      const vfErr = 0.5 * values.reduce((s, v, r) => s + (v - R[r]!) ** 2, 0);
      const ent = probs.reduce((s, p) => s + entropyOf(p), 0);
      assertNear(stats.policy_loss, piErr, 1e-5, 'policy_loss');
      assertNear(stats.vf_loss, vfErr, 1e-5, 'vf_loss');
      assertNear(stats.policy_entropy, ent, 1e-5, 'policy_entropy');
      assertNear(stats.entropy, ent / N, 1e-5, 'entropy (mean)');
      assertNear(stats.total_loss, piErr + 0.5 * vfErr - 0.01 * ent, 1e-5, 'total_loss');
      const ev = Math.max(-1, 1 - variance(R.map((y, r) => y - values[r]!)) / variance(R));
      assertNear(stats.vf_explained_var, ev, 1e-5, 'vf_explained_var');
      // ∂/∂b2 (policy) = Σ −A·(onehot − p) + c_H·p·(log p + H);  ∂/∂b (value) = c_vf·Σ(V − R).
      const db2 = [0, 0];
      probs.forEach((p, r) => {
        addScaled(db2, dLogp(p, ACTIONS[r]!), -ADV[r]!);
        const h = entropyOf(p);
        addScaled(db2, p.map((pj) => pj * (Math.log(pj) + h)), 0.01);
      });
      assertClose(grads[3]!, db2, 1e-5, 'd/d b2 (policy)');
      assertClose(grads[7]!, [0.5 * values.reduce((s, v, r) => s + v - R[r]!, 0)], 1e-5, 'd/d b (value)');
    } finally {
      policy.dispose();
    }
  });
});

describe('PPO loss', () => {
  const base = { kind: 'ppo', clipParam: 0.2, vfClipParam: 10, vfLossCoeff: 0.5, entropyCoeff: 0.01, klCoeff: 0.2, klTarget: 0.01 } as const;

  test('clipping inactive (new policy = sampling policy): ratio 1, KL 0', async () => {
    const policy = await handPolicy(base);
    try {
      const { logits, values } = forward();
      const probs = logits.map(softmax);
      const R = [1, 2, -1];
      const batch = lossBatch({
        obs: Float32Array.from(OBS),
        obsDim: 2,
        actions: Int32Array.from(ACTIONS),
        advantages: ADV,
        valueTargets: R,
        actionLogp: probs.map((p, r) => Math.log(p[ACTIONS[r]!]!)),
        actionDistInputs: Float32Array.from(logits.flat()),
        vfPreds: values,
      });
      const { grads, stats } = policy.computeGradients(batch);
      const vfLoss = mean(values.map((v, r) => (v - R[r]!) ** 2));
      const ent = mean(probs.map(entropyOf));
      assertNear(stats.policy_loss, -mean(ADV), 1e-5, 'policy_loss');
      assertNear(stats.vf_loss, vfLoss, 1e-5, 'vf_loss');
      assertNear(stats.kl, 0, 1e-6, 'kl');
      assertNear(stats.entropy, ent, 1e-5, 'entropy');
      assertNear(stats.total_loss, -mean(ADV) + 0.5 * vfLoss - 0.01 * ent, 1e-5, 'total_loss');
      assert.equal(stats.cur_kl_coeff, 0.2);
      assert.equal(stats.cur_lr, 1e-3);
      const db2 = [0, 0];
      probs.forEach((p, r) => {
        addScaled(db2, dLogp(p, ACTIONS[r]!), -ADV[r]! / N);
        addScaled(db2, p.map((pj) => pj * (Math.log(pj) + entropyOf(p))), 0.01 / N);
      });
      assertClose(grads[3]!, db2, 1e-5, 'd/d b2 (policy)');
      assertClose(grads[7]!, [(0.5 * 2 * values.reduce((s, v, r) => s + v - R[r]!, 0)) / N], 1e-5, 'd/d b (value)');
    } finally {
      policy.dispose();
    }
  });

  test('clipping active: ratio 1.5 clips rows with A > 0 (no gradient) but not A < 0', async () => {
    const policy = await handPolicy({ ...base, klCoeff: 0, entropyCoeff: 0 });
    try {
      const { logits } = forward();
      const probs = logits.map(softmax);
      const logp = probs.map((p, r) => Math.log(p[ACTIONS[r]!]!));
      const batch = (adv: number[]) =>
        lossBatch({
          obs: Float32Array.from(OBS),
          obsDim: 2,
          actions: Int32Array.from(ACTIONS),
          advantages: adv,
          actionLogp: logp.map((l) => l - Math.log(1.5)),
          actionDistInputs: Float32Array.from(logits.flat()),
        });
      const mixed = policy.computeGradients(batch(ADV));
      // Rows 0 and 2 (A > 0): min(1.5·A, 1.2·A) = 1.2·A, clipped. Row 1 (A < 0): 1.5·A.
      assertNear(mixed.stats.policy_loss, -(1.2 * 1 + 1.5 * -0.5 + 1.2 * 2) / N, 1e-5, 'policy_loss');
      const db2 = [0, 0];
      addScaled(db2, dLogp(probs[1]!, ACTIONS[1]!), -(1.5 * -0.5) / N);
      assertClose(mixed.grads[3]!, db2, 1e-5, 'only row 1 has a policy gradient');
      const allClipped = policy.computeGradients(batch([1, 3, 2]));
      for (let i = 0; i < 4; i++) assert.ok(allClipped.grads[i]!.every((g) => g === 0), `policy gradient ${i} is exactly 0 when every row is clipped`);
    } finally {
      policy.dispose();
    }
  });

  test('value clipping: the larger of the clipped and unclipped errors, no gradient when clipped', async () => {
    const policy = await handPolicy({ ...base, vfClipParam: 0.1, vfLossCoeff: 1 });
    try {
      const { logits, values } = forward();
      const probs = logits.map(softmax);
      // V_old = V + 0.5, so V_clip = V_old − 0.1 = V + 0.4 on every row.
      // Row 0: R = V + 2 → (V−R)² = 4 > (V_clip−R)² = 2.56: unclipped term, gradient 2(V − R) = −4.
      // Row 1: R = V − 2 → (V_clip−R)² = 5.76 > 4: clipped term, and V − V_old is out of range: gradient 0.
      // Row 2: R = V + 0.45 → 0.2025 > 0.0025: unclipped, gradient −0.9.
      const R = [values[0]! + 2, values[1]! - 2, values[2]! + 0.45];
      const batch = lossBatch({
        obs: Float32Array.from(OBS),
        obsDim: 2,
        actions: Int32Array.from(ACTIONS),
        advantages: [0, 0, 0],
        valueTargets: R,
        actionLogp: probs.map((p, r) => Math.log(p[ACTIONS[r]!]!)),
        actionDistInputs: Float32Array.from(logits.flat()),
        vfPreds: values.map((v) => v + 0.5),
      });
      const { grads, stats } = policy.computeGradients(batch);
      assertNear(stats.vf_loss, (4 + 5.76 + 0.2025) / N, 1e-4, 'vf_loss');
      assertClose(grads[7]!, [(-4 + 0 - 0.9) / N], 1e-4, 'd/d b (value)');
    } finally {
      policy.dispose();
    }
  });

  test('KL penalty: KL(old ‖ new) with the current coefficient, adapted by RLlib’s rule', async () => {
    const policy = await handPolicy(base);
    try {
      const { logits } = forward();
      const old = logits.map((l, r) => l.map((x, j) => x + (j === 0 ? 0.4 : -0.3) * (r + 1)));
      const cat = new Categorical(2);
      const klRows = cat.kl(Float32Array.from(old.flat()), Float32Array.from(logits.flat()), N);
      const batch = lossBatch({
        obs: Float32Array.from(OBS),
        obsDim: 2,
        actions: Int32Array.from(ACTIONS),
        advantages: ADV,
        actionLogp: cat.logp(Float32Array.from(old.flat()), ACTIONS, N),
        actionDistInputs: Float32Array.from(old.flat()),
      });
      const s1 = policy.computeGradients(batch).stats;
      assertNear(s1.kl, mean([...klRows]), 1e-5, 'kl');
      assertNear(s1.total_loss, s1.policy_loss! + 0.5 * s1.vf_loss! + 0.2 * s1.kl! - 0.01 * s1.entropy!, 1e-5, 'total includes 0.2·KL');
      // RLlib: ×1.5 above 2·target, ×0.5 below target/2, unchanged in between.
      assertNear(policy.updateKl(0.05), 0.3, 1e-12, 'kl 0.05 > 0.02');
      assertNear(policy.updateKl(0.001), 0.15, 1e-12, 'kl 0.001 < 0.005');
      assertNear(policy.updateKl(0.01), 0.15, 1e-12, 'kl 0.01 in range');
      assertNear(policy.updateKl(0.02), 0.15, 1e-12, 'kl exactly 2·target is not above it');
      assertNear(policy.updateKl(Number.NaN), 0.15, 1e-12, 'NaN leaves it alone');
      const s2 = policy.computeGradients(batch).stats;
      assert.equal(s2.cur_kl_coeff, policy.currentKlCoeff);
      assertNear(s2.total_loss, s2.policy_loss! + 0.5 * s2.vf_loss! + 0.15 * s2.kl! - 0.01 * s2.entropy!, 1e-5, 'total uses the new coefficient');
    } finally {
      policy.dispose();
    }
  });

  test('Gaussian: log-probabilities, entropy and KL in the stats match the closed forms', async () => {
    const tf = await loadTf();
    const policy = new ActorCriticPolicy(tf, box(2), box(1, 2), config(base, { hidden: [2] }), 1);
    try {
      policy.setWeights([PI.W1, PI.b1, PI.W2, PI.b2, VF.W1, VF.b1, VF.W2, VF.b2].map((w) => Float32Array.from(w)));
      const { logits } = forward(); // [mean, logStd] per row for a 1-d Box
      const g = new DiagGaussian(1);
      const inputs = Float32Array.from(logits.flat());
      const actions = Float32Array.from([0.3, -1.5, 2.5]);
      const old = inputs.map((x, i) => x + (i % 2 === 0 ? 0.2 : -0.1));
      const batch = lossBatch({
        obs: Float32Array.from(OBS),
        obsDim: 2,
        actions,
        advantages: ADV,
        actionLogp: g.logp(inputs, actions, N),
        actionDistInputs: old,
      });
      const { stats } = policy.computeGradients(batch);
      assertNear(stats.policy_loss, -mean(ADV), 1e-5, 'ratio 1 (old log-probs are the current ones)');
      assertNear(stats.entropy, mean([...g.entropy(inputs, N)]), 1e-5, 'entropy');
      assertNear(stats.kl, mean([...g.kl(old, inputs, N)]), 1e-5, 'kl');
    } finally {
      policy.dispose();
    }
  });
});

describe('gradient modes agree', () => {
  const losses: LossConfig[] = [
    { kind: 'pg' },
    { kind: 'a2c', vfLossCoeff: 0.5, entropyCoeff: 0.02 },
    { kind: 'ppo', clipParam: 0.2, vfClipParam: 0.5, vfLossCoeff: 0.7, entropyCoeff: 0.05, klCoeff: 0.3, klTarget: 0.01 },
  ];
  const cases = [
    { name: 'discrete, separate nets, tanh', act: discrete(3), over: {} },
    { name: 'discrete, shared layers, relu', act: discrete(3), over: { vfShareLayers: true, activation: 'relu' as const } },
    { name: 'Gaussian, state-dependent log-std, separate', act: box(2, 1), over: {} },
    { name: 'Gaussian, free log-std, shared layers', act: box(2, 1), over: { vfShareLayers: true, freeLogStd: true } },
  ];
  for (const loss of losses) {
    for (const c of cases) {
      test(`${loss.kind}, ${c.name}: 'manual' and 'custom' gradients and stats equal 'builtin' within 1e-5`, async () => {
        const tf = await loadTf();
        // Hidden layers of 16 rows × 20 units exceed the fast-tanh threshold, so that path is covered.
        const cfg = config(loss, { hidden: [20, 12], gradClip: 5, ...c.over });
        const make = (mode: GradMode) => new ActorCriticPolicy(tf, box(5), c.act, cfg, 7, mode);
        const [manual, custom, builtin] = [make('manual'), make('custom'), make('builtin')];
        try {
          const random = createRng(3);
          const n = 16;
          // Perturbed weights: a non-uniform policy, so clipping and both value-loss branches occur.
          const w = manual.getWeights().map((a) => a.map(() => (random() - 0.5) * 0.8));
          for (const p of [manual, custom, builtin]) p.setWeights(w);
          const obs = Float32Array.from({ length: n * 5 }, () => random() * 4 - 2);
          const out = manual.computeActions(obs, n, { explore: true, random });
          const batch = lossBatch({
            obs,
            obsDim: 5,
            actions: out.actions,
            actionWidth: c.act.kind === 'box' ? 2 : 1,
            advantages: Array.from({ length: n }, () => random() * 2 - 1),
            valueTargets: Array.from({ length: n }, () => random() * 3),
            actionLogp: out.logp.map((x) => x + (random() - 0.5) * 0.8),
            actionDistInputs: out.distInputs.map((x) => x + (random() - 0.5) * 0.6),
            vfPreds: out.vfPreds.map(() => random() * 2),
          });
          const ref = builtin.computeGradients(batch);
          for (const [name, p] of [['manual', manual], ['custom', custom]] as const) {
            const got = p.computeGradients(batch);
            got.grads.forEach((g, i) => assertClose(g, ref.grads[i]!, 1e-5, `${name} grad ${i}`));
            assert.deepEqual(Object.keys(got.stats).sort(), Object.keys(ref.stats).sort());
            for (const k of Object.keys(ref.stats)) assertNear(got.stats[k], ref.stats[k]!, 1e-5, `${name} ${k}`);
          }
        } finally {
          for (const p of [manual, custom, builtin]) p.dispose();
        }
      });
    }
  }
});
