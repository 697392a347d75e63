/**
 * Soft actor-critic (RLlib's SACTorchPolicy, Haarnoja et al. 2018 with automatic entropy tuning), for
 * Box actions (tanh-squashed Gaussian actor, squashed-gaussian.ts) and Discrete actions (categorical
 * actor, Christodoulou 2019), with twin Q critics, Polyak-averaged target critics and a learned α.
 *
 * One `learnOnBatch` on replayed transitions (s, a, r, s', done), all losses from the same parameters
 * (then the three optimizers step, as RLlib does):
 *
 *   Box:       a' = tanh(μ(s') + σ(s')·ε'),  y = r + γᵐ·(1 − done)·(min_k Q'_k(s', a') − α·log π(a'|s'))
 *              critic  L_Q  = Σ_k mean(w · ½(Q_k(s, a) − y)²)
 *              actor   L_π  = mean(α·log π(ã|s) − min_k Q_k(s, ã)),  ã = tanh(μ(s) + σ(s)·ε)  (reparameterized)
 *   Discrete:  V'(s') = Σ_a' π(a'|s')·(min_k Q'_k(s', a') − α·log π(a'|s')),  y = r + γᵐ·(1 − done)·V'
 *              critic  as above on Q_k(s, a);  actor  L_π = mean(Σ_a π(a|s)·(α·log π(a|s) − min_k Q_k(s, a)))
 *   entropy    L_α = −log α · (E[log π] + H̄)         (H̄ the target entropy; E over the batch, and over π
 *              for Discrete), so ∂L_α/∂log α = −(E[log π] + H̄): α falls while the entropy exceeds H̄.
 *
 * (γᵐ: the `discounts` column of n-step transitions, else γ^nStep.)
 *
 * Closed-form gradients at the network outputs (then mlp.ts's backward pass), with u = μ + σε, a = tanh(u):
 *   ∂log π/∂u = 2a  (from −log(1 − tanh²u)),   ∂log π/∂log σ (direct) = −1,   ∂u/∂log σ = σε,  ∂a/∂u = 1 − a²
 *   ∂L_π/∂u = (1 − a²)·∂L_π/∂a + (α/n)·2a,       ∂L_π/∂μ = ∂L_π/∂u,
 *   ∂L_π/∂log σ = ∂L_π/∂u·σε − α/n (0 where the log-std was clipped),   ∂L_π/∂a = −(1/n)·∂Q_min/∂a
 *   Discrete: ∂L_π/∂z = π ⊙ (f − Σ π f)/n with f = α·log π − Q_min (the α·∂log π term sums to 0)
 * test/rl/policy/sac.test.ts holds them to TF.js autodiff.
 */
import type { Tensor, Tensor1D, Tensor2D } from '@tensorflow/tfjs';
import { deriveSeed } from '../../rng/index.js';
import type { SampleBatch } from '../data/sample-batch.js';
import type { Space } from '../envs/types.js';
import { ScalarAdam } from './scalar-adam.js';
import { Categorical } from './distributions.js';
import { layerVariables, mlpBackward, mlpForward, mlpForwardRecord, mlpInputGrad, normalSource, tanh } from './mlp.js';
import { QActorCriticBase, configLayout, type Transitions } from './q-actor-critic-base.js';
import { LOG_STD_MAX, LOG_STD_MIN, sampleSquashed, unsquash } from './squashed-gaussian.js';
import { loadTf, type Tf, type TfDevice } from './tf-backend.js';
import type { ActionBatch, LearnerStats, SacPolicyConfig } from './types.js';

const LOG_2 = Math.log(2);
const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/** Stats of one SAC step, in the order of the stats vector read back from the device. */
const STAT_NAMES = ['critic_loss', 'actor_loss', 'mean_q', 'max_q', 'min_q', 'mean_logp', 'mean_td_target'] as const;

/**
 * SAC's entropy-temperature loss and its gradient with respect to log α (see the module comment).
 * `meanLogp` is E[log π] (for Discrete: −mean entropy).
 */
export function alphaLoss(logAlpha: number, meanLogp: number, targetEntropy: number): { loss: number; grad: number } {
  const g = -(meanLogp + targetEntropy);
  return { loss: logAlpha * g, grad: g };
}

/** RLlib's automatic target entropy: −dim(A) (Box), 0.98·log(k) (k discrete actions). */
export function autoTargetEntropy(actionSpace: Space): number {
  if (actionSpace.kind === 'discrete') return 0.98 * Math.log(actionSpace.n);
  return -actionSpace.shape.reduce((a, b) => a * b, 1);
}

export interface SacOptions {
  readonly tf?: Tf;
  readonly device?: TfDevice;
}

/** Builds a SAC policy; loads TF.js first if needed. Same spaces, config and seed → same weights. */
export async function createSacPolicy(observationSpace: Space, actionSpace: Space, config: SacPolicyConfig, seed: number, options: SacOptions = {}): Promise<SacPolicy> {
  const tf = options.tf ?? (await loadTf(options.device !== undefined ? { device: options.device } : {}));
  return new SacPolicy(tf, observationSpace, actionSpace, config, seed);
}

/** Standard normal draws for the reparameterized samples (from the policy's seeded training stream). */
function normals(n: number, random: () => number): Float32Array {
  const out = new Float32Array(n);
  const normal = normalSource(random);
  for (let i = 0; i < n; i++) out[i] = normal();
  return out;
}

interface StepTensors {
  readonly y: Tensor1D;
  readonly criticGrads: Tensor[];
  readonly actorGrads: Tensor[];
  readonly stats: Tensor1D;
  /** Per-row |δ| averaged over the critics (priorities). */
  readonly td: Tensor1D;
}

/** The SAC policy (see the module comment). */
export class SacPolicy extends QActorCriticBase {
  readonly targetEntropy: number;
  private logAlpha: number;
  private readonly alphaAdam: ScalarAdam;
  private readonly categorical: Categorical | undefined;

  constructor(
    tf: Tf,
    observationSpace: Space,
    actionSpace: Space,
    readonly config: SacPolicyConfig,
    seed: number,
  ) {
    const discrete = actionSpace.kind === 'discrete';
    const d = discrete ? actionSpace.n : actionSpace.shape.reduce((a, b) => a * b, 1);
    super(
      tf,
      observationSpace,
      actionSpace,
      {
        ...configLayout(config),
        actorOutputs: discrete ? d : 2 * d,
        actorOutputActivation: 'linear',
        criticTakesAction: !discrete,
        targetActor: false,
      },
      'sac',
      deriveSeed(seed, 'sac'),
    );
    if (!(config.initialAlpha > 0)) throw new Error(`sac policy: initialAlpha must be positive, got ${config.initialAlpha}`);
    this.logAlpha = Math.log(config.initialAlpha);
    this.alphaAdam = new ScalarAdam(config.entropyLr);
    this.targetEntropy = config.targetEntropy === 'auto' ? autoTargetEntropy(actionSpace) : config.targetEntropy;
    this.categorical = discrete ? new Categorical(d) : undefined;
  }

  /** The current entropy temperature α. */
  get alpha(): number {
    return Math.exp(this.logAlpha);
  }

  /**
   * Actions for `n` observations: sampled from the squashed Gaussian (or categorical) policy when `explore`,
   * else deterministically; returns the actions with their log-probabilities.
   */
  computeActions(obs: Float32Array, n: number, options: { readonly explore: boolean; readonly random: () => number }): ActionBatch {
    this.live();
    const x = this.checkObs(obs, n);
    const tf = this.tf;
    const d = this.actDim;
    const logp = new Float32Array(n);
    if (n === 0) return { actions: this.discrete ? new Int32Array(0) : new Float32Array(0), logp, vfPreds: new Float32Array(0), distInputs: new Float32Array(0) };
    const outT = tf.tidy(() => mlpForward(tf, this.actor, tf.tensor2d(x, [n, this.obsDim]), 'infer'));
    let distInputs: Float32Array;
    try {
      distInputs = Float32Array.from(outT.dataSync() as Float32Array);
    } finally {
      outT.dispose();
    }
    if (this.categorical) {
      const actions = new Int32Array(n);
      this.categorical.sample(distInputs, n, options.explore, options.random, actions, logp);
      return { actions, logp, vfPreds: new Float32Array(n), distInputs };
    }
    const squashed = new Float32Array(n * d);
    sampleSquashed(distInputs, n, d, options.explore, options.random, squashed, logp);
    return { actions: unsquash(squashed, this.low, this.high, squashed), logp, vfPreds: new Float32Array(n), distInputs };
  }

  /** Reparameterization noise for a batch: ε for s and ε' for s' ([n × d] each; empty for Discrete). */
  private noise(n: number): { cur: Float32Array; next: Float32Array } {
    if (this.discrete) return { cur: new Float32Array(0), next: new Float32Array(0) };
    return { cur: normals(n * this.actDim, this.trainRandom), next: normals(n * this.actDim, this.trainRandom) };
  }

  /** Squashed sample and its log-prob from actor outputs [n, 2d] and noise ε [n, d]. */
  private squashedSample(out: Tensor2D, eps: Tensor2D, n: number): { a: Tensor2D; logp: Tensor1D; u: Tensor2D; std: Tensor2D; inRange: Tensor2D } {
    const tf = this.tf;
    const d = this.actDim;
    const c = (x: number) => this.consts.get(x);
    const mean = tf.slice(out, [0, 0], [n, d]);
    const raw = tf.slice(out, [0, d], [n, d]);
    const logStd = tf.clipByValue(raw, LOG_STD_MIN, LOG_STD_MAX) as Tensor2D;
    const std = tf.exp(logStd) as Tensor2D;
    const u = tf.add(mean, tf.mul(std, eps)) as Tensor2D;
    const a = tanh(tf, u) as Tensor2D;
    // log N(u; μ, σ) − log(1 − tanh²u) per component, with (u − μ)/σ = ε.
    const logN = tf.sub(tf.mul(tf.square(eps), c(-0.5)), tf.add(logStd, c(HALF_LOG_2PI)));
    const corr = tf.mul(tf.sub(tf.sub(c(LOG_2), u), tf.softplus(tf.mul(u, c(-2)))), c(2));
    const logp = tf.sum(tf.sub(logN, corr), 1) as Tensor1D;
    const inRange = tf.cast(tf.equal(raw, logStd), 'float32') as Tensor2D;
    return { a, logp, u, std, inRange };
  }

  /** TD targets, losses and gradients of one step (call inside a tidy). */
  private stepTensors(t: Transitions, epsCur: Float32Array, epsNext: Float32Array): StepTensors {
    const tf = this.tf;
    const n = t.n;
    const o = this.obsDim;
    const d = this.actDim;
    const alpha = this.alpha;
    const c = (x: number) => this.consts.get(x);
    const { obs, nextObs, actions, rewards, notDoneDiscount, weights: w } = this.stepInputs(t);
    const twin = this.q.length === 2;

    // TD targets from the target critics (no gradient flows here).
    let soft: Tensor;
    const minOf = (a: Tensor, b: Tensor | undefined): Tensor => (b ? tf.minimum(a, b) : a);
    if (!this.discrete) {
      const next = this.squashedSample(mlpForward(tf, this.actor, nextObs, 'infer'), tf.tensor2d(epsNext, [n, d]), n);
      const xN = this.criticInput(nextObs, next.a);
      const qs = this.targetQ.map((q) => tf.reshape(mlpForward(tf, q, xN, 'infer'), [n]));
      soft = tf.sub(minOf(qs[0]!, qs[1]), tf.mul(next.logp, alpha));
    } else {
      const lsN = tf.logSoftmax(mlpForward(tf, this.actor, nextObs, 'infer'));
      const qs = this.targetQ.map((q) => mlpForward(tf, q, nextObs, 'infer'));
      soft = tf.sum(tf.mul(tf.exp(lsN), tf.sub(minOf(qs[0]!, qs[1]), tf.mul(lsN, alpha))), 1);
    }
    const y = tf.add(rewards, tf.mul(notDoneDiscount, soft)) as Tensor1D;

    // Critic losses and gradients.
    const critIn = this.discrete ? obs : this.criticInput(obs, actions);
    const records = this.q.map((q) => mlpForwardRecord(tf, q, critIn));
    const outs = records.map((ys) => ys[ys.length - 1]!);
    const qsa = outs.map((out) => (this.discrete ? tf.sum(tf.mul(out, actions), 1) : tf.reshape(out, [n])));
    let criticLoss: Tensor = c(0) as Tensor;
    let tdSum: Tensor | undefined;
    const criticGrads: Tensor[] = [];
    this.q.forEach((q, k) => {
      const err = tf.sub(qsa[k]!, y);
      tdSum = tdSum ? tf.add(tdSum, tf.abs(err)) : tf.abs(err);
      criticLoss = tf.add(criticLoss, tf.sum(tf.mul(tf.mul(tf.square(err), w), c(0.5))));
      const dq = tf.reshape(tf.mul(err, w), [n, 1]);
      const dOut = this.discrete ? tf.mul(actions, dq) : dq;
      criticGrads.push(...mlpBackward(tf, q, critIn, records[k]!, dOut, false).grads);
    });

    // Actor loss and gradient (critics fixed).
    const piYs = mlpForwardRecord(tf, this.actor, obs);
    const piOut = piYs[piYs.length - 1]!;
    let actorLoss: Tensor;
    let meanLogp: Tensor;
    let dOut: Tensor;
    if (!this.discrete) {
      const eps = tf.tensor2d(epsCur, [n, d]);
      const cur = this.squashedSample(piOut, eps, n);
      const xa = this.criticInput(obs, cur.a);
      const qaRecords = this.q.map((q) => mlpForwardRecord(tf, q, xa));
      const qa = qaRecords.map((ys) => tf.reshape(ys[ys.length - 1]!, [n]));
      const minQa = minOf(qa[0]!, qa[1]);
      actorLoss = tf.mean(tf.sub(tf.mul(cur.logp, alpha), minQa));
      meanLogp = tf.mean(cur.logp);
      // ∂L/∂a through the smaller critic of each row (ties go to the first, as tf.minimum's gradient).
      let dA: Tensor;
      if (twin) {
        const first = tf.cast(tf.lessEqual(qa[0]!, qa[1]!), 'float32');
        const g1 = tf.reshape(tf.mul(first, c(-1 / n)), [n, 1]);
        const g2 = tf.reshape(tf.mul(tf.sub(c(1), first), c(-1 / n)), [n, 1]);
        dA = tf.add(mlpInputGrad(tf, this.q[0]!, qaRecords[0]!, g1, o, d), mlpInputGrad(tf, this.q[1]!, qaRecords[1]!, g2, o, d));
      } else {
        dA = mlpInputGrad(tf, this.q[0]!, qaRecords[0]!, tf.fill([n, 1], -1 / n), o, d);
      }
      const dU = tf.add(tf.mul(dA, tf.sub(c(1), tf.square(cur.a))), tf.mul(cur.a, c((2 * alpha) / n)));
      const dLogStd = tf.mul(tf.sub(tf.mul(dU, tf.mul(cur.std, eps)), c(alpha / n)), cur.inRange);
      dOut = tf.concat([dU, dLogStd], 1);
    } else {
      const ls = tf.logSoftmax(piOut);
      const p = tf.exp(ls);
      const minQ = minOf(outs[0]!, outs[1]);
      const f = tf.sub(tf.mul(ls, alpha), minQ);
      const rowLoss = tf.sum(tf.mul(p, f), 1);
      actorLoss = tf.mean(rowLoss);
      meanLogp = tf.mean(tf.sum(tf.mul(p, ls), 1));
      dOut = tf.mul(tf.mul(p, tf.sub(f, tf.reshape(rowLoss, [n, 1]))), c(1 / n));
    }
    const actorGrads = mlpBackward(tf, this.actor, obs, piYs, dOut, false).grads;
    const q1 = qsa[0]!;
    const stats = tf.stack([criticLoss, actorLoss, tf.mean(q1), tf.max(q1), tf.min(q1), meanLogp, tf.mean(y)]) as Tensor1D;
    const td = (twin ? tf.mul(tdSum!, c(0.5)) : tdSum!) as Tensor1D;
    return { y, criticGrads, actorGrads, stats, td };
  }

  /** The TD targets y of a replayed batch (with the given ε' for Box actions), for tests and debugging. */
  tdTargets(batch: SampleBatch, epsNext?: Float32Array): Float32Array {
    this.live();
    const t = this.transitions(batch);
    const eps = epsNext ?? this.noise(t.n).next;
    const tf = this.tf;
    const yT = tf.tidy(() => this.stepTensors(t, new Float32Array(t.n * (this.discrete ? 0 : this.actDim)), eps).y);
    try {
      return Float32Array.from(yT.dataSync() as Float32Array);
    } finally {
      yT.dispose();
    }
  }

  /**
   * One step's stats and gradients without applying them (actor and critic gradients in variable
   * order, and ∂L_α/∂log α), with the given noise; for tests.
   */
  gradients(batch: SampleBatch, eps?: { readonly cur: Float32Array; readonly next: Float32Array }): { actor: Float32Array[]; critic: Float32Array[]; alphaGrad: number; stats: LearnerStats } {
    this.live();
    const t = this.transitions(batch);
    const e = eps ?? this.noise(t.n);
    const tf = this.tf;
    const kept = tf.tidy(() => {
      const s = this.stepTensors(t, e.cur, e.next);
      return [s.stats, ...s.actorGrads, ...s.criticGrads];
    });
    try {
      const read = (x: Tensor) => Float32Array.from(x.dataSync() as Float32Array);
      const stats = this.namedStats(read(kept[0]!));
      const nA = this.actorGradCount();
      return { stats, actor: kept.slice(1, 1 + nA).map(read), critic: kept.slice(1 + nA).map(read), alphaGrad: alphaLoss(this.logAlpha, stats.mean_logp!, this.targetEntropy).grad };
    } finally {
      for (const x of kept) x.dispose();
    }
  }

  private actorGradCount(): number {
    return 2 * this.actor.length;
  }

  private namedStats(values: Float32Array): Record<string, number> {
    const stats: Record<string, number> = {};
    STAT_NAMES.forEach((name, i) => (stats[name] = values[i]!));
    const a = alphaLoss(this.logAlpha, stats.mean_logp!, this.targetEntropy);
    stats.alpha_loss = a.loss;
    stats.alpha_value = this.alpha;
    stats.log_alpha_value = this.logAlpha;
    stats.target_entropy = this.targetEntropy;
    return stats;
  }

  /** One SAC update: critics, actor and α from the same parameters, then the three optimizers step. */
  learnOnBatch(batch: SampleBatch): LearnerStats {
    this.live();
    const t = this.transitions(batch);
    const e = this.noise(t.n);
    const tf = this.tf;
    const outT = tf.tidy(() => {
      const s = this.stepTensors(t, e.cur, e.next);
      this.criticAdam.apply(s.criticGrads);
      this.actorAdam.apply(s.actorGrads);
      // Stats and TD errors in one vector: one readback per step.
      return tf.concat([s.stats, s.td]);
    });
    let values: Float32Array;
    try {
      values = outT.dataSync() as Float32Array;
    } finally {
      outT.dispose();
    }
    this.lastTdErrors = values.slice(STAT_NAMES.length);
    const stats = this.namedStats(values.subarray(0, STAT_NAMES.length));
    this.logAlpha = this.alphaAdam.apply(this.logAlpha, alphaLoss(this.logAlpha, stats.mean_logp!, this.targetEntropy).grad);
    this.trainSteps += 1;
    return stats;
  }

  protected extraState(): Record<string, number> {
    const [m, v, step] = this.alphaAdam.getState();
    return { logAlpha: this.logAlpha, alphaAdamM: m, alphaAdamV: v, alphaAdamStep: step };
  }

  /** Restores α and its optimizer's state. */
  protected restoreExtra(extra: Readonly<Record<string, number>>): void {
    this.logAlpha = extra.logAlpha ?? this.logAlpha;
    this.alphaAdam.setState([extra.alphaAdamM ?? 0, extra.alphaAdamV ?? 0, extra.alphaAdamStep ?? 0]);
  }

  /** The actor's variables (for tests comparing gradients). */
  actorVariables() {
    return layerVariables(this.actor);
  }

  /** The critics' variables, critic by critic. */
  criticVariables() {
    return this.q.flatMap((q) => layerVariables(q));
  }
}
