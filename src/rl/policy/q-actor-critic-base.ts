/**
 * What the off-policy actor-critic policies (SAC in sac.ts, DDPG and TD3 in ddpg.ts) share: an actor
 * MLP, one or two state-action critics Q(s, a) with target copies (and optionally a target actor),
 * one flat Adam per network group, replayed transitions read from a `SampleBatch`, actions kept in a
 * normalized [−1, 1] space inside the policy (env bounds only at the edges), and the plain-data
 * weights/state contract of `Policy`.
 *
 * Weights (`getWeights`) are the actor's only: that is all a rollout worker needs to act, and it keeps
 * the per-step broadcast small; `getState` carries everything (critics, targets, optimizers, α).
 *
 * Gradients are computed by hand (closed-form loss gradients at the network outputs, then mlp.ts's
 * backward pass), as the actor-critic policy does: no TF.js tape, a third of the kernels.
 */
import type { Tensor, Tensor1D, Tensor2D, Variable } from '@tensorflow/tfjs';
import { createRng, deriveSeed } from '../../rng/index.js';
import { SB, type Column, type SampleBatch } from '../data/sample-batch.js';
import { DISCOUNTS, nStepTransitions } from '../replay/n-step.js';
import type { BoxSpace, Space } from '../envs/types.js';
import { FlatAdam } from './flat-adam.js';
import { ScalarCache } from './losses.js';
import { createMlp, layerVariables, type Activation, type DenseLayer } from './mlp.js';
import { squash } from './squashed-gaussian.js';
import { cloneLayers, polyakUpdate } from './target-network.js';
import type { Tf } from './tf-backend.js';
import type { ActionBatch, LearnerStats, Policy, PolicyState } from './types.js';

/** Replayed transitions of one batch, as JS arrays (actions normalized to [−1, 1] for Box spaces). */
export interface Transitions {
  readonly n: number;
  readonly obs: Float32Array;
  readonly nextObs: Float32Array;
  /** Box: [n × d] in [−1, 1]; Discrete: one-hot [n × k]. */
  readonly actions: Float32Array;
  readonly rewards: Float32Array;
  /** 1 − terminated: truncated episodes still bootstrap. */
  readonly notDone: Float32Array;
  /** Importance weights of prioritized replay (column `weights`), or undefined. */
  readonly weights: Float32Array | undefined;
  /**
   * γ^m of each row's bootstrap term: the `discounts` column of n-step transitions (the replay's
   * n-step builder shortens windows at episode ends and fragment cuts), else γ^nStep for every row.
   */
  readonly discounts: Float32Array;
}

export interface QActorCriticLayout {
  readonly actorHidden: readonly number[];
  readonly criticHidden: readonly number[];
  readonly activation: 'tanh' | 'relu';
  readonly actorLr: number;
  readonly criticLr: number;
  readonly tau: number;
  readonly twinQ: boolean;
  /** Actor outputs per row. */
  readonly actorOutputs: number;
  /** Activation of the actor's last layer (DDPG: tanh). */
  readonly actorOutputActivation: Activation;
  /** Critic input = obs ++ action (Box), or obs with one Q value per action (Discrete). */
  readonly criticTakesAction: boolean;
  readonly targetActor: boolean;
  readonly gamma: number;
  readonly nStep: number;
}

/** The layout keys SAC and DDPG/TD3 take unchanged from their policy configs. */
type ConfigLayoutKeys = 'actorHidden' | 'criticHidden' | 'activation' | 'actorLr' | 'criticLr' | 'tau' | 'twinQ' | 'gamma' | 'nStep';

/** The part of a layout that a SAC or DDPG config gives as is (the rest depends on the action space). */
export function configLayout(config: Pick<QActorCriticLayout, ConfigLayoutKeys>): Pick<QActorCriticLayout, ConfigLayoutKeys> {
  const { actorHidden, criticHidden, activation, actorLr, criticLr, tau, twinQ, gamma, nStep } = config;
  return { actorHidden, criticHidden, activation, actorLr, criticLr, tau, twinQ, gamma, nStep };
}

function flatSize(space: Space, what: string, policy: string): number {
  if (space.kind !== 'box') throw new Error(`${policy} policy: ${what} space must be a Box, got ${space.kind}`);
  return space.shape.reduce((a, b) => a * b, 1);
}

export abstract class QActorCriticBase implements Pick<Policy, 'getWeights' | 'setWeights' | 'getState' | 'setState' | 'dispose' | 'value' | 'updateKl'> {
  readonly obsDim: number;
  /** Action components (Box) or number of actions (Discrete). */
  readonly actDim: number;
  readonly discrete: boolean;
  protected readonly low: Float32Array;
  protected readonly high: Float32Array;
  protected readonly actor: DenseLayer[];
  protected readonly targetActorLayers: DenseLayer[] | undefined;
  protected readonly q: DenseLayer[][];
  protected readonly targetQ: DenseLayer[][];
  protected readonly actorAdam: FlatAdam;
  protected readonly criticAdam: FlatAdam;
  protected readonly consts: ScalarCache;
  /** Seeded noise for the losses (SAC's reparameterized samples, TD3's target smoothing). */
  protected readonly trainRandom: () => number;
  protected disposed = false;
  /** Training steps taken (critic updates). */
  protected trainSteps = 0;
  /**
   * Per-row priority signal of the last `learnOnBatch`: |δ| of the first critic, or the mean over both
   * critics (RLlib's SAC and TD3 use ½(|δ₁| + |δ₂|)); the learner sends it back for prioritized replay.
   */
  lastTdErrors: Float32Array | undefined;

  constructor(
    readonly tf: Tf,
    readonly observationSpace: Space,
    readonly actionSpace: Space,
    readonly layout: QActorCriticLayout,
    readonly name: string,
    seed: number,
  ) {
    this.obsDim = flatSize(observationSpace, 'observation', name);
    if (actionSpace.kind === 'discrete') {
      this.discrete = true;
      this.actDim = actionSpace.n;
      this.low = new Float32Array(0);
      this.high = new Float32Array(0);
    } else {
      this.discrete = false;
      this.actDim = flatSize(actionSpace, 'action', name);
      const box = actionSpace as BoxSpace;
      for (let j = 0; j < this.actDim; j++) {
        if (!Number.isFinite(box.low[j]) || !Number.isFinite(box.high[j])) {
          throw new Error(`${name} policy: the action space must be bounded (component ${j} is [${box.low[j]}, ${box.high[j]}]): squashed actions need finite bounds`);
        }
      }
      this.low = Float32Array.from(box.low);
      this.high = Float32Array.from(box.high);
    }
    for (const h of [...layout.actorHidden, ...layout.criticHidden]) {
      if (!Number.isInteger(h) || h < 1) throw new Error(`${name} policy: hidden sizes must be positive integers, got actor [${layout.actorHidden.join(', ')}], critic [${layout.criticHidden.join(', ')}]`);
    }
    const s = (what: string): number => deriveSeed(seed, what);
    const act = layout.activation;
    this.actor = createMlp(tf, [this.obsDim, ...layout.actorHidden, layout.actorOutputs], { activation: act, outputActivation: layout.actorOutputActivation, outputStd: 0.01, seed: s('actor') });
    const criticIn = layout.criticTakesAction ? this.obsDim + this.actDim : this.obsDim;
    const criticOut = layout.criticTakesAction ? 1 : this.actDim;
    const numQ = layout.twinQ ? 2 : 1;
    this.q = Array.from({ length: numQ }, (_, i) => createMlp(tf, [criticIn, ...layout.criticHidden, criticOut], { activation: act, outputStd: 1, seed: s(`q${i}`) }));
    this.targetQ = this.q.map((q) => cloneLayers(tf, q));
    this.targetActorLayers = layout.targetActor ? cloneLayers(tf, this.actor) : undefined;
    this.consts = new ScalarCache(tf);
    this.actorAdam = new FlatAdam(tf, layerVariables(this.actor), this.consts, { lr: layout.actorLr, eps: 1e-8, gradClip: undefined });
    this.criticAdam = new FlatAdam(tf, this.q.flatMap((q) => layerVariables(q)), this.consts, { lr: layout.criticLr, eps: 1e-8, gradClip: undefined });
    this.trainRandom = createRng(s('train'));
  }

  /** Throws when the policy was disposed. */
  protected live(): void {
    if (this.disposed) throw new Error(`${this.name} policy: used after dispose()`);
  }

  /** Checks that `obs` holds `n` observations and returns exactly those `n × obsDim` values. */
  protected checkObs(obs: Float32Array, n: number): Float32Array {
    if (!Number.isInteger(n) || n < 0) throw new Error(`${this.name} policy: n must be a non-negative integer, got ${n}`);
    if (obs.length < n * this.obsDim) throw new Error(`${this.name} policy: ${n} observations need ${n * this.obsDim} values, got ${obs.length}`);
    return obs.length === n * this.obsDim ? obs : obs.subarray(0, n * this.obsDim);
  }

  private column(batch: SampleBatch, name: string, width: number): Column {
    const c = batch.columns[name];
    if (!c) {
      throw new Error(`${this.name} policy: the replayed batch has no column '${name}' (it has: ${Object.keys(batch.columns).join(', ') || 'none'}); off-policy training needs obs, actions, rewards, newObs and terminateds`);
    }
    if (c.length < batch.count * width) throw new Error(`${this.name} policy: column '${name}' has ${c.length} values, need ${batch.count * width}`);
    return c.length === batch.count * width ? c : c.subarray(0, batch.count * width);
  }

  private floats(c: Column): Float32Array {
    return c instanceof Float32Array ? c : Float32Array.from(c);
  }

  /** Reads a replayed batch (see `Transitions`). */
  protected transitions(batch: SampleBatch): Transitions {
    const n = batch.count;
    if (n === 0) throw new Error(`${this.name} policy: cannot learn on an empty batch`);
    const obs = this.floats(this.column(batch, SB.OBS, this.obsDim));
    const nextObs = this.floats(this.column(batch, SB.NEXT_OBS, this.obsDim));
    const rewards = this.floats(this.column(batch, SB.REWARDS, 1));
    const term = this.column(batch, SB.TERMINATEDS, 1);
    const notDone = new Float32Array(n);
    for (let i = 0; i < n; i++) notDone[i] = term[i] ? 0 : 1;
    let actions: Float32Array;
    if (this.discrete) {
      const a = this.column(batch, SB.ACTIONS, 1);
      const k = this.actDim;
      actions = new Float32Array(n * k);
      for (let i = 0; i < n; i++) {
        const ai = a[i]!;
        if (!(Number.isInteger(ai) && ai >= 0 && ai < k)) throw new Error(`${this.name} policy: action ${ai} in row ${i} is not one of 0..${k - 1}`);
        actions[i * k + ai] = 1;
      }
    } else {
      actions = squash(this.column(batch, SB.ACTIONS, this.actDim), this.low, this.high, new Float32Array(n * this.actDim));
    }
    const w = batch.columns['weights'];
    const disc = batch.columns[DISCOUNTS];
    const discounts = disc ? this.floats(this.column(batch, DISCOUNTS, 1)) : new Float32Array(n).fill(this.layout.gamma ** this.layout.nStep);
    return { n, obs, nextObs, actions, rewards, notDone, discounts, weights: w ? this.floats(w.subarray(0, n)) : undefined };
  }

  /**
   * A step's transitions as tensors (call inside a tidy): observations, next observations and actions
   * as [n, ·], rewards, the bootstrap factor (1 − done)·γ^m per row (folded in JS: one upload instead of
   * two and a kernel) and the TD-error row weights.
   */
  protected stepInputs(t: Transitions): { obs: Tensor2D; nextObs: Tensor2D; actions: Tensor2D; rewards: Tensor1D; notDoneDiscount: Tensor1D; weights: Tensor } {
    const tf = this.tf;
    const n = t.n;
    const bootstrap = new Float32Array(n);
    for (let i = 0; i < n; i++) bootstrap[i] = t.notDone[i]! * t.discounts[i]!;
    return {
      obs: tf.tensor2d(t.obs, [n, this.obsDim]),
      nextObs: tf.tensor2d(t.nextObs, [n, this.obsDim]),
      actions: tf.tensor2d(t.actions, [n, this.actDim]),
      rewards: tf.tensor1d(t.rewards),
      notDoneDiscount: tf.tensor1d(bootstrap),
      weights: this.rowWeights(t),
    };
  }

  /** Per-row TD-error weights / n as a tensor [n] (importance weights when replay is prioritized). */
  protected rowWeights(t: Transitions): Tensor {
    if (!t.weights) return this.tf.fill([t.n], 1 / t.n);
    const w = new Float32Array(t.n);
    for (let i = 0; i < t.n; i++) w[i] = t.weights[i]! / t.n;
    return this.tf.tensor1d(w);
  }

  /** `x` with the action appended as columns ([n, obs + d]). */
  protected criticInput(obs: Tensor, actions: Tensor): Tensor2D {
    return this.tf.concat([obs, actions], 1) as Tensor2D;
  }

  /** The worker's postprocessing for these policies: n-step transitions (no GAE), as for Q policies. */
  postprocess(batch: SampleBatch): SampleBatch {
    return nStepTransitions(batch, this.layout.nStep, this.layout.gamma);
  }

  /** Polyak-averages every target network towards its trained network (τ from the config unless given). */
  updateTarget(tau: number = this.layout.tau): void {
    this.live();
    this.q.forEach((q, i) => polyakUpdate(this.tf, this.targetQ[i]!, q, tau, this.consts));
    if (this.targetActorLayers) polyakUpdate(this.tf, this.targetActorLayers, this.actor, tau, this.consts);
  }

  /** Every variable in state order: actor, critics, target critics, target actor. */
  protected allVariables(): Variable[] {
    return [
      ...layerVariables(this.actor),
      ...this.q.flatMap((q) => layerVariables(q)),
      ...this.targetQ.flatMap((q) => layerVariables(q)),
      ...(this.targetActorLayers ? layerVariables(this.targetActorLayers) : []),
    ];
  }

  private assignAll(vars: readonly Variable[], values: readonly Float32Array[], what: string): void {
    if (values.length !== vars.length) throw new Error(`${this.name} policy: ${what} needs ${vars.length} arrays, got ${values.length}`);
    values.forEach((a, i) => {
      if (a.length !== vars[i]!.size) throw new Error(`${this.name} policy: ${what} array ${i} has ${a.length} values, expected ${vars[i]!.size} (shape [${vars[i]!.shape.join(', ')}])`);
    });
    const tf = this.tf;
    tf.tidy(() => vars.forEach((v, i) => v.assign(tf.tensor(values[i]!, v.shape))));
    this.weightsChanged();
  }

  /** Called after the actor's weights changed (subclasses drop caches). */
  protected weightsChanged(): void {}

  /** The actor's weights (what sampling needs). */
  getWeights(): Float32Array[] {
    this.live();
    return layerVariables(this.actor).map((v) => Float32Array.from(v.dataSync() as Float32Array));
  }

  setWeights(weights: readonly Float32Array[]): void {
    this.live();
    this.assignAll(layerVariables(this.actor), weights, 'setWeights');
  }

  /** Extra plain numbers of the subclass's state (α, counters). */
  protected abstract extraState(): Record<string, number>;
  /** Restores the subclass's extra state (from `extraState`) in `setState`. */
  protected abstract restoreExtra(extra: Readonly<Record<string, number>>): void;

  getState(): PolicyState {
    this.live();
    return {
      weights: this.allVariables().map((v) => Float32Array.from(v.dataSync() as Float32Array)),
      optimizer: [...this.actorAdam.getState(), ...this.criticAdam.getState()],
      extra: { ...this.extraState(), actorAdamStep: this.actorAdam.step, criticAdamStep: this.criticAdam.step, trainSteps: this.trainSteps },
    };
  }

  setState(state: PolicyState): void {
    this.live();
    const [am, av, cm, cv] = state.optimizer;
    if (state.optimizer.length !== 4 || !am || !av || !cm || !cv) throw new Error(`${this.name} policy: setState needs optimizer state [actor m, actor v, critic m, critic v]`);
    this.assignAll(this.allVariables(), state.weights, 'setState');
    this.actorAdam.setState([am, av], state.extra.actorAdamStep ?? 0);
    this.criticAdam.setState([cm, cv], state.extra.criticAdamStep ?? 0);
    this.trainSteps = state.extra.trainSteps ?? 0;
    this.restoreExtra(state.extra);
  }

  /** Off-policy policies have no state-value head: 0 (the rollout worker's bootstrap values are unused). */
  value(obs: Float32Array, n: number): Float32Array {
    this.checkObs(obs, n);
    return new Float32Array(n);
  }

  updateKl(): number {
    throw new Error(`${this.name} policy: updateKl is PPO's; this policy has no KL coefficient`);
  }

  /** The flat-gradient form of `computeGradients` is not offered: these policies train with `learnOnBatch`. */
  computeGradients(): { readonly grads: Float32Array[]; readonly stats: LearnerStats } {
    throw new Error(`${this.name} policy: computeGradients is not supported (actor, critic and entropy updates are one learnOnBatch step); use learnOnBatch`);
  }

  /** Not supported: these policies train in one `learnOnBatch` step. Always throws. */
  applyGradients(): void {
    throw new Error(`${this.name} policy: applyGradients is not supported; use learnOnBatch`);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.weightsChanged();
    for (const v of this.allVariables()) v.dispose();
    this.actorAdam.dispose();
    this.criticAdam.dispose();
    this.consts.dispose();
  }

  abstract computeActions(obs: Float32Array, n: number, options: { readonly explore: boolean; readonly random: () => number }): ActionBatch;
  abstract learnOnBatch(batch: SampleBatch): LearnerStats;
}
