/**
 * The PG, A2C and PPO losses of the actor-critic policy, on the outputs of its networks, in two forms
 * that compute the same numbers:
 * - `lossAutodiff`: differentiable TF.js ops, for TF.js's autodiff (gradient modes `'custom'` and
 *   `'builtin'`); the reference the tests hold the other form to.
 * - `lossWithGrads`: the loss, its stats and its gradient with respect to the network outputs in closed
 *   form, for the hand-written backward pass (gradient mode `'manual'`, the default). The formulas
 *   below give the gradients; they follow TF.js's own gradient conventions at ties (`minimum` passes the
 *   gradient to its first argument when equal, `maximum` to its first when greater or equal,
 *   `clipByValue` passes it inside the closed interval), so both forms agree to float rounding.
 *
 * Notation, per row i of a minibatch of n: z the policy-head outputs, log π the log-probability of the
 * taken action, A the advantage, R the value target, V the value estimate, H the entropy, KL the
 * divergence from the sampling-time distribution, r = exp(log π − log π_old).
 *
 *   ∂ log π / ∂z   (categorical)  = onehot(a) − p
 *   ∂ H / ∂z       (categorical)  = −p ⊙ (log p + H)
 *   ∂ KL / ∂z      (categorical)  = p − p_old
 *   ∂ log π / ∂μ   (Gaussian)     = (a − μ) / σ²,         ∂ log π / ∂ log σ = ((a − μ)/σ)² − 1
 *   ∂ H / ∂ log σ  (Gaussian)     = 1
 *   ∂ KL / ∂μ      (Gaussian)     = (μ − μ_old) / σ²,     ∂ KL / ∂ log σ = 1 − (σ_old² + (μ_old − μ)²) / σ²
 *   PPO surrogate: ∂ min(rA, clip(r)A) / ∂ log π = r·A·[rA ≤ clip(r)·A]
 *   PPO value:     ∂ max((V−R)², (V_clip−R)²) / ∂V = 2(V−R) if (V−R)² ≥ (V_clip−R)², else 2(V_clip−R)·[|V−V_old| ≤ ε_vf]
 */
import type { Scalar, Tensor, Tensor1D, Tensor2D } from '@tensorflow/tfjs';
import { categoricalTf, diagGaussianTf } from './distributions.js';
import type { Tf } from './tf-backend.js';
import type { LossConfig } from './types.js';

const LOG_2PI = Math.log(2 * Math.PI);
const HALF_LOG_2PIE = 0.5 * (LOG_2PI + 1);

/** Names of the stats vector each loss produces, in order. */
export const LOSS_STAT_NAMES: Record<LossConfig['kind'], readonly string[]> = {
  pg: ['total_loss', 'policy_loss'],
  a2c: ['total_loss', 'policy_loss', 'vf_loss', 'policy_entropy', 'entropy', 'vf_err_mean', 'vf_err_var'],
  ppo: ['total_loss', 'policy_loss', 'vf_loss', 'kl', 'entropy', 'vf_err_mean', 'vf_err_var'],
};

/**
 * Cached scalar tensors for constants. NOTE: every plain-number operand of a TF.js op is uploaded as a
 * new scalar tensor (≈ 6 µs on wasm, as much as a small kernel); constants used on every step are kept
 * once instead. Values that change over time (the KL coefficient) are passed as numbers, and the cache
 * stops growing at `limit` entries.
 */
export class ScalarCache {
  private readonly map = new Map<number, Scalar>();
  constructor(
    private readonly tf: Tf,
    private readonly limit = 32,
  ) {}

  get(x: number): Scalar | number {
    const hit = this.map.get(x);
    if (hit) return hit;
    if (this.map.size >= this.limit) return x;
    const t = this.tf.keep(this.tf.scalar(x));
    this.map.set(x, t);
    return t;
  }

  dispose(): void {
    for (const t of this.map.values()) t.dispose();
    this.map.clear();
  }
}

/** The data of one minibatch, as tensors, that the losses read. */
export interface LossData {
  readonly n: number;
  /** One-hot actions [n, k] (categorical) or actions [n, d] (Gaussian). */
  readonly actions: Tensor2D;
  readonly advantages: Tensor1D;
  readonly valueTargets?: Tensor1D;
  readonly oldLogp?: Tensor1D;
  readonly vfPreds?: Tensor1D;
  /** Categorical PPO: probabilities [n, k] and Σ p·log p [n] of the sampling-time distribution. */
  readonly oldProbs?: Tensor2D;
  readonly oldSumPLogP?: Tensor1D;
  /** Gaussian PPO: mean and log-std [n, d] of the sampling-time distribution. */
  readonly oldMean?: Tensor2D;
  readonly oldLogStd?: Tensor2D;
}

/** The network outputs the loss is computed from. */
export interface LossHeads {
  readonly dist: 'categorical' | 'diagGaussian';
  /** Policy head: logits [n, k]; Gaussian: [n, 2d] (mean, log-std) or [n, d] (mean) with `freeLogStd`. */
  readonly out: Tensor2D;
  /** The free log-std parameter [d] (Gaussian with `freeLogStd`). */
  readonly freeLogStd?: Tensor;
  /** Value estimates [n] (absent for PG). */
  readonly value?: Tensor1D;
}

export interface LossResult {
  readonly loss: Scalar;
  /** In `LOSS_STAT_NAMES[kind]` order. */
  readonly stats: Tensor1D;
}

export interface LossGradResult extends LossResult {
  /** ∂loss/∂out, same shape as `heads.out`. */
  readonly dOut: Tensor2D;
  /** ∂loss/∂value as [n, 1] (absent for PG). */
  readonly dValue?: Tensor2D;
  /** ∂loss/∂freeLogStd [d]. */
  readonly dFreeLogStd?: Tensor;
}

export interface LossSettings {
  readonly loss: LossConfig;
  /** PPO's current (adaptive) KL coefficient. */
  readonly klCoeff: number;
  readonly consts: ScalarCache;
}

interface Split {
  mean: Tensor2D;
  logStd: Tensor;
}

function splitGaussian(tf: Tf, heads: LossHeads, n: number): Split {
  if (heads.freeLogStd) return { mean: heads.out, logStd: heads.freeLogStd };
  const d = heads.out.shape[1] / 2;
  return { mean: tf.slice(heads.out, [0, 0], [n, d]), logStd: tf.slice(heads.out, [0, d], [n, d]) };
}

/** The value-error stats: mean and (population) variance of V − R. */
function errStats(tf: Tf, err: Tensor): [Tensor, Tensor] {
  const mean = tf.mean(err);
  return [mean, tf.mean(tf.square(tf.sub(err, mean)))];
}

/** The loss as differentiable ops (reference form; see the module comment). */
export function lossAutodiff(tf: Tf, s: LossSettings, heads: LossHeads, data: LossData): LossResult {
  const loss = s.loss;
  const n = data.n;
  let logp: Tensor;
  let entropy: () => Tensor;
  let kl: () => Tensor;
  if (heads.dist === 'categorical') {
    const ls = tf.logSoftmax(heads.out);
    logp = categoricalTf.logpOf(tf, ls, data.actions);
    entropy = () => categoricalTf.entropy(tf, ls);
    kl = () => categoricalTf.klFromOld(tf, data.oldProbs!, data.oldSumPLogP!, ls);
  } else {
    const { mean, logStd } = splitGaussian(tf, heads, n);
    logp = diagGaussianTf.logp(tf, mean, logStd, data.actions);
    entropy = () => diagGaussianTf.entropy(tf, logStd);
    kl = () => diagGaussianTf.kl(tf, data.oldMean!, data.oldLogStd!, mean, logStd);
  }

  if (loss.kind === 'pg') {
    const policyLoss = tf.neg(tf.mean(tf.mul(logp, data.advantages))) as Scalar;
    return { loss: policyLoss, stats: tf.stack([policyLoss, policyLoss]) as Tensor1D };
  }

  const value = heads.value!;
  const err = tf.sub(value, data.valueTargets!);
  const [errMean, errVar] = errStats(tf, err);

  if (loss.kind === 'a2c') {
    const piErr = tf.neg(tf.sum(tf.mul(logp, data.advantages)));
    const vfErr = tf.mul(tf.sum(tf.square(err)), 0.5);
    const ent = entropy();
    // A free log-std gives one entropy for all rows: the sum over rows is n times it.
    const entSum = ent.rank === 0 ? tf.mul(ent, n) : tf.sum(ent);
    const entMean = ent.rank === 0 ? ent : tf.mean(ent);
    const total = tf.sub(tf.add(piErr, tf.mul(vfErr, loss.vfLossCoeff)), tf.mul(entSum, loss.entropyCoeff)) as Scalar;
    return { loss: total, stats: tf.stack([total, piErr, vfErr, entSum, entMean, errMean, errVar]) as Tensor1D };
  }

  const ratio = tf.exp(tf.sub(logp, data.oldLogp!));
  const surrogate = tf.minimum(tf.mul(ratio, data.advantages), tf.mul(tf.clipByValue(ratio, 1 - loss.clipParam, 1 + loss.clipParam), data.advantages));
  const policyLoss = tf.neg(tf.mean(surrogate));
  const vfLoss1 = tf.square(err);
  const vfClipped = tf.add(data.vfPreds!, tf.clipByValue(tf.sub(value, data.vfPreds!), -loss.vfClipParam, loss.vfClipParam));
  const vfLoss2 = tf.square(tf.sub(vfClipped, data.valueTargets!));
  const vfLoss = tf.mean(tf.maximum(vfLoss1, vfLoss2));
  const meanKl = tf.mean(kl());
  const meanEntropy = tf.mean(entropy());
  // mean(a + b + …) = mean(a) + mean(b) + …
  let total: Tensor = tf.add(policyLoss, tf.mul(vfLoss, loss.vfLossCoeff));
  if (s.klCoeff !== 0) total = tf.add(total, tf.mul(meanKl, s.klCoeff));
  if (loss.entropyCoeff !== 0) total = tf.sub(total, tf.mul(meanEntropy, loss.entropyCoeff));
  return { loss: total as Scalar, stats: tf.stack([total, policyLoss, vfLoss, meanKl, meanEntropy, errMean, errVar]) as Tensor1D };
}

/**
 * The loss, stats and gradients with respect to the network outputs, in closed form (see the module
 * comment). No TF.js tape is involved: call it outside any gradient scope.
 */
export function lossWithGrads(tf: Tf, s: LossSettings, heads: LossHeads, data: LossData): LossGradResult {
  const loss = s.loss;
  const n = data.n;
  const c = (x: number): Scalar | number => s.consts.get(x);
  const A = data.advantages;

  // Per-row weight w on ∂log π (so ∂loss/∂log π_i = w_i), per-row coefficient of ∂H, and of ∂KL.
  let w: Tensor;
  let entCoef = 0;
  let klCoef = 0;
  let total: Tensor;
  let statsParts: Tensor[];
  let dValue: Tensor2D | undefined;

  // Distribution terms needed by every loss: log π of the taken actions, plus what the gradients use.
  let logp: Tensor;
  let cat: { ls: Tensor; p: Tensor } | undefined;
  let gauss: (Split & { z: Tensor; invStd: Tensor }) | undefined;
  if (heads.dist === 'categorical') {
    const ls = tf.logSoftmax(heads.out);
    cat = { ls, p: tf.exp(ls) };
    logp = tf.sum(tf.mul(ls, data.actions), 1);
  } else {
    const sp = splitGaussian(tf, heads, n);
    const d = sp.mean.shape[1];
    const invStd = tf.exp(tf.neg(sp.logStd));
    const z = tf.mul(tf.sub(data.actions, sp.mean), invStd);
    gauss = { ...sp, z, invStd };
    logp = tf.sub(tf.mul(tf.sum(tf.square(z), 1), c(-0.5)), tf.add(tf.sum(sp.logStd, -1), c(0.5 * d * LOG_2PI)));
  }
  const entropyRows = (): Tensor =>
    cat ? tf.neg(tf.sum(tf.mul(cat.p, cat.ls), 1)) : tf.add(tf.sum(gauss!.logStd, -1), c(gauss!.mean.shape[1] * HALF_LOG_2PIE));

  let entRows: Tensor | undefined;
  if (loss.kind === 'pg') {
    const policyLoss = tf.neg(tf.mean(tf.mul(logp, A)));
    w = tf.mul(A, c(-1 / n));
    total = policyLoss;
    statsParts = [policyLoss, policyLoss];
  } else {
    const value = heads.value!;
    const R = data.valueTargets!;
    const err = tf.sub(value, R);
    const [errMean, errVar] = errStats(tf, err);
    entRows = entropyRows();
    if (loss.kind === 'a2c') {
      const piErr = tf.neg(tf.sum(tf.mul(logp, A)));
      const vfErr = tf.mul(tf.sum(tf.square(err)), c(0.5));
      const entSum = entRows.rank === 0 ? tf.mul(entRows, n) : tf.sum(entRows);
      const entMean = entRows.rank === 0 ? entRows : tf.mean(entRows);
      total = tf.sub(tf.add(piErr, tf.mul(vfErr, c(loss.vfLossCoeff))), tf.mul(entSum, c(loss.entropyCoeff)));
      statsParts = [total, piErr, vfErr, entSum, entMean, errMean, errVar];
      w = tf.neg(A);
      entCoef = loss.entropyCoeff;
      dValue = tf.reshape(tf.mul(err, c(loss.vfLossCoeff)), [n, 1]);
    } else {
      const ratio = tf.exp(tf.sub(logp, data.oldLogp!));
      const rA = tf.mul(ratio, A);
      const rcA = tf.mul(tf.clipByValue(ratio, 1 - loss.clipParam, 1 + loss.clipParam), A);
      const surrogate = tf.minimum(rA, rcA);
      const policyLoss = tf.neg(tf.mean(surrogate));
      // Value clipping.
      const vOld = data.vfPreds!;
      const dv = tf.sub(value, vOld);
      const dvClipped = tf.clipByValue(dv, -loss.vfClipParam, loss.vfClipParam);
      const err2 = tf.sub(tf.add(vOld, dvClipped), R);
      const vl1 = tf.square(err);
      const vl2 = tf.square(err2);
      const vfLoss = tf.mean(tf.maximum(vl1, vl2));
      // KL and entropy.
      let klRows: Tensor;
      if (cat) {
        klRows = tf.sub(data.oldSumPLogP!, tf.sum(tf.mul(data.oldProbs!, cat.ls), 1));
      } else {
        const g = gauss!;
        const num = tf.add(tf.exp(tf.mul(data.oldLogStd!, c(2))), tf.square(tf.sub(data.oldMean!, g.mean)));
        const halfInvVar = tf.mul(tf.square(g.invStd), c(0.5));
        klRows = tf.sum(tf.sub(tf.add(tf.sub(g.logStd, data.oldLogStd!), tf.mul(num, halfInvVar)), c(0.5)), 1);
      }
      const meanKl = tf.mean(klRows);
      const meanEntropy = tf.mean(entRows);
      total = tf.add(policyLoss, tf.mul(vfLoss, c(loss.vfLossCoeff)));
      if (s.klCoeff !== 0) total = tf.add(total, tf.mul(meanKl, s.klCoeff));
      if (loss.entropyCoeff !== 0) total = tf.sub(total, tf.mul(meanEntropy, c(loss.entropyCoeff)));
      statsParts = [total, policyLoss, vfLoss, meanKl, meanEntropy, errMean, errVar];

      // Gradients.
      const active = tf.cast(tf.lessEqual(rA, rcA), 'float32');
      w = tf.mul(tf.mul(rA, active), c(-1 / n));
      entCoef = loss.entropyCoeff / n;
      klCoef = s.klCoeff / n;
      const inRange = tf.cast(tf.equal(dv, dvClipped), 'float32');
      const first = tf.cast(tf.greaterEqual(vl1, vl2), 'float32');
      // 2·(first·err + (1 − first)·inRange·err2), times c_vf / n.
      const g2 = tf.mul(tf.mul(tf.sub(c(1), first), inRange), err2);
      dValue = tf.reshape(tf.mul(tf.add(tf.mul(first, err), g2), c((2 * loss.vfLossCoeff) / n)), [n, 1]);
    }
  }

  // ∂loss/∂out from w (∂log π), entCoef (−∂H) and klCoef (∂KL).
  let dOut: Tensor2D;
  let dFreeLogStd: Tensor | undefined;
  const wCol = tf.reshape(w, [n, 1]);
  if (cat) {
    let g: Tensor = tf.mul(wCol, tf.sub(data.actions, cat.p));
    if (klCoef !== 0) g = tf.add(g, tf.mul(tf.sub(cat.p, data.oldProbs!), klCoef));
    if (entCoef !== 0) g = tf.add(g, tf.mul(tf.mul(cat.p, tf.add(cat.ls, tf.reshape(entRows!, [n, 1]))), c(entCoef)));
    dOut = g as Tensor2D;
  } else {
    const g = gauss!;
    const invVar = tf.square(g.invStd);
    let dMean: Tensor = tf.mul(wCol, tf.mul(g.z, g.invStd));
    let dLogStd: Tensor = tf.mul(wCol, tf.sub(tf.square(g.z), c(1)));
    if (klCoef !== 0) {
      const diff = tf.sub(g.mean, data.oldMean!);
      dMean = tf.add(dMean, tf.mul(tf.mul(diff, invVar), klCoef));
      const num = tf.add(tf.exp(tf.mul(data.oldLogStd!, c(2))), tf.square(diff));
      dLogStd = tf.add(dLogStd, tf.mul(tf.sub(c(1), tf.mul(num, invVar)), klCoef));
    }
    if (entCoef !== 0) dLogStd = tf.sub(dLogStd, c(entCoef));
    if (heads.freeLogStd) {
      dOut = dMean as Tensor2D;
      dFreeLogStd = tf.sum(dLogStd, 0);
    } else {
      dOut = tf.concat([dMean, dLogStd], 1) as Tensor2D;
    }
  }
  return {
    loss: total as Scalar,
    stats: tf.stack(statsParts) as Tensor1D,
    dOut,
    ...(dValue ? { dValue } : {}),
    ...(dFreeLogStd ? { dFreeLogStd } : {}),
  };
}
