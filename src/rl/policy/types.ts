/**
 * Policy contracts. A policy lives inside one actor process (a rollout worker or a learner) and talks
 * to the rest of the system only through plain data: weights and optimizer state are arrays of
 * Float32Array, batches are `SampleBatch`es, statistics are numbers.
 */
import type { Space } from '../envs/types.js';
import type { SampleBatch } from '../data/sample-batch.js';
import type { NoiseConfig } from './exploration-noise.js';
import type { ExplorationConfig } from './exploration.js';

/** Network and loss hyperparameters of an actor-critic policy. */
export interface PolicyConfig {
  /** The actor-critic policy (the default when absent); see `AnyPolicyConfig` for the others. */
  readonly kind?: 'actorCritic';
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

/**
 * Any policy a rollout worker can host, told apart by `kind`: an actor-critic (`PolicyConfig`, no kind),
 * a Q policy (`'q'`), SAC (`'sac'`) or DDPG/TD3 (`'ddpg'`).
 */
export type AnyPolicyConfig = PolicyConfig | QPolicyConfig | SacPolicyConfig | DdpgPolicyConfig;

export function isQPolicyConfig(config: AnyPolicyConfig): config is QPolicyConfig {
  return (config as QPolicyConfig).kind === 'q';
}

/** Whether `config` is an actor-critic policy's (PG, A2C, A3C, PPO, IMPALA, APPO). */
export function isActorCriticPolicyConfig(config: AnyPolicyConfig): config is PolicyConfig {
  return config.kind === undefined || config.kind === 'actorCritic';
}

/** The loss a policy trains with, and its coefficients. */
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

/** A policy's state as plain data: weights, optimizer state, loss state. */
export interface PolicyState {
  readonly weights: Float32Array[];
  readonly optimizer: Float32Array[];
  /** Loss state such as PPO's adaptive KL coefficient. */
  readonly extra: Readonly<Record<string, number>>;
}

/** A policy: batched inference, value estimates, learning steps, weights and state as plain arrays. */
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
  /** Applies gradients (as from `computeGradients`) with the policy's optimizer. */
  applyGradients(grads: readonly Float32Array[]): void;
  /** The model weights, one array per variable. */
  getWeights(): Float32Array[];
  /** Replaces the model weights (same order and sizes as `getWeights`). */
  setWeights(weights: readonly Float32Array[]): void;
  /** Weights, optimizer slots and loss state, as plain data (for checkpoints). */
  getState(): PolicyState;
  /** Restores a state from `getState`. */
  setState(state: PolicyState): void;
  /** PPO's adaptive KL coefficient update from the sampled KL; returns the new coefficient. */
  updateKl(sampledKl: number): number;
  /** Frees the policy's tensors; the policy is unusable afterwards. */
  dispose(): void;
  /**
   * Off-policy policies postprocess a fragment themselves (Q policies: n-step transitions); the rollout
   * worker then records next observations and skips GAE.
   */
  postprocess?(batch: SampleBatch): SampleBatch;
  /** |TD error| per row of the last `learnOnBatch`, for prioritized replay (Q policies). */
  readonly lastTdErrors?: Float32Array | undefined;
  /**
   * Moves the target network(s) towards the trained ones: a copy (Q policies), or Polyak averaging with
   * the config's τ (SAC, DDPG, TD3; `tau` overrides it, τ = 1 copies).
   */
  updateTarget?(tau?: number): void;
}

/** What SAC's and DDPG/TD3's policy configs share: actor and critic networks, their optimizers, targets. */
export interface OffPolicyActorCriticConfig {
  readonly actorHidden: readonly number[];
  readonly criticHidden: readonly number[];
  readonly activation: 'tanh' | 'relu';
  readonly actorLr: number;
  readonly criticLr: number;
  /** Discount; the TD target uses γ^nStep (the replay's n-step transitions sum the rewards). */
  readonly gamma: number;
  readonly nStep: number;
  /** Polyak coefficient of the target networks. */
  readonly tau: number;
}

/** The SAC policy (sac.ts): squashed-Gaussian (Box) or categorical (Discrete) actor, twin Q critics. */
export interface SacPolicyConfig extends OffPolicyActorCriticConfig {
  readonly kind: 'sac';
  /** Learning rate of log α (automatic entropy tuning). */
  readonly entropyLr: number;
  /** Two critics and the minimum of their targets (clipped double Q). */
  readonly twinQ: boolean;
  readonly initialAlpha: number;
  /** 'auto': −dim(A) for Box actions, 0.98·log(k) for k discrete actions (RLlib's choices). */
  readonly targetEntropy: number | 'auto';
}

/** The DDPG / TD3 policy (ddpg.ts): deterministic tanh actor, one or two critics, exploration noise. */
export interface DdpgPolicyConfig extends OffPolicyActorCriticConfig {
  readonly kind: 'ddpg';
  readonly twinQ: boolean;
  /** Actor updates every `policyDelay` critic updates (TD3: 2). */
  readonly policyDelay: number;
  /** TD3's target-policy smoothing: clipped Gaussian noise on the target action. */
  readonly smoothTargetPolicy: boolean;
  /** Std-dev and clip of the smoothing noise, in env action units (TD3: 0.2, 0.5). */
  readonly targetNoise: number;
  readonly targetNoiseClip: number;
  /** L2 penalty on the kernels of actor and critics (RLlib's l2_reg: l2·Σ w²/2). */
  readonly l2Reg: number;
  /** Huber instead of squared TD error (threshold 1). */
  readonly useHuber: boolean;
  readonly exploration: NoiseConfig;
}


