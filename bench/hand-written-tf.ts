/**
 * Pieces of the hand-written TF.js baselines that the learner benches (bench/learner.ts, PPO;
 * bench/replay.ts, DQN) measure rlflow's policies against: the fastest forms of tanh and Adam we know
 * in plain TF.js, written here without rlflow's policy code so the baselines stay independent of it.
 */
import type { Scalar, Tensor, Variable } from '@tensorflow/tfjs';
import type { Tf } from '../src/rl/policy/tf-backend.js';

/**
 * Kept scalar constants, created once: a number operand (`tf.mul(x, 0.9)`) uploads a new scalar tensor
 * on every call, which costs as much as a small kernel.
 */
export function scalarCache(tf: Tf): { get: (x: number) => Scalar; dispose: () => void } {
  const cache = new Map<number, Scalar>();
  return {
    get: (x) => {
      let s = cache.get(x);
      if (!s) cache.set(x, (s = tf.keep(tf.scalar(x))));
      return s;
    },
    dispose: () => {
      for (const s of cache.values()) s.dispose();
      cache.clear();
    },
  };
}

/**
 * tanh as 2σ(2z) − 1 (wasm's Tanh kernel is scalar code, ≈ 10× the vectorized Sigmoid), and its
 * derivative in terms of the output, dy·(1 − y²).
 */
export function fastTanh(tf: Tf, c: (x: number) => Scalar): { tanh: (z: Tensor) => Tensor; grad: (dy: Tensor, y: Tensor) => Tensor } {
  return {
    tanh: (z) => tf.sub(tf.mul(tf.sigmoid(tf.mul(z, c(2))), c(2)), c(1)),
    grad: (dy, y) => tf.mul(dy, tf.sub(c(1), tf.square(y))),
  };
}

/**
 * Adam (torch's update rule) over ONE flat vector of all parameters: a handful of kernels per step
 * instead of ~10 per variable. `apply(grads)` (in `vars` order, inside a tidy) concatenates the
 * gradients, updates m and v, and splits the new parameters back into the variables.
 */
export function flatAdam(tf: Tf, vars: readonly Variable[], options: { readonly lr: number; readonly eps: number }, c: (x: number) => Scalar): { apply: (grads: readonly Tensor[]) => void; dispose: () => void } {
  const sizes = vars.map((x) => x.size);
  const total = sizes.reduce((a, b) => a + b, 0);
  const adamM = tf.variable(tf.zeros([total]), false);
  const adamV = tf.variable(tf.zeros([total]), false);
  let step = 0;
  const apply = (grads: readonly Tensor[]): void => {
    step += 1;
    const g = tf.concat(grads.map((x) => (x.rank === 1 ? x : tf.reshape(x, [-1]))));
    const m = tf.add(tf.mul(adamM, c(0.9)), tf.mul(g, c(0.1)));
    const v = tf.add(tf.mul(adamV, c(0.999)), tf.mul(tf.square(g), c(0.001)));
    adamM.assign(m);
    adamV.assign(v);
    const update = tf.div(tf.mul(m, options.lr / (1 - 0.9 ** step)), tf.add(tf.mul(tf.sqrt(v), 1 / Math.sqrt(1 - 0.999 ** step)), c(options.eps)));
    const parts = tf.split(tf.sub(tf.concat(vars.map((x) => (x.rank === 1 ? x : tf.reshape(x, [-1])))), update), sizes);
    vars.forEach((x, i) => x.assign(x.rank === 1 ? parts[i]! : tf.reshape(parts[i]!, x.shape)));
  };
  return {
    apply,
    dispose: () => {
      adamM.dispose();
      adamV.dispose();
    },
  };
}
