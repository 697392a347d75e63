/**
 * Policy contracts. A policy lives inside one actor process (a rollout worker or a learner) and talks
 * to the rest of the system only through plain data: weights and optimizer state are arrays of
 * Float32Array, batches are `SampleBatch`es, statistics are numbers.
 */
import type { Space } from '../envs/types.js';
import type { SampleBatch } from '../data/sample-batch.js';
import type { ExplorationConfig } from './exploration.js';

/** Network and loss hyperparameters of an actor-critic policy. */
export interface PolicyConfig {
  /** Hidden layer sizes of the policy and value MLPs (default [64, 64]). */
  readonly hidden: readonly number[];
  readonly activation: 'tanh' | 'relu';
  /** Share the hidden layers between policy and value heads. */
  readonly vfShareLayers: boolean;
  readonly lr: number;
  /** Global-norm gradient clipping; undefined = none. */
  readonly gradClip: number | undefined;
  /**
   * Box actions only: the Gaussian's log-std is one free parameter per action dimension instead of a
   * network output (RLlib's `free_log_std`; default false).
   */
  readonly freeLogStd?: boolean;
  readonly loss: LossConfig;
}

/** Network, loss and exploration settings of a Q policy (q-policy.ts; SimpleQ, DQN, Ape-X). */
export interface QPolicyConfig {
  readonly kind: 'q';
  /** Hidden layer sizes (RLlib's fcnet_hiddens followed by its Q `hiddens`). */
  readonly hidden: readonly number[];
  readonly activation: 'tanh' | 'relu';
  readonly dueling: boolean;
  readonly doubleQ: boolean;
  readonly lr: number;
  /** Adam's ε (RLlib's adam_epsilon). */
  readonly adamEpsilon: number;
  /** Global-norm gradient clipping; undefined = none. */
  readonly gradClip: number | undefined;
  /** Discount, and steps per transition (the worker builds n-step transitions with them). */
  readonly gamma: number;
  readonly nStep: number;
  readonly exploration: ExplorationConfig;
}

/** Any policy a rollout worker can host: an actor-critic (`PolicyConfig`) or a Q policy (`kind: 'q'`). */
export type AnyPolicyConfig = PolicyConfig | QPolicyConfig;

export function isQPolicyConfig(config: AnyPolicyConfig): config is QPolicyConfig {
  return (config as QPolicyConfig).kind === 'q';
}

export type LossConfig =
  | { readonly kind: 'pg' }
  | { readonly kind: 'a2c'; readonly vfLossCoeff: number; readonly entropyCoeff: number }
  | {
      readonly kind: 'ppo';
      readonly clipParam: number;
      readonly vfClipParam: number;
      readonly vfLossCoeff: number;
      readonly entropyCoeff: number;
      readonly klCoeff: number;
      readonly klTarget: number;
    };

/** The output of batched inference over N observations. */
export interface ActionBatch {
  /** [N] (Discrete, Int32Array) or [N × actDim] (Box, Float32Array). */
  readonly actions: Int32Array | Float32Array;
  readonly logp: Float32Array;
  readonly vfPreds: Float32Array;
  /** Distribution inputs (logits, or mean and log-std), [N × width], for KL terms. */
  readonly distInputs: Float32Array;
}

/** Learner statistics averaged over the minibatch steps of one update (RLlib's learner_stats). */
export type LearnerStats = Readonly<Record<string, number>>;

export interface PolicyState {
  readonly weights: Float32Array[];
  readonly optimizer: Float32Array[];
  /** Loss state such as PPO's adaptive KL coefficient. */
  readonly extra: Readonly<Record<string, number>>;
}

export interface Policy {
  readonly observationSpace: Space;
  readonly actionSpace: Space;
  /** Batched inference: one forward pass for `n` observations ([n × obsDim]). */
  computeActions(obs: Float32Array, n: number, options: { readonly explore: boolean; readonly random: () => number; readonly timestep?: number }): ActionBatch;
  /** Value estimates for `n` observations. */
  value(obs: Float32Array, n: number): Float32Array;
  /** One gradient step on the whole batch; returns stats. */
  learnOnBatch(batch: SampleBatch): LearnerStats;
  /** Gradients of the loss on `batch` (not applied), as plain arrays, plus stats. */
  computeGradients(batch: SampleBatch): { readonly grads: Float32Array[]; readonly stats: LearnerStats };
  applyGradients(grads: readonly Float32Array[]): void;
  getWeights(): Float32Array[];
  setWeights(weights: readonly Float32Array[]): void;
  getState(): PolicyState;
  setState(state: PolicyState): void;
  /** PPO's adaptive KL coefficient update from the sampled KL; returns the new coefficient. */
  updateKl(sampledKl: number): number;
  dispose(): void;
  /**
   * Off-policy policies postprocess a fragment themselves (Q policies: n-step transitions); the rollout
   * worker then records next observations and skips GAE.
   */
  postprocess?(batch: SampleBatch): SampleBatch;
  /** |TD error| per row of the last `learnOnBatch`, for prioritized replay (Q policies). */
  readonly lastTdErrors?: Float32Array | undefined;
  /** Copies the online weights into the target network (Q policies). */
  updateTarget?(): void;
}
