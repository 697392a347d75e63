/**
 * DDPG and TD3 (RLlib's DDPGTorchPolicy; TD3 is DDPG with `twinQ`, `policyDelay` 2 and
 * `smoothTargetPolicy`): a deterministic actor μ(s) = tanh(net(s)) in the normalized action space
 * [−1, 1], one or two critics Q(s, a), target copies of both, and exploration noise added to μ(s) on
 * the workers (exploration-noise.ts: Ornstein–Uhlenbeck for DDPG, Gaussian for TD3).
 *
 * One `learnOnBatch` on replayed transitions (s, a, r, s', done), m the n-step window length:
 *
 *   a'  = μ'(s')  [+ clip(N(0, σ_t²), ±c) and clipped to [−1, 1], with target-policy smoothing (TD3)]
 *   y   = r + γᵐ·(1 − done)·min_k Q'_k(s', a')                         (Q'_1 alone without twinQ)
 *   L_Q = mean(w · Σ_k ℓ(Q_k(s, a) − y)) + l2·Σ‖W_critic‖²/2,  ℓ = ½δ² or Huber(δ, 1)
 *   L_μ = −mean(Q_1(s, μ(s))) + l2·Σ‖W_actor‖²/2           (every `policyDelay`-th step only: TD3's delay)
 *
 * Gradients in closed form at the network outputs: ∂L_Q/∂Q_k = w·ℓ'(δ)/n with ℓ'(δ) = δ or clip(δ, ±1);
 * ∂L_μ/∂μ = −(1/n)·∂Q_1/∂a (the critic's input gradient, mlp.ts `mlpInputGrad`), then back through
 * the tanh output layer and the actor. Target networks move by Polyak averaging (`updateTarget`).
 */
import type { Tensor, Tensor1D } from '@tensorflow/tfjs';
import { createRng, deriveSeed } from '../../rng/index.js';
import type { SampleBatch } from '../data/sample-batch.js';
import type { Space } from '../envs/types.js';
import { ExplorationNoise } from './exploration-noise.js';
import { layerVariables, mlpBackward, mlpForward, mlpForwardRecord, mlpInputGrad, normalSource, type DenseLayer } from './mlp.js';
import { QActorCriticBase, configLayout, type Transitions } from './q-actor-critic-base.js';
import { unsquash } from './squashed-gaussian.js';
import { loadTf, type Tf, type TfDevice } from './tf-backend.js';
import type { ActionBatch, DdpgPolicyConfig, LearnerStats } from './types.js';

const STAT_NAMES = ['critic_loss', 'actor_loss', 'mean_q', 'max_q', 'min_q', 'mean_td_target'] as const;

/** Builds a DDPG/TD3 policy; loads TF.js first if needed. Same spaces, config and seed → same weights. */
export async function createDdpgPolicy(observationSpace: Space, actionSpace: Space, config: DdpgPolicyConfig, seed: number, options: { readonly tf?: Tf; readonly device?: TfDevice } = {}): Promise<DdpgPolicy> {
  const tf = options.tf ?? (await loadTf(options.device !== undefined ? { device: options.device } : {}));
  return new DdpgPolicy(tf, observationSpace, actionSpace, config, seed);
}

interface StepTensors {
  readonly y: Tensor1D;
  readonly criticGrads: Tensor[];
  readonly actorGrads: Tensor[] | undefined;
  readonly stats: Tensor1D;
  /** Per-row |δ| averaged over the critics (priorities). */
  readonly td: Tensor1D;
}

/** The DDPG / TD3 policy (see the module comment). */
export class DdpgPolicy extends QActorCriticBase {
  private readonly noise: ExplorationNoise;
  /** Env steps this policy has explored (drives random steps and the noise schedule). */
  private timestep = 0;
  private readonly noiseRandom: () => number;

  constructor(
    tf: Tf,
    observationSpace: Space,
    actionSpace: Space,
    readonly config: DdpgPolicyConfig,
    seed: number,
  ) {
    if (actionSpace.kind !== 'box') throw new Error(`ddpg policy: DDPG and TD3 need a Box action space, got ${actionSpace.kind} (use SAC for discrete actions)`);
    const d = actionSpace.shape.reduce((a, b) => a * b, 1);
    super(
      tf,
      observationSpace,
      actionSpace,
      {
        ...configLayout(config),
        actorOutputs: d,
        actorOutputActivation: 'tanh',
        criticTakesAction: true,
        targetActor: true,
      },
      'ddpg',
      deriveSeed(seed, 'ddpg'),
    );
    if (!Number.isInteger(config.policyDelay) || config.policyDelay < 1) throw new Error(`ddpg policy: policyDelay must be a positive integer, got ${config.policyDelay}`);
    this.noiseRandom = createRng(deriveSeed(seed, 'ddpg', 'smoothing'));
    // The exploration noise draws from the caller's random stream (set per call), see computeActions.
    this.noise = new ExplorationNoise(config.exploration, d, () => this.currentRandom());
  }

  private random: (() => number) | undefined;
  private currentRandom(): number {
    return (this.random ?? Math.random)();
  }

  /**
   * μ(s) in env units; with `explore`, plus exploration noise (uniform random actions first). The noise
   * schedule follows `options.timestep` (the run's sampled steps, RLlib's global timestep) when the
   * worker passes it, else the steps this policy has explored itself.
   */
  computeActions(obs: Float32Array, n: number, options: { readonly explore: boolean; readonly random: () => number; readonly timestep?: number }): ActionBatch {
    this.live();
    const x = this.checkObs(obs, n);
    const tf = this.tf;
    const d = this.actDim;
    if (n === 0) return { actions: new Float32Array(0), logp: new Float32Array(0), vfPreds: new Float32Array(0), distInputs: new Float32Array(0) };
    const outT = tf.tidy(() => mlpForward(tf, this.actor, tf.tensor2d(x, [n, this.obsDim]), 'infer'));
    let mu: Float32Array;
    try {
      mu = Float32Array.from(outT.dataSync() as Float32Array);
    } finally {
      outT.dispose();
    }
    const actions = unsquash(mu, this.low, this.high, new Float32Array(n * d));
    if (options.explore) {
      this.random = options.random;
      this.noise.apply(actions, n, 0, Math.max(options.timestep ?? 0, this.timestep), this.low, this.high);
      this.timestep += n;
    }
    return { actions, logp: new Float32Array(n), vfPreds: new Float32Array(n), distInputs: mu };
  }

  /** Target-policy smoothing noise in normalized units ([n × d]), or undefined without smoothing. */
  private smoothingNoise(n: number): Float32Array | undefined {
    if (!this.config.smoothTargetPolicy) return undefined;
    const d = this.actDim;
    const normal = normalSource(this.noiseRandom);
    const out = new Float32Array(n * d);
    for (let i = 0; i < n * d; i++) {
      const j = i % d;
      const half = (this.high[j]! - this.low[j]!) / 2;
      const e = Math.max(-this.config.targetNoiseClip, Math.min(this.config.targetNoiseClip, this.config.targetNoise * normal()));
      out[i] = e / half;
    }
    return out;
  }

  /** Adds l2·W to the kernel gradients (RLlib's l2_reg on kernels; biases are not regularized). */
  private withL2(grads: Tensor[], layers: readonly DenseLayer[]): Tensor[] {
    const l2 = this.config.l2Reg;
    if (l2 === 0) return grads;
    const tf = this.tf;
    return grads.map((g, i) => (i % 2 === 0 ? tf.add(g, tf.mul(layers[i / 2]!.kernel, this.consts.get(l2))) : g));
  }

  private stepTensors(t: Transitions, smoothing: Float32Array | undefined, updateActor: boolean): StepTensors {
    const tf = this.tf;
    const n = t.n;
    const o = this.obsDim;
    const d = this.actDim;
    const c = (x: number) => this.consts.get(x);
    const { obs, nextObs, actions, rewards, notDoneDiscount, weights: w } = this.stepInputs(t);

    // TD targets.
    let aN: Tensor = mlpForward(tf, this.targetActorLayers!, nextObs, 'infer');
    if (smoothing) aN = tf.clipByValue(tf.add(aN, tf.tensor2d(smoothing, [n, d])), -1, 1);
    const xN = this.criticInput(nextObs, aN);
    const qT = this.targetQ.map((q) => tf.reshape(mlpForward(tf, q, xN, 'infer'), [n]));
    const qMin = qT.length === 2 ? tf.minimum(qT[0]!, qT[1]!) : qT[0]!;
    const y = tf.add(rewards, tf.mul(notDoneDiscount, qMin)) as Tensor1D;

    // Critics.
    const x = this.criticInput(obs, actions);
    let criticLoss: Tensor = c(0) as Tensor;
    const criticGrads: Tensor[] = [];
    let q1: Tensor | undefined;
    let tdSum: Tensor | undefined;
    for (const q of this.q) {
      const ys = mlpForwardRecord(tf, q, x);
      const qsa = tf.reshape(ys[ys.length - 1]!, [n]);
      q1 ??= qsa;
      const err = tf.sub(qsa, y);
      tdSum = tdSum ? tf.add(tdSum, tf.abs(err)) : tf.abs(err);
      let loss: Tensor;
      let dErr: Tensor;
      if (this.config.useHuber) {
        const abs = tf.abs(err);
        const quad = tf.minimum(abs, c(1));
        loss = tf.add(tf.mul(tf.square(quad), c(0.5)), tf.sub(abs, quad));
        dErr = tf.clipByValue(err, -1, 1);
      } else {
        loss = tf.mul(tf.square(err), c(0.5));
        dErr = err;
      }
      criticLoss = tf.add(criticLoss, tf.sum(tf.mul(loss, w)));
      criticGrads.push(...this.withL2(mlpBackward(tf, q, x, ys, tf.reshape(tf.mul(dErr, w), [n, 1]), false).grads, q));
    }

    // Actor (deterministic policy gradient through the first critic).
    let actorGrads: Tensor[] | undefined;
    let actorLoss: Tensor = c(0) as Tensor;
    if (updateActor) {
      const piYs = mlpForwardRecord(tf, this.actor, obs);
      const xa = this.criticInput(obs, piYs[piYs.length - 1]!);
      const qYs = mlpForwardRecord(tf, this.q[0]!, xa);
      actorLoss = tf.neg(tf.mean(qYs[qYs.length - 1]!));
      const dA = mlpInputGrad(tf, this.q[0]!, qYs, tf.fill([n, 1], -1 / n), o, d);
      actorGrads = this.withL2(mlpBackward(tf, this.actor, obs, piYs, dA, false).grads, this.actor);
    }
    const stats = tf.stack([criticLoss, actorLoss, tf.mean(q1!), tf.max(q1!), tf.min(q1!), tf.mean(y)]) as Tensor1D;
    const td = (this.q.length === 2 ? tf.mul(tdSum!, c(0.5)) : tdSum!) as Tensor1D;
    return { y, criticGrads, actorGrads, stats, td };
  }

  /** Whether the next step updates the actor (TD3's delayed policy updates). */
  private actorStepDue(): boolean {
    return this.trainSteps % this.config.policyDelay === 0;
  }

  /** TD targets of a replayed batch with the given smoothing noise (normalized units), for tests. */
  tdTargets(batch: SampleBatch, smoothing?: Float32Array): Float32Array {
    this.live();
    const t = this.transitions(batch);
    const yT = this.tf.tidy(() => this.stepTensors(t, smoothing ?? this.smoothingNoise(t.n), false).y);
    try {
      return Float32Array.from(yT.dataSync() as Float32Array);
    } finally {
      yT.dispose();
    }
  }

  /** One step's gradients without applying them (actor always included), for tests. */
  gradients(batch: SampleBatch, smoothing?: Float32Array): { actor: Float32Array[]; critic: Float32Array[]; stats: LearnerStats } {
    this.live();
    const t = this.transitions(batch);
    const kept = this.tf.tidy(() => {
      const s = this.stepTensors(t, smoothing ?? this.smoothingNoise(t.n), true);
      return [s.stats, ...s.actorGrads!, ...s.criticGrads];
    });
    try {
      const read = (x: Tensor) => Float32Array.from(x.dataSync() as Float32Array);
      const nA = 2 * this.actor.length;
      return { stats: this.namedStats(read(kept[0]!)), actor: kept.slice(1, 1 + nA).map(read), critic: kept.slice(1 + nA).map(read) };
    } finally {
      for (const x of kept) x.dispose();
    }
  }

  private namedStats(values: Float32Array): Record<string, number> {
    const stats: Record<string, number> = {};
    STAT_NAMES.forEach((name, i) => (stats[name] = values[i]!));
    return stats;
  }

  /** One update: the critics every step, the actor every `policyDelay`-th step. */
  learnOnBatch(batch: SampleBatch): LearnerStats {
    this.live();
    const t = this.transitions(batch);
    const updateActor = this.actorStepDue();
    const smoothing = this.smoothingNoise(t.n);
    const outT = this.tf.tidy(() => {
      const s = this.stepTensors(t, smoothing, updateActor);
      this.criticAdam.apply(s.criticGrads);
      if (s.actorGrads) this.actorAdam.apply(s.actorGrads);
      // Stats and TD errors in one vector: one readback per step.
      return this.tf.concat([s.stats, s.td]);
    });
    let values: Float32Array;
    try {
      values = outT.dataSync() as Float32Array;
    } finally {
      outT.dispose();
    }
    this.trainSteps += 1;
    this.lastTdErrors = values.slice(STAT_NAMES.length);
    const stats = this.namedStats(values.subarray(0, STAT_NAMES.length));
    if (!updateActor) delete stats.actor_loss;
    return stats;
  }

  protected extraState(): Record<string, number> {
    return { timestep: this.timestep };
  }

  /** Restores the explored-steps counter. */
  protected restoreExtra(extra: Readonly<Record<string, number>>): void {
    this.timestep = extra.timestep ?? 0;
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
