/**
 * Action distributions: JS log-probabilities, entropies and KL divergences against closed forms;
 * seeded sampling (frequencies, determinism, modes); the TF halves against the JS halves; clipping.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Categorical, DiagGaussian, categoricalTf, clipActions, diagGaussianTf } from '../../../src/rl/policy/distributions.js';
import { loadTf } from '../../../src/rl/policy/tf-backend.js';
import { createRng } from '../../../src/rng/index.js';
import { assertClose, assertNear, box } from './helpers.js';

const LOG_2PI = Math.log(2 * Math.PI);

describe('Categorical', () => {
  const cat = new Categorical(3);
  const logits = new Float32Array([1, 2, 3, 0, 0, 0]);
  const probs = (l: number[]): number[] => {
    const z = l.reduce((s, x) => s + Math.exp(x), 0);
    return l.map((x) => Math.exp(x) / z);
  };

  test('logp, entropy and KL match closed forms', () => {
    const p = probs([1, 2, 3]);
    assertClose(cat.logp(logits, [2, 1], 2), [Math.log(p[2]!), Math.log(1 / 3)], 1e-6, 'logp');
    const h = -p.reduce((s, x) => s + x * Math.log(x), 0);
    assertClose(cat.entropy(logits, 2), [h, Math.log(3)], 1e-6, 'entropy');
    // KL(p ‖ uniform) = log 3 − H(p); KL(uniform ‖ p) = Σ (1/3) (log(1/3) − log p_j).
    const q = new Float32Array([0, 0, 0, 1, 2, 3]);
    const expected = [Math.log(3) - h, p.reduce((s, pj) => s + (1 / 3) * (Math.log(1 / 3) - Math.log(pj)), 0)];
    assertClose(cat.kl(logits, q, 2), expected, 1e-6, 'kl');
    assertClose(cat.kl(logits, logits, 2), [0, 0], 1e-7, 'kl(p, p)');
  });

  test('logits shifted by a constant give the same distribution', () => {
    const shifted = logits.map((x) => x + 100);
    assertClose(cat.logp(shifted, [0, 2], 2), cat.logp(logits, [0, 2], 2), 1e-5);
  });

  test('sampling follows the probabilities, is reproducible, and returns log-probs', () => {
    const n = 20000;
    const rows = new Float32Array(n * 3);
    for (let i = 0; i < n; i++) rows.set([1, 2, 3], i * 3);
    const draw = (seed: number): { actions: Int32Array; logp: Float32Array } => {
      const actions = new Int32Array(n);
      const logp = new Float32Array(n);
      cat.sample(rows, n, true, createRng(seed), actions, logp);
      return { actions, logp };
    };
    const a = draw(1);
    const counts = [0, 0, 0];
    for (const x of a.actions) counts[x]!++;
    const p = probs([1, 2, 3]);
    counts.forEach((c, j) => assert.ok(Math.abs(c / n - p[j]!) < 0.015, `frequency of ${j}: ${c / n} vs ${p[j]}`));
    a.actions.forEach((x, i) => assertNear(a.logp[i], Math.log(p[x]!), 1e-6, `logp[${i}]`));
    assert.deepEqual(draw(1).actions, a.actions, 'same seed, same actions');
    assert.notDeepEqual(draw(2).actions, a.actions, 'another seed, other actions');
  });

  test('without exploration the mode is taken and no randomness is used', () => {
    const actions = new Int32Array(2);
    const logp = new Float32Array(2);
    cat.sample(new Float32Array([0.5, 3, -1, 7, 1, 1]), 2, false, () => assert.fail('random() called'), actions, logp);
    assert.deepEqual([...actions], [1, 0]);
  });

  test('the TF half agrees with the JS half', async () => {
    const tf = await loadTf();
    const p = new Float32Array([0.3, -1.2, 2, 1, 1, 1]);
    const q = new Float32Array([1, 0, -0.5, 2, -2, 0.1]);
    tf.tidy(() => {
      const lp = tf.tensor2d(p, [2, 3]);
      const ls = categoricalTf.logSoftmax(tf, lp);
      const oneHot = tf.tensor2d([0, 0, 1, 1, 0, 0], [2, 3]);
      assertClose(categoricalTf.logpOf(tf, ls, oneHot).dataSync(), cat.logp(p, [2, 0], 2), 1e-6, 'logp');
      assertClose(categoricalTf.entropy(tf, ls).dataSync(), cat.entropy(p, 2), 1e-6, 'entropy');
      assertClose(categoricalTf.kl(tf, lp, tf.tensor2d(q, [2, 3])).dataSync(), cat.kl(p, q, 2), 1e-6, 'kl');
      // KL from the precomputed old half (what the PPO loss uses).
      const probsOld = new Float32Array(6);
      const sumPLogP = new Float32Array(2);
      cat.probsAndSumPLogP(p, 2, probsOld, sumPLogP);
      const klOld = categoricalTf.klFromOld(tf, tf.tensor2d(probsOld, [2, 3]), tf.tensor1d(sumPLogP), tf.logSoftmax(tf.tensor2d(q, [2, 3])));
      assertClose(klOld.dataSync(), cat.kl(p, q, 2), 1e-6, 'klFromOld');
    });
  });
});

describe('DiagGaussian', () => {
  const g = new DiagGaussian(2);
  // Rows: [mean0, mean1, logStd0, logStd1].
  const inputs = new Float32Array([0, 1, 0, Math.log(2), -1, 0.5, -0.5, 0.25]);

  test('logp, entropy and KL match closed forms', () => {
    const a = [0.5, 0, 0, 0];
    const logp0 = -0.5 * (0.5 ** 2 + (-1 / 2) ** 2) - (0 + Math.log(2)) - LOG_2PI;
    const z1 = [(0 + 1) / Math.exp(-0.5), (0 - 0.5) / Math.exp(0.25)];
    const logp1 = -0.5 * (z1[0]! ** 2 + z1[1]! ** 2) - (-0.5 + 0.25) - LOG_2PI;
    assertClose(g.logp(inputs, a, 2), [logp0, logp1], 1e-6, 'logp');
    const h = (ls: number[]): number => ls.reduce((s, x) => s + x + 0.5 * Math.log(2 * Math.PI * Math.E), 0);
    assertClose(g.entropy(inputs, 2), [h([0, Math.log(2)]), h([-0.5, 0.25])], 1e-6, 'entropy');
    // KL(N(0,1) ‖ N(1,4)) per dim = log 2 + (1 + 1)/8 − 1/2.
    const p = new Float32Array([0, 0, 0, 0]);
    const q = new Float32Array([1, 1, Math.log(2), Math.log(2)]);
    assertClose(g.kl(p, q, 1), [2 * (Math.log(2) + 2 / 8 - 0.5)], 1e-6, 'kl');
    assertClose(g.kl(inputs, inputs, 2), [0, 0], 1e-7, 'kl(p, p)');
  });

  test('sampling: moments, reproducibility, unclipped actions, mode without exploration', () => {
    const n = 20000;
    const rows = new Float32Array(n * 4);
    for (let i = 0; i < n; i++) rows.set([3, -1, Math.log(0.5), Math.log(2)], i * 4);
    const actions = new Float32Array(n * 2);
    const logp = new Float32Array(n);
    g.sample(rows, n, true, createRng(7), actions, logp);
    const mean = [0, 0];
    const sq = [0, 0];
    for (let i = 0; i < n; i++) for (let j = 0; j < 2; j++) {
      mean[j]! += actions[i * 2 + j]! / n;
      sq[j]! += actions[i * 2 + j]! ** 2 / n;
    }
    assert.ok(Math.abs(mean[0]! - 3) < 0.02 && Math.abs(mean[1]! + 1) < 0.05, `means ${mean}`);
    const std = [Math.sqrt(sq[0]! - mean[0]! ** 2), Math.sqrt(sq[1]! - mean[1]! ** 2)];
    assert.ok(Math.abs(std[0]! - 0.5) < 0.02 && Math.abs(std[1]! - 2) < 0.05, `stds ${std}`);
    assertClose(logp.subarray(0, 100), g.logp(rows, actions, n).subarray(0, 100), 1e-5, 'logp of the sampled actions');
    const again = new Float32Array(n * 2);
    g.sample(rows, n, true, createRng(7), again, new Float32Array(n));
    assert.deepEqual(again, actions);
    const mode = new Float32Array(2);
    g.sample(rows, 1, false, () => assert.fail('random() called'), mode, new Float32Array(1));
    assert.deepEqual([...mode], [3, -1]);
    const wide = actions.some((x, i) => i % 2 === 1 && Math.abs(x) > 2);
    assert.ok(wide, 'actions are not clipped by the distribution');
  });

  test('the TF half agrees with the JS half (state-dependent and free log-std)', async () => {
    const tf = await loadTf();
    const a = new Float32Array([0.5, 0, 0, 0]);
    const q = new Float32Array([1, 0, 0.3, -0.2, 0, 0, 0.1, 0.1]);
    tf.tidy(() => {
      const mean = tf.tensor2d([0, 1, -1, 0.5], [2, 2]);
      const logStd = tf.tensor2d([0, Math.log(2), -0.5, 0.25], [2, 2]);
      assertClose(diagGaussianTf.logp(tf, mean, logStd, tf.tensor2d(a, [2, 2])).dataSync(), g.logp(inputs, a, 2), 1e-5, 'logp');
      assertClose(diagGaussianTf.entropy(tf, logStd).dataSync(), g.entropy(inputs, 2), 1e-6, 'entropy');
      const qMean = tf.tensor2d([1, 0, 0, 0], [2, 2]);
      const qLogStd = tf.tensor2d([0.3, -0.2, 0.1, 0.1], [2, 2]);
      assertClose(diagGaussianTf.kl(tf, mean, logStd, qMean, qLogStd).dataSync(), g.kl(inputs, q, 2), 1e-5, 'kl');
      // A free log-std [d] broadcasts over rows; entropy is then one value.
      const free = tf.tensor1d([0.2, -0.4]);
      const freeRows = new Float32Array([0, 1, 0.2, -0.4, -1, 0.5, 0.2, -0.4]);
      assertClose(diagGaussianTf.logp(tf, mean, free, tf.tensor2d(a, [2, 2])).dataSync(), g.logp(freeRows, a, 2), 1e-5, 'logp (free)');
      assertClose(diagGaussianTf.entropy(tf, free).dataSync(), [g.entropy(freeRows, 1)[0]!], 1e-6, 'entropy (free)');
    });
  });
});

test('clipActions clips to the Box bounds into a copy', () => {
  const space = { ...box(2), low: new Float32Array([-1, -2]), high: new Float32Array([1, 2]) };
  const actions = new Float32Array([-3, 5, 0.5, -1.5]);
  assert.deepEqual([...clipActions(actions, space)], [-1, 2, 0.5, -1.5]);
  assert.deepEqual([...actions], [-3, 5, 0.5, -1.5], 'input untouched');
  assert.deepEqual([...clipActions(new Float32Array([7, -7]), box(2))], [7, -7], 'infinite bounds');
});
