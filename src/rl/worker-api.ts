/**
 * The methods of a rollout worker that the RL operators call, as a type, so operators can be written
 * (and type-checked against `callActor`/`callActors`) independently of the worker's implementation.
 * `RolloutWorker` (rollout-worker.ts) implements it; a learner is the same class with no envs.
 */
import type { ActorGroup } from '../dsl/define.js';
import type { SampleBatch } from './data/sample-batch.js';
import type { AnyPolicyConfig, LearnerStats, PolicyState } from './policy/types.js';
import type { FilterState, RunningStatState } from './data/filters.js';
import type { NumericChecks } from './data/numeric.js';

/** Everything a rollout worker (or the learner) is built from: plain data, sent to its process. */
export interface RolloutWorkerConfig {
  /** Registered environment id, e.g. `CartPole-v1`. */
  readonly env: string;
  /**
   * URL of the module that registers `env`, for your own environments: worker processes import it
   * before making the env (the registry is per process). Not needed for the built-in envs.
   */
  readonly envModule?: string;
  readonly envConfig: Readonly<Record<string, unknown>>;
  /** Env copies stepped together (batched inference); 0 for a learner, which samples nothing. */
  readonly numEnvs: number;
  /** Steps per env copy in one `sample()`. */
  readonly rolloutFragmentLength: number;
  readonly gamma: number;
  readonly lambda: number;
  readonly useGae: boolean;
  readonly useCritic: boolean;
  /** An actor-critic policy, or a Q policy (`kind: 'q'`). */
  readonly policy: AnyPolicyConfig;
  readonly observationFilter: 'NoFilter' | 'MeanStdFilter';
  /** Sample with exploration (stochastic actions). */
  readonly explore: boolean;
  /** NaN/Inf guards: `cheap` (default) or `full` (see rl/data/numeric.ts). */
  readonly numericChecks?: NumericChecks;
}

/** Variables that drive schedules, sent with the weights (RLlib's global_vars). */
export interface GlobalVars {
  /** Env steps sampled so far. */
  readonly timestep: number;
}

/** One finished episode, as a worker reports it. */
export interface EpisodeMetrics {
  readonly reward: number;
  readonly length: number;
  /** Multi-agent episodes: each agent's return, grouped by the policy that controlled it. */
  readonly policyRewards?: Readonly<Record<string, readonly number[]>>;
}

/** Minibatch SGD settings of `learnOnBatch`. */
export interface SgdOptions {
  readonly numSgdIter: number;
  /** 0 = one step on the whole batch. */
  readonly sgdMinibatchSize: number;
}

/** What `learnOnBatch` returns. */
export interface LearnResult {
  readonly stats: LearnerStats;
  /** The weights after the update, ready to broadcast (saves a round trip). */
  readonly weights: Float32Array[];
  readonly count: number;
  /** Q policies on a replayed batch: TD error per row, and the rows' replay buffer slots. */
  readonly tdErrors?: Float32Array;
  readonly batchIndexes?: Int32Array;
}

/** Gradients computed on a batch, with the learner stats and the batch's size. */
export interface GradientsResult {
  readonly grads: Float32Array[];
  readonly stats: LearnerStats;
  readonly count: number;
}

/** A rollout worker's complete state (`getState`/`setState`): policy, filter, global vars, sampling. */
export interface WorkerState {
  readonly policy: PolicyState;
  readonly filter: FilterState | undefined;
  readonly globalVars: GlobalVars;
  /**
   * Where sampling stands, so a restored worker continues exactly (checkpoints, `--resume`): the
   * random stream's position, the env copies mid-episode, the running episodes. Absent in states saved
   * by older versions; `setState` then leaves sampling as it is.
   */
  readonly sampler?: SamplerState;
}

/** A rollout worker's sampling state (`WorkerState.sampler`): plain data. */
export interface SamplerState {
  /** Position of the worker's random stream (actions, minibatch shuffles). */
  readonly random: number;
  /** The vector env's snapshot (`snapshotEnv`), absent before it first sampled or on a learner. */
  readonly env?: unknown;
  readonly episodeReward: Float64Array;
  readonly episodeLength: Int32Array;
  readonly episodeIds: Int32Array;
  readonly nextEpisode: number;
  /** Episodes finished but not yet collected by `getMetrics`. */
  readonly finished: readonly EpisodeMetrics[];
}

type Awaitable<T> = T | Promise<T>;

/** The methods of a rollout worker (and the learner) that RL operators call. */
export interface RolloutWorkerApi {
  /** Endless stream of `sample()` results (the worker's items). */
  items(): AsyncIterable<SampleBatch>;
  /** One rollout fragment: `rolloutFragmentLength × numEnvs` env steps, postprocessed (GAE). */
  sample(): Awaitable<SampleBatch>;
  /** Sets the policy weights (and the global vars, e.g. the timestep for exploration schedules). */
  setWeights(weights: readonly Float32Array[], globalVars?: GlobalVars): Awaitable<void>;
  /** The policy weights. */
  getWeights(): Awaitable<Float32Array[]>;
  /** Minibatch SGD on the worker's policy (the learner's job); returns stats and new weights. */
  learnOnBatch(batch: SampleBatch, options: SgdOptions): Awaitable<LearnResult>;
  /** Gradients of the loss on `batch` (not applied), with stats and the batch's row count. */
  computeGradients(batch: SampleBatch): Awaitable<GradientsResult>;
  /** Applies gradients; returns the new weights. */
  applyGradients(grads: readonly Float32Array[]): Awaitable<Float32Array[]>;
  /** PPO's adaptive KL coefficient update from the sampled KL; returns the new coefficient. */
  updateKl(sampledKl: number): Awaitable<number>;
  /** Q policies: copies the online weights into the target network. */
  updateTargetNetwork(): Awaitable<void>;
  /** Drains the episodes finished since the last call. */
  getMetrics(): Awaitable<EpisodeMetrics[]>;
  /** The observation filter's state and the statistics gathered since the last sync (then cleared). */
  flushFilter(): Awaitable<{ readonly state: FilterState; readonly delta: RunningStatState }>;
  /** Adopts the merged master filter. */
  syncFilter(master: FilterState): Awaitable<void>;
  /** The worker's complete state (policy, filter, global vars, sampling), for checkpoints. */
  getState(): Awaitable<WorkerState>;
  /** Restores a state from `getState`. */
  setState(state: WorkerState): Awaitable<void>;
}

/** An actor group of rollout workers (or the learner: a group of one worker with no envs). */
export type WorkerGroup = ActorGroup<RolloutWorkerApi, [RolloutWorkerConfig]>;
