/**
 * `rlflow/rl`: the RL layer's public API, curated. Environments and spaces (`registerEnv`, `makeEnv`,
 * the classic-control tasks, vectorized envs, `checkEnv`), sample batches and GAE, observation filters,
 * TensorFlow.js policies, the rollout-worker actor, and the RL operators that algorithms' plans are
 * made of. Internals (operator plumbing, kernels) stay unexported. See docs/envs.md, docs/data.md,
 * docs/policies.md and docs/rl-operators.md.
 *
 * @example
 *   import { makeEnv, registerEnv, box, discrete } from 'rlflow/rl';
 *
 * @packageDocumentation
 */

// Environments and spaces (docs/envs.md).
export type { Action, BoxSpace, DiscreteSpace, Env, EnvFactory, InPlaceEnv, ResetResult, Space, StepResult, VectorEnv } from './envs/types.js';
export { STEP_TERMINATED, STEP_TRUNCATED } from './envs/types.js';
export { FLOAT32_MAX, actionDim, box, boxSize, contains, discrete, flatDim, sample } from './envs/spaces.js';
export { InPlaceEnvBase, SteppingEnvAdapter, TimeLimit, asInPlaceEnv, isInPlaceEnv, readEnvConfig } from './envs/in-place.js';
export type { ConfigDefaults, EnvConfig } from './envs/in-place.js';
export { CartPoleEnv, PendulumEnv, MountainCarEnv, MountainCarContinuousEnv, AcrobotEnv } from './envs/index.js';
export { UnknownEnvError, envSpec, listEnvs, loadEnv, makeEnv, registerEnv, unregisterEnv } from './envs/registry.js';
export type { EnvRef, EnvSpec, RegisterEnvOptions } from './envs/registry.js';
export { SyncVectorEnv, createVectorEnv } from './envs/vector-env.js';
export { EnvCheckError, checkEnv } from './envs/check-env.js';
export type { CheckEnvOptions } from './envs/check-env.js';
export type { VectorEnvOptions } from './envs/vector-env.js';

// Sample batches, GAE and observation filters (docs/data.md).
export { SB, isMultiAgentBatch } from './data/sample-batch.js';
export type { AnyBatch, Column, MultiAgentBatch, SampleBatch } from './data/sample-batch.js';
export { SampleBatchError } from './data/errors.js';
export { column, concatSamples, createSampleBatch, emptyBatch, hasColumn, minibatches, permutation, selectRows, shuffle, slice, widthOf, withColumns } from './data/batch.js';
/** Standardizes columns of a batch in place of a copy (the function; the plan operator is `standardizeFields`). */
export { standardizeFields as standardizeBatchFields } from './data/batch.js';
export { DEFAULT_POLICY_ID, agentSteps, asMultiAgent, createMultiAgentBatch, envSteps, mapPolicyBatches, selectPolicies } from './data/multi-agent.js';
export { discountCumsum, postprocessAdvantages } from './data/gae.js';
export type { AdvantageOptions } from './data/gae.js';
export { MeanStdFilter, NoFilter, createFilter, filterFromState } from './data/filters.js';
export type { FilterKind, FilterState, ObservationFilter, RunningStatState } from './data/filters.js';

// Policies on TensorFlow.js (docs/policies.md).
export type { ActionBatch, LearnerStats, LossConfig, Policy, PolicyConfig, PolicyState } from './policy/types.js';
export { backendInfo, loadTf } from './policy/tf-backend.js';
export type { BackendChoice, BackendInfo, LoadTfOptions, Tf, TfDevice } from './policy/tf-backend.js';
export { ActorCriticPolicy, createActorCriticPolicy } from './policy/actor-critic.js';
export type { ActorCriticOptions } from './policy/actor-critic.js';
export { Categorical, DiagGaussian } from './policy/distributions.js';
export type { ActionDistribution } from './policy/distributions.js';
export { sgdEpochs } from './policy/sgd.js';
export type { SgdEpochsOptions } from './policy/sgd.js';

// The rollout worker actor and the methods operators call on it.
export { RolloutWorker } from './rollout-worker.js';
export type { EpisodeMetrics, GlobalVars, GradientsResult, LearnResult, RolloutWorkerApi, RolloutWorkerConfig, SgdOptions, WorkerGroup, WorkerState } from './worker-api.js';

// RL operators: functions from streams to streams (docs/rl-operators.md).
export { parallelRollouts, asyncGradients, computeGradientsOnWorker, countSampledSteps } from './ops/rollouts.js';
export type { RolloutMode } from './ops/rollouts.js';
export { concatBatches, selectExperiences, standardizeFields } from './ops/batching.js';
export { trainOneStep, computeGradients, averageGradients, applyGradients, updateKL, globalVars } from './ops/training.js';
export type { TrainResult } from './ops/training.js';
export { standardMetricsReporting } from './ops/metrics.js';
export type { ResultDict, ReportingOptions } from './ops/metrics.js';
export { STEPS_SAMPLED, STEPS_TRAINED, SAMPLE_TIMER, LEARN_TIMER } from './ops/internal.js';

// Seeded randomness, for envs and stages that must be reproducible.
export { createRng, deriveSeed } from '../rng/index.js';
