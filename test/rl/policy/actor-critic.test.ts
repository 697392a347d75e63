/**
 * The actor-critic policy through its `Policy` contract: batched inference, determinism (same seed →
 * same weights and same sampled actions), weights and full state as plain arrays (through
 * structuredClone), gradients computed then applied = one learning step, no tensor leaks over 100
 * steps, input validation, and a learning sanity check on a contextual bandit.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ActorCriticPolicy, createActorCriticPolicy } from '../../../src/rl/policy/actor-critic.js';
import { loadTf } from '../../../src/rl/policy/tf-backend.js';
import { sgdEpochs } from '../../../src/rl/policy/sgd.js';
import type { Policy } from '../../../src/rl/policy/types.js';
import { createRng } from '../../../src/rng/index.js';
import { A2C, PG, PPO, assertClose, box, config, discrete, lossBatch } from './helpers.js';

const OBS_DIM = 4;

function randomObs(n: number, seed: number): Float32Array {
  const random = createRng(seed);
  return Float32Array.from({ length: n * OBS_DIM }, () => random() * 2 - 1);
}

/** A PPO-ready batch sampled from the policy itself. */
function sampledBatch(policy: Policy, n: number, seed: number) {
  const random = createRng(seed);
  const obs = randomObs(n, seed);
  const out = policy.computeActions(obs, n, { explore: true, random });
  const actionWidth = policy.actionSpace.kind === 'box' ? policy.actionSpace.shape[0]! : 1;
  return lossBatch({
    obs,
    obsDim: OBS_DIM,
    actions: out.actions,
    actionWidth,
    advantages: Array.from({ length: n }, () => random() * 2 - 1),
    valueTargets: Array.from({ length: n }, () => random() * 5),
    actionLogp: out.logp,
    actionDistInputs: out.distInputs,
    vfPreds: out.vfPreds,
  });
}

describe('inference', () => {
  test('one batched call: actions, log-probs, values and distribution inputs for n observations', async () => {
    const policy = await createActorCriticPolicy(box(OBS_DIM), discrete(3), config(PPO), 1);
    try {
      const out = policy.computeActions(randomObs(10, 1), 10, { explore: true, random: createRng(1) });
      assert.ok(out.actions instanceof Int32Array && out.actions.length === 10);
      assert.ok(out.actions.every((a) => a >= 0 && a < 3));
      assert.equal(out.logp.length, 10);
      assert.equal(out.vfPreds.length, 10);
      assert.equal(out.distInputs.length, 30);
      // A fresh policy is nearly uniform (output layer scaled to 0.01), its values nearly 0.
      assert.ok(out.logp.every((l) => Math.abs(l - Math.log(1 / 3)) < 0.05), `logp ${out.logp}`);
      assert.ok(out.vfPreds.every((v) => Math.abs(v) < 0.1));
      assertClose(policy.value(randomObs(10, 1), 10), out.vfPreds, 1e-6, 'value() = vfPreds');
      // Rows are independent of the batch they are in.
      const single = policy.computeActions(randomObs(10, 1).subarray(4 * 3, 4 * 4), 1, { explore: false, random: createRng(0) });
      assertClose(single.distInputs, out.distInputs.subarray(9, 12), 1e-6, 'row 3 alone');
      const none = policy.computeActions(new Float32Array(0), 0, { explore: true, random: createRng(1) });
      assert.equal(none.actions.length, 0);
    } finally {
      policy.dispose();
    }
  });

  test('sampling uses the current weights: outputs equal a float64 forward pass of getWeights()', async () => {
    const tf = await loadTf();
    for (const over of [{}, { activation: 'relu' as const }, { vfShareLayers: true }]) {
      const policy = new ActorCriticPolicy(tf, box(OBS_DIM), discrete(2), config(PPO, { hidden: [6, 5], ...over }), 2);
      try {
        const check = (what: string): void => {
          const obs = randomObs(7, 3);
          const out = policy.computeActions(obs, 7, { explore: false, random: createRng(0) });
          const w = policy.getWeights();
          const shapes = policy.weightShapes();
          const act = (z: number): number => (over.activation === 'relu' ? Math.max(0, z) : Math.tanh(z));
          const dense = (x: number[], i: number, hidden: boolean): number[] =>
            Array.from({ length: shapes[i]![1]! }, (_, j) => {
              let z = w[i + 1]![j]!;
              x.forEach((xv, k) => (z += xv * w[i]![k * shapes[i]![1]! + j]!));
              return hidden ? act(z) : z;
            });
          for (let r = 0; r < 7; r++) {
            const x = [...obs.subarray(r * 4, r * 4 + 4)];
            let logits: number[];
            let v: number[];
            if (over.vfShareLayers) {
              const h = dense(dense(x, 0, true), 2, true);
              logits = dense(h, 4, false);
              v = dense(h, 6, false);
            } else {
              logits = dense(dense(dense(x, 0, true), 2, true), 4, false);
              v = dense(dense(dense(x, 6, true), 8, true), 10, false);
            }
            assertClose(out.distInputs.subarray(r * 2, r * 2 + 2), logits, 1e-5, `${what} logits row ${r}`);
            assertClose(out.vfPreds.subarray(r, r + 1), v, 1e-5, `${what} value row ${r}`);
          }
        };
        check('initial');
        const random = createRng(5);
        policy.setWeights(policy.getWeights().map((a) => a.map(() => random() - 0.5)));
        check('after setWeights');
        policy.learnOnBatch(sampledBatch(policy, 16, 4));
        check('after learnOnBatch');
      } finally {
        policy.dispose();
      }
    }
  });

  test('Box actions: Gaussian with [mean, logStd] inputs, unclipped samples; free log-std', async () => {
    for (const freeLogStd of [false, true]) {
      const policy = await createActorCriticPolicy(box(OBS_DIM), box(2, 0.001), config(PPO, { freeLogStd }), 3);
      try {
        const out = policy.computeActions(randomObs(50, 2), 50, { explore: true, random: createRng(2) });
        assert.ok(out.actions instanceof Float32Array && out.actions.length === 100);
        assert.equal(out.distInputs.length, 200);
        assert.ok(out.actions.some((a) => Math.abs(a) > 0.001), 'samples are not clipped to the Box');
        if (freeLogStd) for (let i = 0; i < 50; i++) assert.deepEqual([...out.distInputs.subarray(i * 4 + 2, i * 4 + 4)], [0, 0]);
        const mode = policy.computeActions(randomObs(50, 2), 50, { explore: false, random: createRng(2) });
        for (let i = 0; i < 50; i++) assertClose(mode.actions.subarray(i * 2, i * 2 + 2), mode.distInputs.subarray(i * 4, i * 4 + 2), 1e-7, 'mode = mean');
      } finally {
        policy.dispose();
      }
    }
  });

  test('shared layers: one trunk, two heads; weight layout', async () => {
    const tf = await loadTf();
    const separate = new ActorCriticPolicy(tf, box(OBS_DIM), discrete(2), config(PPO, { hidden: [6, 5] }), 1);
    const shared = new ActorCriticPolicy(tf, box(OBS_DIM), discrete(2), config(PPO, { hidden: [6, 5], vfShareLayers: true }), 1);
    const pg = new ActorCriticPolicy(tf, box(OBS_DIM), discrete(2), config(PG, { hidden: [6, 5] }), 1);
    try {
      assert.deepEqual(separate.weightShapes(), [[4, 6], [6], [6, 5], [5], [5, 2], [2], [4, 6], [6], [6, 5], [5], [5, 1], [1]]);
      assert.deepEqual(shared.weightShapes(), [[4, 6], [6], [6, 5], [5], [5, 2], [2], [5, 1], [1]]);
      assert.deepEqual(pg.weightShapes(), [[4, 6], [6], [6, 5], [5], [5, 2], [2]]);
    } finally {
      for (const p of [separate, shared, pg]) p.dispose();
    }
  });
});

describe('determinism', () => {
  test('same seed → same weights in every policy; another seed → other weights', async () => {
    const a = await createActorCriticPolicy(box(OBS_DIM), discrete(2), config(PPO), 123);
    const b = await createActorCriticPolicy(box(OBS_DIM), discrete(2), config(PPO), 123);
    const c = await createActorCriticPolicy(box(OBS_DIM), discrete(2), config(PPO), 124);
    try {
      assert.deepEqual(a.getWeights(), b.getWeights());
      assert.notDeepEqual(a.getWeights(), c.getWeights());
    } finally {
      for (const p of [a, b, c]) p.dispose();
    }
  });

  test('same seeds → same sampled actions and the same weights after learning', async () => {
    const run = async (): Promise<{ actions: number[]; weights: Float32Array[] }> => {
      const p = await createActorCriticPolicy(box(OBS_DIM), discrete(3), config(PPO), 9);
      try {
        const batch = sampledBatch(p, 64, 5);
        sgdEpochs(p, batch, { numSgdIter: 2, sgdMinibatchSize: 16, random: createRng(8) });
        const out = p.computeActions(randomObs(32, 6), 32, { explore: true, random: createRng(7) });
        return { actions: [...out.actions, ...(batch.columns.actions as Int32Array)], weights: p.getWeights() };
      } finally {
        p.dispose();
      }
    };
    const [x, y] = [await run(), await run()];
    assert.deepEqual(x.actions, y.actions);
    assert.deepEqual(x.weights, y.weights);
  });
});

describe('learning steps and state', () => {
  test('computeGradients then applyGradients = learnOnBatch', async () => {
    for (const loss of [PG, A2C, PPO]) {
      const a = await createActorCriticPolicy(box(OBS_DIM), discrete(2), config(loss, { gradClip: 0.5 }), 4);
      const b = await createActorCriticPolicy(box(OBS_DIM), discrete(2), config(loss, { gradClip: 0.5 }), 4);
      try {
        const batch = sampledBatch(a, 32, 1);
        const stats = a.learnOnBatch(batch);
        const { grads, stats: gStats } = b.computeGradients(batch);
        assert.deepEqual(gStats, stats, `${loss.kind}: same stats`);
        assert.ok(stats.grad_gnorm! > 0, 'grad_gnorm reported with gradClip');
        const norm = Math.hypot(...grads.flatMap((g) => [...g]));
        assert.ok(norm <= 0.5 + 1e-4, `${loss.kind}: returned gradients are clipped to the global norm (${norm})`);
        b.applyGradients(grads);
        a.getWeights().forEach((w, i) => assertClose(w, b.getWeights()[i]!, 1e-6, `${loss.kind} weight ${i}`));
      } finally {
        a.dispose();
        b.dispose();
      }
    }
  });

  test('state (weights, Adam moments, step, KL coefficient) survives structuredClone', async () => {
    const a = await createActorCriticPolicy(box(OBS_DIM), discrete(2), config(PPO), 4);
    const b = await createActorCriticPolicy(box(OBS_DIM), discrete(2), config(PPO), 99);
    try {
      const batch = sampledBatch(a, 32, 2);
      for (let i = 0; i < 3; i++) a.learnOnBatch(batch);
      a.updateKl(1);
      const state = structuredClone(a.getState());
      assert.equal(state.optimizer.length, 2);
      assert.ok(state.optimizer[0]!.some((x) => x !== 0), 'first moments are not zero after learning');
      assert.deepEqual(state.extra, { klCoeff: 0.30000000000000004, adamStep: 3 });
      b.setState(state);
      assert.deepEqual(b.getState(), a.getState());
      // Identical continuations: the moments and step count were restored, not just the weights.
      assert.deepEqual(b.learnOnBatch(batch), a.learnOnBatch(batch));
      assert.deepEqual(b.getWeights(), a.getWeights());
    } finally {
      a.dispose();
      b.dispose();
    }
  });

  test('no tensor leaks: tf.memory().numTensors is stable over 100 learning steps', async () => {
    const tf = await loadTf();
    for (const gradMode of ['manual', 'custom'] as const) {
      const policy = new ActorCriticPolicy(tf, box(OBS_DIM), box(2, 1), config(PPO, { gradClip: 1, freeLogStd: true }), 1, gradMode);
      try {
        const batch = sampledBatch(policy, 24, 3);
        policy.learnOnBatch(batch); // first step creates the cached constants
        const before = tf.memory().numTensors;
        for (let i = 0; i < 100; i++) {
          policy.learnOnBatch(batch);
          policy.computeActions(batch.columns.obs as Float32Array, 24, { explore: true, random: createRng(i) });
          policy.value(batch.columns.obs as Float32Array, 24);
        }
        policy.applyGradients(policy.computeGradients(batch).grads);
        policy.setState(policy.getState());
        assert.equal(tf.memory().numTensors, before, `${gradMode}: tensor count changed`);
      } finally {
        policy.dispose();
      }
    }
  });

  test('dispose frees every tensor the policy made', async () => {
    const tf = await loadTf();
    const before = tf.memory().numTensors;
    const policy = new ActorCriticPolicy(tf, box(OBS_DIM), discrete(2), config(A2C), 1);
    policy.learnOnBatch(sampledBatch(policy, 8, 1));
    policy.dispose();
    policy.dispose(); // idempotent
    // (The fast-tanh constants are shared per process and created at most once.)
    assert.ok(tf.memory().numTensors - before <= 2, `${tf.memory().numTensors - before} tensors left`);
    assert.throws(() => policy.getWeights(), /after dispose/);
  });
});

describe('validation', () => {
  test('errors name what is wrong', async () => {
    const policy = await createActorCriticPolicy(box(OBS_DIM), discrete(2), config(A2C), 1);
    const pg = await createActorCriticPolicy(box(OBS_DIM), discrete(2), config(PG), 1);
    try {
      assert.throws(() => policy.setWeights([new Float32Array(3)]), /setWeights needs 12 arrays, got 1/);
      const w = policy.getWeights();
      w[2] = new Float32Array(5);
      assert.throws(() => policy.setWeights(w), /array 2 has 5 values, expected 64 \(shape \[8, 8\]\)/);
      assert.throws(() => policy.computeActions(new Float32Array(7), 2, { explore: true, random: Math.random }), /2 observations need 8 values, got 7/);
      const batch = sampledBatch(policy, 4, 1);
      const { valueTargets: _dropped, ...columns } = batch.columns;
      assert.throws(() => policy.learnOnBatch({ ...batch, columns }), /\(a2c loss\): the batch has no column 'valueTargets'/);
      const bad = { ...batch, columns: { ...batch.columns, actions: Int32Array.from([0, 1, 2, 0]) } };
      assert.throws(() => policy.learnOnBatch(bad), /action 2 in row 2 is not one of 0\.\.1/);
      assert.throws(() => policy.learnOnBatch({ count: 0, columns: {}, widths: {} }), /empty batch/);
      assert.throws(() => pg.updateKl(0.1), /updateKl needs the 'ppo' loss/);
      await assert.rejects(createActorCriticPolicy(discrete(3), discrete(2), config(PG), 1), /observation space must be a Box/);
    } finally {
      policy.dispose();
      pg.dispose();
    }
  });
});

test('learning sanity: PPO on a contextual bandit raises the probability of the rewarded action', async () => {
  // Two contexts (one-hot observations); the rewarded action is the context's index.
  const policy = await createActorCriticPolicy(box(2), discrete(2), config({ ...PPO, entropyCoeff: 0 }, { hidden: [16], lr: 1e-2 }), 5);
  try {
    const random = createRng(1);
    const n = 64;
    const obs = new Float32Array(n * 2);
    for (let i = 0; i < n; i++) obs[i * 2 + (i % 2)] = 1;
    const probCorrect = (): number => {
      const out = policy.computeActions(obs, n, { explore: false, random });
      let p = 0;
      for (let i = 0; i < n; i++) {
        const logits = out.distInputs.subarray(i * 2, i * 2 + 2);
        p += 1 / (1 + Math.exp(logits[1 - (i % 2)]! - logits[i % 2]!));
      }
      return p / n;
    };
    const before = probCorrect();
    for (let iter = 0; iter < 25; iter++) {
      const out = policy.computeActions(obs, n, { explore: true, random });
      const rewards = Array.from(out.actions, (a, i) => (a === i % 2 ? 1 : 0));
      const batch = lossBatch({
        obs,
        obsDim: 2,
        actions: out.actions,
        advantages: rewards.map((r) => r - 0.5),
        valueTargets: rewards,
        actionLogp: out.logp,
        actionDistInputs: out.distInputs,
        vfPreds: out.vfPreds,
      });
      const stats = sgdEpochs(policy, batch, { numSgdIter: 4, sgdMinibatchSize: 16, random });
      policy.updateKl(stats.kl!);
    }
    const after = probCorrect();
    assert.ok(before < 0.6, `starts near chance (${before})`);
    assert.ok(after > 0.9, `probability of the rewarded action after 400 PPO steps: ${after}`);
  } finally {
    policy.dispose();
  }
});
