/**
 * Action distributions, each in two halves:
 * - **JS half** (plain typed arrays, float64 arithmetic): sampling during rollouts, where the network's
 *   outputs have already been read back for the whole batch of env copies. Randomness comes only from
 *   the caller's `random()` (a seeded stream), so rollouts are reproducible. Also log-probabilities,
 *   entropies and KL divergences, for tests and postprocessing.
 * - **TF half** (tensors, differentiable): the same quantities inside the losses.
 *
 * Distribution inputs (`actionDistInputs` in a SampleBatch) are RLlib's: logits for `Categorical`;
 * `[mean…, logStd…]` (2·d values per row) for `DiagGaussian`. Gaussian actions are *not* clipped here:
 * the sampled, unclipped action is stored and its log-probability computed, and only the copy sent to
 * the environment is clipped to the Box bounds (`clipActions`), as RLlib does.
 */
import type { Tensor } from '@tensorflow/tfjs';
import type { BoxSpace } from '../envs/types.js';
import type { Tf } from './tf-backend.js';

const LOG_2PI = Math.log(2 * Math.PI);
/** Entropy of a unit normal: ½·log(2πe). */
const HALF_LOG_2PIE = 0.5 * (LOG_2PI + 1);

/** An action distribution over a batch of rows (built from the policy's distribution inputs): sampling, log-probabilities, entropy and KL. */
export interface ActionDistribution {
  readonly kind: 'categorical' | 'diagGaussian';
  /** Distribution-input values per row (k logits, or 2·d for mean and log-std). */
  readonly inputWidth: number;
  /** Action values per row (1 for categorical, d for Gaussian). */
  readonly actionWidth: number;
  /**
   * Draws one action per row (`explore`), or takes the mode (argmax / mean), writing the actions and
   * their log-probabilities into `actions` ([n·actionWidth]) and `logp` ([n]).
   */
  sample(inputs: Float32Array, n: number, explore: boolean, random: () => number, actions: Int32Array | Float32Array, logp: Float32Array): void;
  /** log π(a | inputs) per row. */
  logp(inputs: Float32Array, actions: ArrayLike<number>, n: number): Float32Array;
  /** Entropy per row. */
  entropy(inputs: Float32Array, n: number): Float32Array;
  /** KL(p ‖ q) per row. */
  kl(p: Float32Array, q: Float32Array, n: number): Float32Array;
}

// ---------------------------------------------------------------------------------------------------
// Categorical

/** A categorical distribution over Discrete actions, from logits. */
export class Categorical implements ActionDistribution {
  readonly kind = 'categorical';
  readonly inputWidth: number;
  readonly actionWidth = 1;
  private readonly scratch: Float64Array;

  constructor(readonly numActions: number) {
    if (!Number.isInteger(numActions) || numActions < 1) throw new Error(`Categorical: need at least one action, got ${numActions}`);
    this.inputWidth = numActions;
    this.scratch = new Float64Array(numActions);
  }

  /** log Σ exp(row) with the max subtracted; fills scratch with exp(l − max). Returns [max, log Σ]. */
  private logSumExp(logits: Float32Array, off: number): [number, number] {
    const k = this.numActions;
    let max = -Infinity;
    for (let j = 0; j < k; j++) max = Math.max(max, logits[off + j]!);
    let sum = 0;
    for (let j = 0; j < k; j++) sum += this.scratch[j] = Math.exp(logits[off + j]! - max);
    return [max, Math.log(sum)];
  }

  sample(logits: Float32Array, n: number, explore: boolean, random: () => number, actions: Int32Array | Float32Array, logp: Float32Array): void {
    const k = this.numActions;
    for (let i = 0; i < n; i++) {
      const off = i * k;
      const [max, lse] = this.logSumExp(logits, off);
      let a = 0;
      if (explore) {
        // Inverse CDF on the unnormalised weights: one uniform per row.
        let u = random() * Math.exp(lse);
        a = k - 1;
        for (let j = 0; j < k; j++) {
          u -= this.scratch[j]!;
          if (u < 0) {
            a = j;
            break;
          }
        }
      } else {
        for (let j = 1; j < k; j++) if (logits[off + j]! > logits[off + a]!) a = j;
      }
      actions[i] = a;
      logp[i] = logits[off + a]! - max - lse;
    }
  }

  logp(logits: Float32Array, actions: ArrayLike<number>, n: number): Float32Array {
    const k = this.numActions;
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const [max, lse] = this.logSumExp(logits, i * k);
      out[i] = logits[i * k + actions[i]!]! - max - lse;
    }
    return out;
  }

  /**
   * Softmax probabilities into `probs` ([n·k]) and Σ p·log p per row into `sumPLogP` ([n]): the
   * parts of KL(old ‖ new) that depend only on the old (sampling-time) logits.
   */
  probsAndSumPLogP(logits: Float32Array, n: number, probs: Float32Array, sumPLogP: Float32Array): void {
    const k = this.numActions;
    for (let i = 0; i < n; i++) {
      const off = i * k;
      const [max, lse] = this.logSumExp(logits, off);
      const z = Math.exp(lse);
      let s = 0;
      for (let j = 0; j < k; j++) {
        const p = this.scratch[j]! / z;
        probs[off + j] = p;
        if (p > 0) s += p * (logits[off + j]! - max - lse);
      }
      sumPLogP[i] = s;
    }
  }

  /** Entropy −Σ p·log p per row. */
  entropy(logits: Float32Array, n: number): Float32Array {
    const k = this.numActions;
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const off = i * k;
      const [max, lse] = this.logSumExp(logits, off);
      const z = Math.exp(lse);
      let h = 0;
      for (let j = 0; j < k; j++) {
        const p = this.scratch[j]! / z;
        if (p > 0) h -= p * (logits[off + j]! - max - lse);
      }
      out[i] = h;
    }
    return out;
  }

  kl(p: Float32Array, q: Float32Array, n: number): Float32Array {
    const k = this.numActions;
    const out = new Float32Array(n);
    const pp = new Float64Array(k);
    for (let i = 0; i < n; i++) {
      const off = i * k;
      const [pMax, pLse] = this.logSumExp(p, off);
      const pz = Math.exp(pLse);
      for (let j = 0; j < k; j++) pp[j] = this.scratch[j]! / pz;
      const [qMax, qLse] = this.logSumExp(q, off);
      let d = 0;
      for (let j = 0; j < k; j++) {
        if (pp[j]! > 0) d += pp[j]! * (p[off + j]! - pMax - pLse - (q[off + j]! - qMax - qLse));
      }
      out[i] = d;
    }
    return out;
  }
}

/** Categorical distribution ops on tensors (logits [n, k]). */
export const categoricalTf = {
  logSoftmax(tf: Tf, logits: Tensor): Tensor {
    return tf.logSoftmax(logits);
  },
  /** log π(a) per row from log-softmax [n, k] and one-hot actions [n, k]. */
  logpOf(tf: Tf, logSoftmax: Tensor, oneHot: Tensor): Tensor {
    return tf.sum(tf.mul(logSoftmax, oneHot), 1);
  },
  /** −Σ p·log p per row. */
  entropy(tf: Tf, logSoftmax: Tensor): Tensor {
    return tf.neg(tf.sum(tf.mul(tf.exp(logSoftmax), logSoftmax), 1));
  },
  /**
   * KL(old ‖ new) per row = Σ p_old·log p_old − Σ p_old·log p_new, with the old half precomputed in JS
   * (`Categorical.probsAndSumPLogP`): only the second term involves the network.
   */
  klFromOld(tf: Tf, oldProbs: Tensor, oldSumPLogP: Tensor, newLogSoftmax: Tensor): Tensor {
    return tf.sub(oldSumPLogP, tf.sum(tf.mul(oldProbs, newLogSoftmax), 1));
  },
  /** KL(p ‖ q) per row from two logit tensors. */
  kl(tf: Tf, pLogits: Tensor, qLogits: Tensor): Tensor {
    const lp = tf.logSoftmax(pLogits);
    const lq = tf.logSoftmax(qLogits);
    return tf.sum(tf.mul(tf.exp(lp), tf.sub(lp, lq)), 1);
  },
};

// ---------------------------------------------------------------------------------------------------
// Diagonal Gaussian

/** A diagonal Gaussian over Box actions, from means and log standard deviations. */
export class DiagGaussian implements ActionDistribution {
  readonly kind = 'diagGaussian';
  readonly inputWidth: number;
  readonly actionWidth: number;

  constructor(readonly dim: number) {
    if (!Number.isInteger(dim) || dim < 1) throw new Error(`DiagGaussian: need a positive action dimension, got ${dim}`);
    this.inputWidth = 2 * dim;
    this.actionWidth = dim;
  }

  /**
   * Samples a = mean + exp(logStd)·z, z standard normal by Box–Muller from `random()` (two uniforms
   * per pair of components of one row). NOTE: pairs never span two rows, so a row's draws do not depend
   * on which rows share its call: the `batch` pass may split inference into chunks of any size and the
   * actions stay the same draw for draw.
   */
  sample(inputs: Float32Array, n: number, explore: boolean, random: () => number, actions: Int32Array | Float32Array, logp: Float32Array): void {
    const d = this.dim;
    let spare: number | undefined;
    const normal = (): number => {
      if (spare !== undefined) {
        const s = spare;
        spare = undefined;
        return s;
      }
      const r = Math.sqrt(-2 * Math.log(1 - random()));
      const th = 2 * Math.PI * random();
      spare = r * Math.sin(th);
      return r * Math.cos(th);
    };
    for (let i = 0; i < n; i++) {
      const off = i * 2 * d;
      let lp = -0.5 * d * LOG_2PI;
      spare = undefined;
      for (let j = 0; j < d; j++) {
        const mean = inputs[off + j]!;
        const logStd = inputs[off + d + j]!;
        const z = explore ? normal() : 0;
        actions[i * d + j] = mean + Math.exp(logStd) * z;
        lp -= 0.5 * z * z + logStd;
      }
      logp[i] = lp;
    }
  }

  logp(inputs: Float32Array, actions: ArrayLike<number>, n: number): Float32Array {
    const d = this.dim;
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const off = i * 2 * d;
      let lp = -0.5 * d * LOG_2PI;
      for (let j = 0; j < d; j++) {
        const logStd = inputs[off + d + j]!;
        const z = (actions[i * d + j]! - inputs[off + j]!) / Math.exp(logStd);
        lp -= 0.5 * z * z + logStd;
      }
      out[i] = lp;
    }
    return out;
  }

  /** Entropy per row: Σ (log σ + ½·log(2πe)) over the action dimensions. */
  entropy(inputs: Float32Array, n: number): Float32Array {
    const d = this.dim;
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      let h = d * HALF_LOG_2PIE;
      for (let j = 0; j < d; j++) h += inputs[i * 2 * d + d + j]!;
      out[i] = h;
    }
    return out;
  }

  kl(p: Float32Array, q: Float32Array, n: number): Float32Array {
    const d = this.dim;
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const off = i * 2 * d;
      let s = 0;
      for (let j = 0; j < d; j++) {
        const mp = p[off + j]!, lp = p[off + d + j]!, mq = q[off + j]!, lq = q[off + d + j]!;
        s += lq - lp + (Math.exp(2 * lp) + (mp - mq) ** 2) / (2 * Math.exp(2 * lq)) - 0.5;
      }
      out[i] = s;
    }
    return out;
  }
}

/**
 * Diagonal Gaussian ops on tensors. `mean` and `actions` are [n, d]; `logStd` is [n, d]
 * (state-dependent) or [d] (a free parameter, broadcast over rows).
 */
export const diagGaussianTf = {
  logp(tf: Tf, mean: Tensor, logStd: Tensor, actions: Tensor): Tensor {
    const d = mean.shape[1]!;
    const z = tf.mul(tf.sub(actions, mean), tf.exp(tf.neg(logStd)));
    const sq = tf.sum(tf.square(z), 1);
    const sumLogStd = tf.sum(logStd, -1);
    return tf.sub(tf.mul(sq, -0.5), tf.add(sumLogStd, 0.5 * d * LOG_2PI));
  },
  /** Entropy per row ([n]), or one value for all rows when `logStd` is free ([d] → scalar). */
  entropy(tf: Tf, logStd: Tensor): Tensor {
    const d = logStd.shape[logStd.rank - 1]!;
    return tf.add(tf.sum(logStd, -1), d * HALF_LOG_2PIE);
  },
  /** KL(p ‖ q) per row. */
  kl(tf: Tf, meanP: Tensor, logStdP: Tensor, meanQ: Tensor, logStdQ: Tensor): Tensor {
    const num = tf.add(tf.exp(tf.mul(logStdP, 2)), tf.square(tf.sub(meanP, meanQ)));
    const den = tf.mul(tf.exp(tf.mul(logStdQ, 2)), 2);
    const terms = tf.add(tf.sub(logStdQ, logStdP), tf.sub(tf.div(num, den), 0.5));
    return tf.sum(terms, 1);
  },
};

// ---------------------------------------------------------------------------------------------------

/**
 * Clips Box actions ([n × d], row-major) to the space's bounds, into `out` (default: a new array);
 * for the copy sent to the environment. Infinite bounds leave values alone.
 */
export function clipActions(actions: Float32Array, space: BoxSpace, out: Float32Array = new Float32Array(actions.length)): Float32Array {
  const d = space.low.length;
  for (let i = 0; i < actions.length; i++) {
    const j = i % d;
    const v = actions[i]!;
    out[i] = v < space.low[j]! ? space.low[j]! : v > space.high[j]! ? space.high[j]! : v;
  }
  return out;
}
