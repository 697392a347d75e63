/**
 * The MLP actor-critic policy: RLlib's fully connected model and its PG / A2C / PPO losses on
 * TensorFlow.js, behind the plain-data `Policy` contract (types.ts).
 *
 * Network (RLlib's `fcnet`): observations → hidden layers (`config.hidden`, tanh or relu) → a linear
 * head of distribution inputs; with `vfShareLayers: false` (RLlib's default) a separate MLP of the same
 * hidden sizes gives the value, else a value head sits on the shared hidden layers. Categorical logits
 * for Discrete actions; for Box actions a diagonal Gaussian whose log-std is a network output
 * (RLlib's default) or, with `freeLogStd`, one free parameter per action dimension. PG has no critic:
 * no value network is built and value estimates are 0.
 *
 * Speed (spec/limits.md §3–4): inference is one forward pass for all `n` observations with fused
 * matMul+bias kernels; training uses the explicit-transpose custom matMul gradient (mlp.ts); the
 * gradients of all variables are concatenated into one flat vector, so global-norm clipping and Adam
 * are a dozen kernels for the whole network rather than a dozen per variable.
 *
 * Losses (per minibatch of n rows; formulas in docs/policies.md):
 * - `pg`:  −mean(log π(a|s) · A)                       (RLlib PGTorchPolicy; A = returns)
 * - `a2c`: −Σ log π(a|s)·A + c_vf · ½Σ(V(s) − R)² − c_H · Σ H(π(·|s))   (RLlib A3C: sums, not means)
 * - `ppo`: mean(−min(r·A, clip(r, 1±ε)·A) + β·KL(π_old‖π) + c_vf · max((V−R)², (V_clip−R)²) − c_H·H),
 *          r = exp(log π − log π_old), V_clip = V_old + clip(V − V_old, ±ε_vf)   (RLlib PPOTorchPolicy)
 */
import type { Tensor, Tensor1D, Tensor2D, Variable } from '@tensorflow/tfjs';
import { deriveSeed } from '../../rng/index.js';
import { SB, type Column, type SampleBatch } from '../data/sample-batch.js';
import type { Space } from '../envs/types.js';
import { Categorical, DiagGaussian, type ActionDistribution } from './distributions.js';
import { LOSS_STAT_NAMES, ScalarCache, lossAutodiff, lossWithGrads, type LossData, type LossHeads, type LossSettings } from './losses.js';
import {
  createMlp,
  foldTanhWeights,
  inferenceForward,
  layerVariables,
  mlpBackward,
  mlpForward,
  mlpForwardRecord,
  ownedVariable,
  type InferenceLayer, type DenseLayer, type ForwardMode, type GradMode } from './mlp.js';
import { loadTf, type Tf, type TfDevice } from './tf-backend.js';
import type { ActionBatch, LearnerStats, Policy, PolicyConfig, PolicyState } from './types.js';

export interface ActorCriticOptions {
  /** The TF.js namespace (default: `await loadTf({ device })`). */
  readonly tf?: Tf;
  /**
   * The device the policy must run on (the actor's `ActorContext.device`), passed to `loadTf`: `'gpu'`
   * fails unless a GPU backend loads. Ignored when `tf` is given.
   */
  readonly device?: TfDevice;
  /**
   * How training gradients are computed (default `'manual'`: a hand-written backward pass; `'custom'`:
   * TF.js autodiff with customGrad layers; `'builtin'`: TF.js autodiff throughout). All three give the
   * same gradients to float rounding; they differ in speed (bench/learner.ts).
   */
  readonly gradMode?: GradMode;
}

/** Adam's hyperparameters (torch's defaults, which RLlib's torch policies use). */
const ADAM_BETA1 = 0.9;
const ADAM_BETA2 = 0.999;
const ADAM_EPS = 1e-8;

/**
 * Builds an actor-critic policy for the given spaces; loads TF.js first if needed. Every process that
 * calls this with the same spaces, config and `seed` gets bit-identical initial weights.
 *
 * @example
 *   const policy = await createActorCriticPolicy(env.observationSpace, env.actionSpace, config, deriveSeed(rootSeed, 'policy'));
 *   const { actions, logp, vfPreds } = policy.computeActions(obs, numEnvs, { explore: true, random });
 */
export async function createActorCriticPolicy(
  observationSpace: Space,
  actionSpace: Space,
  config: PolicyConfig,
  seed: number,
  options: ActorCriticOptions = {},
): Promise<ActorCriticPolicy> {
  const tf = options.tf ?? (await loadTf(options.device !== undefined ? { device: options.device } : {}));
  return new ActorCriticPolicy(tf, observationSpace, actionSpace, config, seed, options.gradMode ?? 'manual');
}

/** Flat size of a Box observation space. */
function flatSize(space: Space, what: string): number {
  if (space.kind !== 'box') throw new Error(`actor-critic policy: ${what} space must be a Box, got ${space.kind}`);
  return space.shape.reduce((a, b) => a * b, 1);
}

/** Tensors of one (mini)batch, uploaded once and used by the loss. */
interface Prepared extends LossData {
  readonly obs: Tensor2D;
  /** Population variance of the value targets (for explained variance), computed in JS. */
  readonly targetVar: number;
}

/** The sampling network (see `ActorCriticPolicy.inference`). */
interface InferenceNet {
  readonly trunk: InferenceLayer[];
  readonly pi: InferenceLayer[];
  readonly vf: InferenceLayer[];
  /** Tensors made for it (folded weights), disposed when the weights change. */
  readonly owned: Tensor[];
  /** The free log-std, read back once. */
  readonly logStd: Float32Array | undefined;
}

function populationVariance(c: ArrayLike<number>, n: number): number {
  if (n === 0) return 0;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += c[i]!;
  mean /= n;
  let v = 0;
  for (let i = 0; i < n; i++) v += (c[i]! - mean) ** 2;
  return v / n;
}

/** RLlib's explained_variance: max(−1, 1 − Var(R − V) / Var(R)). */
function explainedVariance(errVar: number, targetVar: number): number {
  if (targetVar <= 0) return errVar <= 0 ? 1 : -1;
  return Math.max(-1, 1 - errVar / targetVar);
}

export class ActorCriticPolicy implements Policy {
  readonly dist: ActionDistribution;
  readonly obsDim: number;
  /** Network outputs per row of the policy head (k logits; d or 2·d for a Gaussian). */
  readonly piOutputs: number;
  readonly hasCritic: boolean;
  readonly freeLogStd: boolean;

  /** Shared hidden layers (vfShareLayers), else empty. */
  private readonly trunk: DenseLayer[];
  private readonly piLayers: DenseLayer[];
  private readonly vfLayers: DenseLayer[];
  private readonly logStd: Variable | undefined;
  /** Every trainable variable, in the order of `getWeights()`. */
  private readonly vars: Variable[];
  private readonly sizes: number[];
  private readonly totalSize: number;

  private readonly adamM: Variable;
  private readonly adamV: Variable;
  private readonly consts: ScalarCache;
  private adamStep = 0;
  private klCoeff: number;
  private inferenceNet: InferenceNet | undefined;
  private disposed = false;

  constructor(
    readonly tf: Tf,
    readonly observationSpace: Space,
    readonly actionSpace: Space,
    readonly config: PolicyConfig,
    seed: number,
    readonly gradMode: GradMode = 'manual',
  ) {
    this.obsDim = flatSize(observationSpace, 'observation');
    if (actionSpace.kind === 'discrete') {
      this.dist = new Categorical(actionSpace.n);
      this.freeLogStd = false;
      this.piOutputs = actionSpace.n;
    } else {
      const d = flatSize(actionSpace, 'action');
      this.dist = new DiagGaussian(d);
      this.freeLogStd = config.freeLogStd ?? false;
      this.piOutputs = this.freeLogStd ? d : 2 * d;
    }
    for (const h of config.hidden) {
      if (!Number.isInteger(h) || h < 1) throw new Error(`actor-critic policy: hidden sizes must be positive integers, got [${config.hidden.join(', ')}]`);
    }
    this.hasCritic = config.loss.kind !== 'pg';
    this.klCoeff = config.loss.kind === 'ppo' ? config.loss.klCoeff : 0;

    const act = config.activation;
    const hidden = [...config.hidden];
    const s = (name: string): number => deriveSeed(seed, name);
    if (config.vfShareLayers && hidden.length > 0) {
      this.trunk = createMlp(tf, [this.obsDim, ...hidden], { activation: act, outputActivation: act, hiddenStd: 1, outputStd: 1, seed: s('trunk') });
      const last = hidden[hidden.length - 1]!;
      this.piLayers = createMlp(tf, [last, this.piOutputs], { activation: act, outputStd: 0.01, seed: s('pi') });
      this.vfLayers = this.hasCritic ? createMlp(tf, [last, 1], { activation: act, outputStd: 0.01, seed: s('vf') }) : [];
    } else {
      this.trunk = [];
      this.piLayers = createMlp(tf, [this.obsDim, ...hidden, this.piOutputs], { activation: act, outputStd: 0.01, seed: s('pi') });
      this.vfLayers = this.hasCritic ? createMlp(tf, [this.obsDim, ...hidden, 1], { activation: act, outputStd: 0.01, seed: s('vf') }) : [];
    }
    this.logStd = this.freeLogStd ? ownedVariable(tf, tf.zeros([this.dist.actionWidth])) : undefined;
    this.vars = [...layerVariables(this.trunk), ...layerVariables(this.piLayers), ...layerVariables(this.vfLayers), ...(this.logStd ? [this.logStd] : [])];
    this.sizes = this.vars.map((v) => v.size);
    this.totalSize = this.sizes.reduce((a, b) => a + b, 0);
    this.adamM = ownedVariable(tf, tf.zeros([this.totalSize]), false);
    this.adamV = ownedVariable(tf, tf.zeros([this.totalSize]), false);
    this.consts = new ScalarCache(tf);
  }

  // ------------------------------------------------------------------------------------------------
  // Inference

  private live(): void {
    if (this.disposed) throw new Error('actor-critic policy: used after dispose()');
  }

  private checkObs(obs: Float32Array, n: number): Float32Array {
    if (!Number.isInteger(n) || n < 0) throw new Error(`actor-critic policy: n must be a non-negative integer, got ${n}`);
    if (obs.length < n * this.obsDim) throw new Error(`actor-critic policy: ${n} observations need ${n * this.obsDim} values, got ${obs.length}`);
    return obs.length === n * this.obsDim ? obs : obs.subarray(0, n * this.obsDim);
  }

  /** Policy-head outputs and (with a critic) values: [n, piOutputs], [n, 1]. */
  private forward(x: Tensor, mode: ForwardMode, withValue: boolean, withPi = true): { pi: Tensor2D | undefined; v: Tensor2D | undefined } {
    const tf = this.tf;
    let feats = x;
    let featsAreData = true;
    if (this.trunk.length > 0) {
      feats = mlpForward(tf, this.trunk, x, mode, true);
      featsAreData = false;
    }
    const pi = withPi ? mlpForward(tf, this.piLayers, feats, mode, featsAreData) : undefined;
    const v = withValue && this.hasCritic ? mlpForward(tf, this.vfLayers, feats, mode, featsAreData) : undefined;
    return { pi, v };
  }

  /**
   * The network for sampling and value estimates, rebuilt after each weight change: tanh layers are
   * folded into fused sigmoid kernels (mlp.ts `foldTanhWeights`); relu networks use the variables
   * as they are. Also caches the free log-std as a JS array.
   */
  private inference(): InferenceNet {
    if (this.inferenceNet) return this.inferenceNet;
    const tf = this.tf;
    const owned: Tensor[] = [];
    const convert = (layers: readonly DenseLayer[], inputFolded: boolean): { layers: InferenceLayer[]; outputFolded: boolean } => {
      if (this.config.activation !== 'tanh') {
        return { layers: layers.map((l) => ({ kernel: l.kernel, bias: l.bias, activation: l.activation === 'relu' ? 'relu' : 'linear' })), outputFolded: false };
      }
      const folded = foldTanhWeights(
        layers.map((l) => ({ ...l, kernel: l.kernel.dataSync() as Float32Array, bias: l.bias.dataSync() as Float32Array })),
        inputFolded,
      );
      const made = folded.layers.map((l, i) => {
        // Kept: this may run inside the caller's tidy, and the tensors live until the weights change.
        const kernel = tf.keep(tf.tensor2d(l.kernel, [layers[i]!.inDim, layers[i]!.outDim]));
        const bias = tf.keep(tf.tensor1d(l.bias));
        owned.push(kernel, bias);
        return { kernel, bias, activation: l.activation };
      });
      return { layers: made, outputFolded: folded.outputFolded };
    };
    const trunk = convert(this.trunk, false);
    const net: InferenceNet = {
      trunk: trunk.layers,
      pi: convert(this.piLayers, trunk.outputFolded).layers,
      vf: convert(this.vfLayers, trunk.outputFolded).layers,
      owned,
      logStd: this.logStd ? Float32Array.from(this.logStd.dataSync() as Float32Array) : undefined,
    };
    this.inferenceNet = net;
    return net;
  }

  /** Drops the inference network after the weights changed. */
  private weightsChanged(): void {
    for (const t of this.inferenceNet?.owned ?? []) t.dispose();
    this.inferenceNet = undefined;
  }

  /** Inference forward: policy-head outputs and/or values for `n` observations. Call inside a tidy. */
  private inferenceForward(x: Float32Array, n: number, withPi: boolean, withValue: boolean): Tensor2D[] {
    const tf = this.tf;
    const net = this.inference();
    const obs = tf.tensor2d(x, [n, this.obsDim]);
    const feats = net.trunk.length > 0 ? inferenceForward(tf, net.trunk, obs) : obs;
    const out: Tensor2D[] = [];
    if (withPi) out.push(inferenceForward(tf, net.pi, feats));
    if (withValue) out.push(inferenceForward(tf, net.vf, feats));
    return out;
  }

  computeActions(obs: Float32Array, n: number, options: { readonly explore: boolean; readonly random: () => number }): ActionBatch {
    this.live();
    const x = this.checkObs(obs, n);
    const dist = this.dist;
    const logp = new Float32Array(n);
    const actions = dist.kind === 'categorical' ? new Int32Array(n) : new Float32Array(n * dist.actionWidth);
    if (n === 0) return { actions, logp, vfPreds: new Float32Array(0), distInputs: new Float32Array(0) };
    const outs = this.tf.tidy(() => this.inferenceForward(x, n, true, this.hasCritic));
    let distInputs: Float32Array;
    let vfPreds: Float32Array;
    try {
      const out = outs[0]!.dataSync() as Float32Array;
      vfPreds = this.hasCritic ? Float32Array.from(outs[1]!.dataSync() as Float32Array) : new Float32Array(n);
      const logStd = this.inference().logStd;
      if (logStd) {
        // Distribution inputs are [mean…, logStd…] per row (RLlib's layout) even when log-std is free.
        const d = dist.actionWidth;
        distInputs = new Float32Array(n * 2 * d);
        for (let i = 0; i < n; i++) {
          distInputs.set(out.subarray(i * d, i * d + d), i * 2 * d);
          distInputs.set(logStd, i * 2 * d + d);
        }
      } else {
        distInputs = Float32Array.from(out);
      }
    } finally {
      for (const t of outs) t.dispose();
    }
    dist.sample(distInputs, n, options.explore, options.random, actions, logp);
    return { actions, logp, vfPreds, distInputs };
  }

  value(obs: Float32Array, n: number): Float32Array {
    this.live();
    const x = this.checkObs(obs, n);
    if (!this.hasCritic || n === 0) return new Float32Array(n);
    const vT = this.tf.tidy(() => this.inferenceForward(x, n, false, true)[0]!);
    try {
      return Float32Array.from(vT.dataSync() as Float32Array);
    } finally {
      vT.dispose();
    }
  }

  // ------------------------------------------------------------------------------------------------
  // Losses

  private column(batch: SampleBatch, name: string, width = 1): Column {
    const c = batch.columns[name];
    if (!c) {
      throw new Error(
        `actor-critic policy (${this.config.loss.kind} loss): the batch has no column '${name}' (it has: ${Object.keys(batch.columns).join(', ') || 'none'})`,
      );
    }
    if (c.length < batch.count * width) throw new Error(`actor-critic policy: column '${name}' has ${c.length} values, need ${batch.count * width}`);
    return c.length === batch.count * width ? c : c.subarray(0, batch.count * width);
  }

  private floats(c: Column): Float32Array {
    return c instanceof Float32Array ? c : Float32Array.from(c);
  }

  /** Uploads what the configured loss needs from `batch`. Call inside a tidy. */
  private prepare(batch: SampleBatch): Prepared {
    const tf = this.tf;
    const n = batch.count;
    const kind = this.config.loss.kind;
    const obs = tf.tensor2d(this.floats(this.column(batch, SB.OBS, this.obsDim)), [n, this.obsDim]);
    const actCol = this.column(batch, SB.ACTIONS, this.dist.actionWidth);
    let actions: Tensor2D;
    if (this.dist instanceof Categorical) {
      const k = this.dist.numActions;
      const oneHot = new Float32Array(n * k);
      for (let i = 0; i < n; i++) {
        const a = actCol[i]!;
        if (!(a >= 0 && a < k && Number.isInteger(a))) throw new Error(`actor-critic policy: action ${a} in row ${i} is not one of 0..${k - 1}`);
        oneHot[i * k + a] = 1;
      }
      actions = tf.tensor2d(oneHot, [n, k]);
    } else {
      actions = tf.tensor2d(this.floats(actCol), [n, this.dist.actionWidth]);
    }
    const advantages = tf.tensor1d(this.floats(this.column(batch, SB.ADVANTAGES)));
    if (kind === 'pg') return { n, obs, actions, advantages, targetVar: 0 };

    const vtCol = this.column(batch, SB.VALUE_TARGETS);
    const valueTargets = tf.tensor1d(this.floats(vtCol));
    const targetVar = populationVariance(vtCol, n);
    if (kind === 'a2c') return { n, obs, actions, advantages, valueTargets, targetVar };

    const oldLogp = tf.tensor1d(this.floats(this.column(batch, SB.ACTION_LOGP)));
    const vfPreds = tf.tensor1d(this.floats(this.column(batch, SB.VF_PREDS)));
    const w = this.dist.inputWidth;
    const oldInputs = this.floats(this.column(batch, SB.ACTION_DIST_INPUTS, w));
    if (this.dist instanceof Categorical) {
      const probs = new Float32Array(n * w);
      const sumPLogP = new Float32Array(n);
      this.dist.probsAndSumPLogP(oldInputs, n, probs, sumPLogP);
      return { n, obs, actions, advantages, valueTargets, oldLogp, vfPreds, oldProbs: tf.tensor2d(probs, [n, w]), oldSumPLogP: tf.tensor1d(sumPLogP), targetVar };
    }
    const d = this.dist.actionWidth;
    const mean = new Float32Array(n * d);
    const logStd = new Float32Array(n * d);
    for (let i = 0; i < n; i++) {
      mean.set(oldInputs.subarray(i * 2 * d, i * 2 * d + d), i * d);
      logStd.set(oldInputs.subarray(i * 2 * d + d, i * 2 * d + 2 * d), i * d);
    }
    return { n, obs, actions, advantages, valueTargets, oldLogp, vfPreds, oldMean: tf.tensor2d(mean, [n, d]), oldLogStd: tf.tensor2d(logStd, [n, d]), targetVar };
  }

  private lossSettings(): LossSettings {
    return { loss: this.config.loss, klCoeff: this.klCoeff, consts: this.consts };
  }

  /** Autodiff forms: the network outputs as differentiable ops ('custom' or 'builtin' layers). */
  private heads(p: Prepared, mode: ForwardMode): LossHeads {
    const { pi, v } = this.forward(p.obs, mode, this.hasCritic);
    return {
      dist: this.dist.kind,
      out: pi!,
      ...(this.logStd ? { freeLogStd: this.logStd } : {}),
      ...(v ? { value: this.tf.reshape(v, [p.n]) as Tensor1D } : {}),
    };
  }

  /**
   * The hand-written backward pass: forward with every layer's output kept, the loss's closed-form
   * gradient at the network outputs, then back through the layers (mlp.ts). Returns the gradients in
   * `vars` order. Call inside a tidy.
   */
  private manualGradients(p: Prepared): { grads: Tensor[]; stats: Tensor1D } {
    const tf = this.tf;
    const shared = this.trunk.length > 0;
    const trunkYs = shared ? mlpForwardRecord(tf, this.trunk, p.obs) : [];
    const feats = shared ? trunkYs[trunkYs.length - 1]! : p.obs;
    const piYs = mlpForwardRecord(tf, this.piLayers, feats);
    const vfYs = this.hasCritic ? mlpForwardRecord(tf, this.vfLayers, feats) : [];
    const heads: LossHeads = {
      dist: this.dist.kind,
      out: piYs[piYs.length - 1]!,
      ...(this.logStd ? { freeLogStd: this.logStd } : {}),
      ...(this.hasCritic ? { value: tf.reshape(vfYs[vfYs.length - 1]!, [p.n]) as Tensor1D } : {}),
    };
    const head = lossWithGrads(tf, this.lossSettings(), heads, p);
    const pi = mlpBackward(tf, this.piLayers, feats, piYs, head.dOut, shared);
    const vf = this.hasCritic ? mlpBackward(tf, this.vfLayers, feats, vfYs, head.dValue!, shared) : undefined;
    let trunkGrads: Tensor[] = [];
    if (shared) {
      const dFeats = vf ? tf.add(pi.dx!, vf.dx!) : pi.dx!;
      trunkGrads = mlpBackward(tf, this.trunk, p.obs, trunkYs, dFeats, false).grads;
    }
    return {
      grads: [...trunkGrads, ...pi.grads, ...(vf ? vf.grads : []), ...(head.dFreeLogStd ? [head.dFreeLogStd] : [])],
      stats: head.stats,
    };
  }

  /** Named stats from the stats vector (plus the constant ones), as RLlib's learner_stats. */
  private namedStats(values: Float32Array, p: { targetVar: number }, gradNorm: number | undefined): Record<string, number> {
    const loss = this.config.loss;
    const names = LOSS_STAT_NAMES[loss.kind];
    const raw: Record<string, number> = {};
    names.forEach((name, i) => (raw[name] = values[i]!));
    const stats: Record<string, number> = { cur_lr: this.config.lr, total_loss: raw.total_loss!, policy_loss: raw.policy_loss! };
    if (loss.kind !== 'pg') {
      stats.vf_loss = raw.vf_loss!;
      stats.vf_explained_var = explainedVariance(raw.vf_err_var!, p.targetVar);
      stats.entropy = raw.entropy!;
      stats.entropy_coeff = loss.entropyCoeff;
    }
    if (loss.kind === 'a2c') stats.policy_entropy = raw.policy_entropy!;
    if (loss.kind === 'ppo') {
      stats.kl = raw.kl!;
      stats.cur_kl_coeff = this.klCoeff;
    }
    if (gradNorm !== undefined) stats.grad_gnorm = gradNorm;
    return stats;
  }

  /**
   * Loss, gradients (flattened, clipped to the global norm when configured), stats. With `apply`, the
   * Adam step is taken on device and nothing but the stats comes back; else the flat gradient is
   * returned.
   */
  private gradientStep(batch: SampleBatch, apply: boolean): { stats: Record<string, number>; flatGrad?: Float32Array } {
    this.live();
    if (batch.count === 0) throw new Error('actor-critic policy: cannot learn on an empty batch');
    const tf = this.tf;
    const clip = this.config.gradClip;
    let statsT: Tensor | undefined;
    let gradT: Tensor | undefined;
    let normT: Tensor | undefined;
    let targetVar = 0;
    tf.tidy(() => {
      const p = this.prepare(batch);
      targetVar = p.targetVar;
      let gradList: Tensor[];
      if (this.gradMode === 'manual') {
        const { grads, stats } = this.manualGradients(p);
        statsT = tf.keep(stats);
        gradList = grads;
      } else {
        const mode = this.gradMode;
        const { grads } = tf.variableGrads(() => {
          const { loss, stats } = lossAutodiff(tf, this.lossSettings(), this.heads(p, mode), p);
          statsT = tf.keep(stats);
          return loss;
        }, this.vars);
        gradList = this.vars.map((v) => grads[v.name] ?? tf.zerosLike(v));
      }
      let flat: Tensor = tf.concat(gradList.map((g) => this.flat1d(g)));
      if (clip !== undefined) {
        // torch.nn.utils.clip_grad_norm_: scale by clip / (‖g‖ + 1e-6) when that is below 1.
        const norm = tf.sqrt(tf.sum(tf.square(flat)));
        normT = tf.keep(norm);
        flat = tf.mul(flat, tf.minimum(tf.div(this.consts.get(clip), tf.add(norm, this.consts.get(1e-6))), this.consts.get(1)));
      }
      if (apply) this.adamApply(flat);
      else gradT = tf.keep(flat);
    });
    try {
      const values = statsT!.dataSync() as Float32Array;
      const gradNorm = normT ? normT.dataSync()[0] : undefined;
      const stats = this.namedStats(values, { targetVar }, gradNorm);
      return gradT ? { stats, flatGrad: Float32Array.from(gradT.dataSync() as Float32Array) } : { stats };
    } finally {
      statsT?.dispose();
      gradT?.dispose();
      normT?.dispose();
    }
  }

  /** `t` as a vector (a Reshape kernel only when it is not one already). */
  private flat1d(t: Tensor): Tensor {
    return t.rank === 1 ? t : this.tf.reshape(t, [-1]);
  }

  /** One Adam step with a flat gradient (torch's update rule). Call inside a tidy. */
  private adamApply(flatGrad: Tensor): void {
    const tf = this.tf;
    this.adamStep += 1;
    const t = this.adamStep;
    const bc1 = 1 - ADAM_BETA1 ** t;
    const bc2 = 1 - ADAM_BETA2 ** t;
    const c = (x: number) => this.consts.get(x);
    const m = tf.add(tf.mul(this.adamM, c(ADAM_BETA1)), tf.mul(flatGrad, c(1 - ADAM_BETA1)));
    const v = tf.add(tf.mul(this.adamV, c(ADAM_BETA2)), tf.mul(tf.square(flatGrad), c(1 - ADAM_BETA2)));
    this.adamM.assign(m);
    this.adamV.assign(v);
    // θ ← θ − (lr / bc1) · m / (√v / √bc2 + ε)   (the two step-dependent factors are fresh scalars)
    const denom = tf.add(tf.mul(tf.sqrt(v), 1 / Math.sqrt(bc2)), c(ADAM_EPS));
    const update = tf.div(tf.mul(m, this.config.lr / bc1), denom);
    const theta = tf.sub(tf.concat(this.vars.map((x) => this.flat1d(x))), update);
    const parts = tf.split(theta, this.sizes);
    this.vars.forEach((x, i) => x.assign(x.rank === 1 ? parts[i]! : tf.reshape(parts[i]!, x.shape)));
    this.weightsChanged();
  }

  learnOnBatch(batch: SampleBatch): LearnerStats {
    return this.gradientStep(batch, true).stats;
  }

  computeGradients(batch: SampleBatch): { readonly grads: Float32Array[]; readonly stats: LearnerStats } {
    const { stats, flatGrad } = this.gradientStep(batch, false);
    return { grads: this.unflatten(flatGrad!), stats };
  }

  applyGradients(grads: readonly Float32Array[]): void {
    this.live();
    const flat = this.flatten(grads, 'applyGradients');
    this.tf.tidy(() => this.adamApply(this.tf.tensor1d(flat)));
  }

  // ------------------------------------------------------------------------------------------------
  // Weights and state

  /** Shapes of the arrays `getWeights()` returns, in order. */
  weightShapes(): number[][] {
    return this.vars.map((v) => [...v.shape]);
  }

  private flatten(arrays: readonly Float32Array[], what: string): Float32Array {
    if (arrays.length !== this.vars.length) throw new Error(`actor-critic policy: ${what} needs ${this.vars.length} arrays, got ${arrays.length}`);
    const flat = new Float32Array(this.totalSize);
    let off = 0;
    arrays.forEach((a, i) => {
      if (a.length !== this.sizes[i]) {
        throw new Error(`actor-critic policy: ${what} array ${i} has ${a.length} values, expected ${this.sizes[i]} (shape [${this.vars[i]!.shape.join(', ')}])`);
      }
      flat.set(a, off);
      off += a.length;
    });
    return flat;
  }

  private unflatten(flat: Float32Array): Float32Array[] {
    const out: Float32Array[] = [];
    let off = 0;
    for (const size of this.sizes) {
      out.push(flat.slice(off, off + size));
      off += size;
    }
    return out;
  }

  getWeights(): Float32Array[] {
    this.live();
    return this.vars.map((v) => Float32Array.from(v.dataSync() as Float32Array));
  }

  setWeights(weights: readonly Float32Array[]): void {
    this.live();
    this.flatten(weights, 'setWeights'); // validates count and sizes
    const tf = this.tf;
    tf.tidy(() => this.vars.forEach((v, i) => v.assign(tf.tensor(weights[i]!, v.shape))));
    this.weightsChanged();
  }

  getState(): PolicyState {
    this.live();
    return {
      weights: this.getWeights(),
      optimizer: [Float32Array.from(this.adamM.dataSync() as Float32Array), Float32Array.from(this.adamV.dataSync() as Float32Array)],
      extra: { klCoeff: this.klCoeff, adamStep: this.adamStep },
    };
  }

  setState(state: PolicyState): void {
    this.live();
    const [m, v] = state.optimizer;
    if (state.optimizer.length !== 2 || m?.length !== this.totalSize || v?.length !== this.totalSize) {
      throw new Error(`actor-critic policy: setState needs optimizer state [m, v] of ${this.totalSize} values each`);
    }
    this.setWeights(state.weights);
    const tf = this.tf;
    tf.tidy(() => {
      this.adamM.assign(tf.tensor1d(m));
      this.adamV.assign(tf.tensor1d(v));
    });
    this.adamStep = state.extra.adamStep ?? 0;
    this.klCoeff = state.extra.klCoeff ?? this.klCoeff;
  }

  /** RLlib's adaptive KL rule: ×1.5 when the KL exceeds 2·target, ×0.5 when under target/2. */
  updateKl(sampledKl: number): number {
    const loss = this.config.loss;
    if (loss.kind !== 'ppo') throw new Error(`actor-critic policy: updateKl needs the 'ppo' loss (this policy uses '${loss.kind}')`);
    if (sampledKl > 2 * loss.klTarget) this.klCoeff *= 1.5;
    else if (sampledKl < 0.5 * loss.klTarget) this.klCoeff *= 0.5;
    return this.klCoeff;
  }

  /** The current KL coefficient (PPO; 0 for other losses). */
  get currentKlCoeff(): number {
    return this.klCoeff;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const v of this.vars) v.dispose();
    this.adamM.dispose();
    this.adamV.dispose();
    this.consts.dispose();
    this.weightsChanged();
  }
}
