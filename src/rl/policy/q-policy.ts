/**
 * The Q-learning policy of SimpleQ, DQN and Ape-X on TensorFlow.js, behind the plain-data `Policy`
 * contract (types.ts). Network: observations → hidden layers → one linear Q-value per action; with
 * `dueling`, the last hidden layer feeds two linear heads, V(s) and A(s, ·), and
 * Q(s, a) = V(s) + A(s, a) − mean_b A(s, b) (Wang et al. 2016). A target network of the same shape is
 * refreshed by `updateTarget()` (the plan's `updateTargetNetwork` decides when).
 *
 * Loss on a replayed batch of transitions (columns of n-step.ts, plus `weights` from prioritized replay):
 *   y   = r + γ^m · (1 − terminated) · Q_target(s', a*),
 *         a* = argmax_a Q_online(s', a) with `doubleQ` (van Hasselt et al. 2016), else argmax Q_target(s', ·)
 *   δ   = Q_online(s, a) − y;   loss = mean_i w_i · huber(δ_i)   (huber with δ₀ = 1, RLlib's default)
 * The per-row |δ| of the last update is kept for prioritized replay (`lastTdErrors`).
 *
 * Speed (bench/replay.ts compares it with a plain TF.js autodiff step): the targets are computed in JS
 * from one read of the two next-state forward passes (a few hundred numbers), the loss gradient at the
 * Q outputs is closed-form, and the backward pass is the hand-written one of mlp.ts; Adam runs on one
 * flat vector (flat-adam.ts).
 */
import type { Tensor, Tensor2D } from '@tensorflow/tfjs';
import { deriveSeed } from '../../rng/index.js';
import { SB, type Column, type SampleBatch } from '../data/sample-batch.js';
import type { Space } from '../envs/types.js';
import { DISCOUNTS, nStepTransitions } from '../replay/n-step.js';
import { WEIGHTS } from '../replay/prioritized.js';
import { epsilonAt } from './exploration.js';
import { FlatAdam } from './flat-adam.js';
import { ScalarCache } from './losses.js';
import { createMlp, layerVariables, mlpBackward, mlpForwardRecord, type DenseLayer } from './mlp.js';
import { loadTf, type Tf, type TfDevice } from './tf-backend.js';
import type { ActionBatch, LearnerStats, Policy, PolicyState, QPolicyConfig } from './types.js';

export interface QPolicyOptions {
  readonly tf?: Tf;
  readonly device?: TfDevice;
  /** This worker's index among the rollout workers (per-worker ε). */
  readonly workerIndex?: number;
}

/**
 * Builds a Q policy; every process calling it with the same spaces, config and seed gets identical
 * initial weights (online and target).
 *
 * @example
 *   const policy = await createQPolicy(env.observationSpace, env.actionSpace, config, deriveSeed(rootSeed, 'policy'));
 *   const stats = policy.learnOnBatch(replayed); // policy.lastTdErrors → new priorities
 */
export async function createQPolicy(observationSpace: Space, actionSpace: Space, config: QPolicyConfig, seed: number, options: QPolicyOptions = {}): Promise<QPolicy> {
  const tf = options.tf ?? (await loadTf(options.device !== undefined ? { device: options.device } : {}));
  return new QPolicy(tf, observationSpace, actionSpace, config, seed, options.workerIndex ?? 0);
}

/** One network: hidden trunk plus the Q head (or the dueling A and V heads). */
interface QNet {
  readonly trunk: DenseLayer[];
  /** Q head (plain) or advantage head (dueling). */
  readonly head: DenseLayer[];
  /** Value head (dueling only). */
  readonly value: DenseLayer[];
}

function netVariables(net: QNet) {
  return [...layerVariables(net.trunk), ...layerVariables(net.head), ...layerVariables(net.value)];
}

/**
 * The values of the tensor `compute` builds (inside a tidy), read back to JS. NOTE: the tidy returns
 * the tensor and the read-back happens outside it: a tidy walks every element of what its function
 * returns looking for tensors, which for a returned Float32Array was ~17% of a DQN update's time.
 */
function readBack(tf: Tf, compute: () => Tensor): Float32Array {
  const t = tf.tidy(compute);
  try {
    return t.dataSync() as Float32Array;
  } finally {
    t.dispose();
  }
}

export class QPolicy implements Policy {
  readonly obsDim: number;
  readonly numActions: number;
  private readonly online: QNet;
  private readonly target: QNet;
  private readonly vars;
  private readonly targetVars;
  private readonly adam: FlatAdam;
  private readonly consts: ScalarCache;
  private disposed = false;
  /** |δ| per row of the last `learnOnBatch` (for prioritized replay). */
  lastTdErrors: Float32Array | undefined;

  constructor(
    readonly tf: Tf,
    readonly observationSpace: Space,
    readonly actionSpace: Space,
    readonly config: QPolicyConfig,
    seed: number,
    readonly workerIndex = 0,
  ) {
    if (observationSpace.kind !== 'box') throw new Error(`Q policy: the observation space must be a Box, got ${observationSpace.kind}`);
    if (actionSpace.kind !== 'discrete') throw new Error(`Q policy: the action space must be Discrete (DQN picks argmax over actions), got ${actionSpace.kind}`);
    if (config.dueling && config.hidden.length === 0) throw new Error('Q policy: a dueling head needs at least one hidden layer');
    this.obsDim = observationSpace.shape.reduce((a, b) => a * b, 1);
    this.numActions = actionSpace.n;
    this.online = this.build(seed);
    this.target = this.build(seed);
    this.vars = netVariables(this.online);
    this.targetVars = netVariables(this.target);
    this.consts = new ScalarCache(tf);
    this.adam = new FlatAdam(tf, this.vars, this.consts, { lr: config.lr, eps: config.adamEpsilon, gradClip: config.gradClip });
  }

  private build(seed: number): QNet {
    const { tf, config } = this;
    const act = config.activation;
    const s = (name: string) => deriveSeed(seed, name);
    const k = this.numActions;
    if (!config.dueling) return { trunk: [], head: createMlp(tf, [this.obsDim, ...config.hidden, k], { activation: act, outputStd: 0.01, seed: s('q') }), value: [] };
    const last = config.hidden[config.hidden.length - 1]!;
    return {
      trunk: createMlp(tf, [this.obsDim, ...config.hidden], { activation: act, outputActivation: act, seed: s('trunk') }),
      head: createMlp(tf, [last, k], { activation: act, outputStd: 0.01, seed: s('advantage') }),
      value: createMlp(tf, [last, 1], { activation: act, outputStd: 0.01, seed: s('value') }),
    };
  }

  private live(): void {
    if (this.disposed) throw new Error('Q policy: used after dispose()');
  }

  /** Q values [n, k] as a tensor (inference kernels). Call inside a tidy. */
  private qTensor(net: QNet, x: Tensor): Tensor2D {
    const tf = this.tf;
    if (!this.config.dueling) {
      const ys = mlpForwardRecord(tf, net.head, x);
      return ys[ys.length - 1]!;
    }
    const feats = mlpForwardRecord(tf, net.trunk, x).at(-1)!;
    const a = mlpForwardRecord(tf, net.head, feats)[0]!;
    const v = mlpForwardRecord(tf, net.value, feats)[0]!;
    return tf.add(v, tf.sub(a, tf.mean(a, 1, true))) as Tensor2D;
  }

  /** Q values of `n` observations, online or target network, as a row-major [n × k] array. */
  qValues(obs: Float32Array, n: number, which: 'online' | 'target' = 'online'): Float32Array {
    this.live();
    const tf = this.tf;
    return readBack(tf, () => this.qTensor(which === 'online' ? this.online : this.target, tf.tensor2d(obs.subarray(0, n * this.obsDim), [n, this.obsDim])));
  }

  /** ε for this worker now. */
  epsilon(timestep: number): number {
    return epsilonAt(this.config.exploration, timestep, this.workerIndex);
  }

  computeActions(obs: Float32Array, n: number, options: { readonly explore: boolean; readonly random: () => number; readonly timestep?: number }): ActionBatch {
    const k = this.numActions;
    const q = this.qValues(obs, n);
    const eps = options.explore ? this.epsilon(options.timestep ?? 0) : 0;
    const actions = new Int32Array(n);
    const vf = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      let best = 0;
      for (let a = 1; a < k; a++) if (q[i * k + a]! > q[i * k + best]!) best = a;
      vf[i] = q[i * k + best]!;
      actions[i] = eps > 0 && options.random() < eps ? Math.floor(options.random() * k) : best;
    }
    return { actions, logp: new Float32Array(n), vfPreds: vf, distInputs: q };
  }

  /** max_a Q(s, a). */
  value(obs: Float32Array, n: number): Float32Array {
    const k = this.numActions;
    const q = this.qValues(obs, n);
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      let m = q[i * k]!;
      for (let a = 1; a < k; a++) m = Math.max(m, q[i * k + a]!);
      out[i] = m;
    }
    return out;
  }

  /** The worker's postprocessing for this policy: n-step transitions (no GAE). */
  postprocess(batch: SampleBatch): SampleBatch {
    return nStepTransitions(batch, this.config.nStep, this.config.gamma);
  }

  private column(batch: SampleBatch, name: string, width = 1): Column {
    const c = batch.columns[name];
    if (!c) throw new Error(`Q policy: the batch has no column '${name}' (it has: ${Object.keys(batch.columns).join(', ') || 'none'}); replay n-step transitions (src/rl/replay)`);
    if (c.length !== batch.count * width) throw new Error(`Q policy: column '${name}' has ${c.length} values, need ${batch.count * width}`);
    return c;
  }

  /**
   * The TD targets y (JS, float64) for a batch: one forward pass of the target network on s' (and of
   * the online network with `doubleQ`), read back once.
   */
  targets(batch: SampleBatch): Float64Array {
    const tf = this.tf;
    const n = batch.count;
    const k = this.numActions;
    const next = this.column(batch, SB.NEXT_OBS, this.obsDim);
    const rewards = this.column(batch, SB.REWARDS);
    const done = this.column(batch, SB.TERMINATEDS);
    const discounts = this.column(batch, DISCOUNTS);
    const both = readBack(tf, () => {
      const x = tf.tensor2d(next as Float32Array, [n, this.obsDim]);
      const qt = this.qTensor(this.target, x);
      return this.config.doubleQ ? tf.concat([qt, this.qTensor(this.online, x)], 1) : qt;
    });
    const w = this.config.doubleQ ? 2 * k : k;
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const row = i * w;
      // a*: argmax of the online net's Q(s') with double Q (columns k..2k−1), else of the target's.
      const off = this.config.doubleQ ? k : 0;
      let best = 0;
      for (let a = 1; a < k; a++) if (both[row + off + a]! > both[row + off + best]!) best = a;
      const bootstrap = both[row + best]!;
      y[i] = rewards[i]! + (done[i] ? 0 : discounts[i]! * bootstrap);
    }
    return y;
  }

  /**
   * Loss, stats and gradients (in `vars` order) for a batch; the TD errors go to `lastTdErrors`.
   * With `apply`, the Adam step is taken. Returns the flat gradient only when not applied.
   */
  private step(batch: SampleBatch, apply: boolean): { stats: LearnerStats; grads?: Float32Array[] } {
    this.live();
    const n = batch.count;
    if (n === 0) throw new Error('Q policy: cannot learn on an empty batch');
    const tf = this.tf;
    const k = this.numActions;
    const y = this.targets(batch);
    const actions = this.column(batch, SB.ACTIONS);
    const weights = batch.columns[WEIGHTS];
    const obs = this.column(batch, SB.OBS, this.obsDim);
    let normT: Tensor | undefined;
    let gradTs: Tensor[] | undefined;
    const td = new Float32Array(n);
    let loss = 0;
    let meanQ = 0;
    let minQ = Infinity;
    let maxQ = -Infinity;
    tf.tidy(() => {
      const x = tf.tensor2d(obs as Float32Array, [n, this.obsDim]);
      const { online } = this;
      const dueling = this.config.dueling;
      const trunkYs = dueling ? mlpForwardRecord(tf, online.trunk, x) : [];
      const feats = dueling ? trunkYs[trunkYs.length - 1]! : x;
      const headYs = mlpForwardRecord(tf, online.head, feats);
      const valueYs = dueling ? mlpForwardRecord(tf, online.value, feats) : [];
      const headOut = headYs[headYs.length - 1]!;
      const qT = dueling ? (tf.add(valueYs[0]!, tf.sub(headOut, tf.mean(headOut, 1, true))) as Tensor2D) : headOut;
      const q = qT.dataSync() as Float32Array;
      // dL/dQ(s, a_i) = w_i · clip(δ_i, −1, 1) / n (huber's derivative), 0 for the other actions.
      const dQ = new Float32Array(n * k);
      for (let i = 0; i < n; i++) {
        const a = actions[i]!;
        if (!(a >= 0 && a < k && Number.isInteger(a))) throw new Error(`Q policy: action ${a} in row ${i} is not one of 0..${k - 1}`);
        const qa = q[i * k + a]!;
        const d = qa - y[i]!;
        const wi = weights ? weights[i]! : 1;
        const ad = Math.abs(d);
        loss += wi * (ad <= 1 ? 0.5 * d * d : ad - 0.5);
        dQ[i * k + a] = (wi * Math.max(-1, Math.min(1, d))) / n;
        td[i] = d;
        meanQ += qa;
        if (qa < minQ) minQ = qa;
        if (qa > maxQ) maxQ = qa;
      }
      const g = tf.tensor2d(dQ, [n, k]);
      let grads: Tensor[];
      if (!dueling) grads = mlpBackward(tf, online.head, x, headYs, g, false).grads;
      else {
        // Q = V + A − mean(A): dA = dQ − mean_row(dQ), dV = Σ_row dQ.
        const dA = tf.sub(g, tf.mean(g, 1, true));
        const dV = tf.sum(g, 1, true);
        const adv = mlpBackward(tf, online.head, feats, headYs, dA, true);
        const val = mlpBackward(tf, online.value, feats, valueYs, dV, true);
        const trunk = mlpBackward(tf, online.trunk, x, trunkYs, tf.add(adv.dx!, val.dx!), false);
        grads = [...trunk.grads, ...adv.grads, ...val.grads];
      }
      if (apply) normT = this.adam.apply(grads);
      else gradTs = grads.map((t) => tf.keep(t));
    });
    this.lastTdErrors = td;
    const stats: Record<string, number> = { cur_lr: this.config.lr, loss: loss / n, mean_q: meanQ / n, min_q: minQ, max_q: maxQ, mean_td_error: td.reduce((s, d) => s + d, 0) / n };
    if (normT) {
      stats.grad_gnorm = normT.dataSync()[0]!;
      normT.dispose();
    }
    if (!gradTs) return { stats };
    const grads = gradTs.map((t) => Float32Array.from(t.dataSync() as Float32Array));
    for (const t of gradTs) t.dispose();
    return { stats, grads };
  }

  learnOnBatch(batch: SampleBatch): LearnerStats {
    return this.step(batch, true).stats;
  }

  computeGradients(batch: SampleBatch): { readonly grads: Float32Array[]; readonly stats: LearnerStats } {
    const { stats, grads } = this.step(batch, false);
    return { grads: grads!, stats };
  }

  applyGradients(grads: readonly Float32Array[]): void {
    this.live();
    if (grads.length !== this.vars.length) throw new Error(`Q policy: applyGradients needs ${this.vars.length} arrays, got ${grads.length}`);
    const tf = this.tf;
    tf.tidy(() => {
      this.adam.apply(grads.map((g, i) => tf.tensor(g, this.vars[i]!.shape)))?.dispose();
    });
  }

  /** Copies the online weights into the target network. */
  updateTarget(): void {
    this.live();
    this.tf.tidy(() => this.targetVars.forEach((t, i) => t.assign(this.vars[i]!)));
  }

  getWeights(): Float32Array[] {
    this.live();
    return this.vars.map((v) => Float32Array.from(v.dataSync() as Float32Array));
  }

  /** Target network weights (tests, checkpoints). */
  getTargetWeights(): Float32Array[] {
    return this.targetVars.map((v) => Float32Array.from(v.dataSync() as Float32Array));
  }

  private assignAll(vars: readonly { shape: number[]; size: number; assign(t: Tensor): void }[], weights: readonly Float32Array[], what: string): void {
    if (weights.length !== vars.length) throw new Error(`Q policy: ${what} needs ${vars.length} arrays, got ${weights.length}`);
    weights.forEach((w, i) => {
      if (w.length !== vars[i]!.size) throw new Error(`Q policy: ${what} array ${i} has ${w.length} values, expected ${vars[i]!.size} (shape [${vars[i]!.shape.join(', ')}])`);
    });
    const tf = this.tf;
    tf.tidy(() => vars.forEach((v, i) => v.assign(tf.tensor(weights[i]!, v.shape))));
  }

  setWeights(weights: readonly Float32Array[]): void {
    this.live();
    this.assignAll(this.vars, weights, 'setWeights');
  }

  /** Weights, then `optimizer` = [Adam m, Adam v, ...target network weights]. */
  getState(): PolicyState {
    this.live();
    return { weights: this.getWeights(), optimizer: [...this.adam.getState(), ...this.getTargetWeights()], extra: { adamStep: this.adam.step } };
  }

  setState(state: PolicyState): void {
    this.live();
    this.setWeights(state.weights);
    this.adam.setState(state.optimizer.slice(0, 2), state.extra.adamStep ?? 0);
    this.assignAll(this.targetVars, state.optimizer.slice(2), 'setState (target network)');
  }

  updateKl(): number {
    throw new Error("Q policy: updateKl is PPO's (this policy learns with a TD loss)");
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const v of [...this.vars, ...this.targetVars]) v.dispose();
    this.adam.dispose();
    this.consts.dispose();
  }
}
