/**
 * `rlflow/rl`: the RL layer's public API, curated. Environments and spaces (`registerEnv`, `makeEnv`,
 * the classic-control tasks, vectorized envs, `checkEnv`), sample batches and GAE, observation filters,
 * TensorFlow.js policies (actor-critic, Q, SAC, DDPG/TD3), replay buffers, V-trace, the rollout-worker,
 * multi-agent-worker and learner actors, and the RL operators that algorithms' plans are made of. Internals (operator plumbing, kernels) stay unexported. See docs/envs.md, docs/data.md,
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

// Multi-agent environments (docs/multi-agent.md).
export { ALL_AGENTS, IndependentCopiesEnv, MultiAgentEnvError, makeMultiAgent } from './envs/multi-agent.js';
export type { AgentDict, AgentId, MultiAgentEnv, MultiAgentEnvFactory, MultiAgentResetResult, MultiAgentStepResult } from './envs/multi-agent.js';
export { isMultiAgentEnvId, listMultiAgentEnvs, loadMultiAgentEnv, makeMultiAgentEnv, registerMultiAgentEnv, unregisterMultiAgentEnv } from './envs/multi-agent-registry.js';
export type { MultiAgentEnvSpec } from './envs/multi-agent-registry.js';
export { CoordinationGameEnv, PAPER, ROCK, RockPaperScissorsEnv, SCISSORS, rpsPayoff } from './envs/matrix-games.js';
export { checkMultiAgentEnv } from './envs/check-multi-agent.js';
export type { MultiAgentCheckOptions, MultiAgentCheckReport } from './envs/check-multi-agent.js';

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
export { vtrace } from './data/vtrace.js';
export type { VTraceOptions, VTraceResult } from './data/vtrace.js';

// Replay buffers (docs/replay.md).
export { BATCH_INDEXES, ColumnarRingBuffer, DISCOUNTS, MinSegmentTree, ReplayActor, ReplayBuffer, ReplayBuffers, SumSegmentTree, TRANSITION_COLUMNS, WEIGHTS, nStepTransitions } from './replay/index.js';
export type { PrioritizedState, PriorityUpdate, ReplayBufferOptions, ReplayBuffersConfig, ReplayBuffersState, ReplayStats, RingBufferState } from './replay/index.js';

// Policies on TensorFlow.js (docs/policies.md).
export type { ActionBatch, AnyPolicyConfig, DdpgPolicyConfig, LearnerStats, LossConfig, OffPolicyActorCriticConfig, Policy, PolicyConfig, PolicyState, QPolicyConfig, SacPolicyConfig } from './policy/types.js';
export { createPolicy } from './policy/create-policy.js';
export { QPolicy, createQPolicy } from './policy/q-policy.js';
export { epsilonAt } from './policy/exploration.js';
export type { ExplorationConfig } from './policy/exploration.js';
export { SacPolicy, createSacPolicy } from './policy/sac.js';
export { DdpgPolicy, createDdpgPolicy } from './policy/ddpg.js';
export { ExplorationNoise } from './policy/exploration-noise.js';
export type { NoiseConfig } from './policy/exploration-noise.js';
export { polyakUpdate } from './policy/target-network.js';
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
export { MultiAgentRolloutWorker } from './multi-agent-worker.js';
export type { MappingContext, MultiAgentWorkerApi, MultiAgentWorkerConfig, MultiAgentWorkerGroup, MultiAgentWorkerState, PolicyMappingFn, PolicyMappingRef, PolicySpec } from './multi-agent-api.js';
export { byAgentIndex, policyMapping, randomPerEpisode, sharedPolicy } from './policy-mapping.js';
export { AsyncLearner } from './async-learner.js';
export type { AsyncLearnerConfig, AsyncTrainBatch } from './async-learner.js';
export { ReplayLearner } from './replay-learner.js';
export type { ReplayLearnerConfig } from './replay-learner.js';
export { LearnerLoop, MinibatchBuffer } from './learner/index.js';
export type { LearnerLoopOptions, LearnerOutput, LearnerReply, MinibatchBufferOptions } from './learner/index.js';

// RL operators: functions from streams to streams (docs/rl-operators.md).
export { parallelRollouts, asyncGradients, computeGradientsOnWorker, countSampledSteps } from './ops/rollouts.js';
export type { RolloutMode } from './ops/rollouts.js';
export { concatBatches, selectExperiences, standardizeFields } from './ops/batching.js';
export { trainOneStep, computeGradients, averageGradients, applyGradients, updateKL, globalVars } from './ops/training.js';
export type { TrainResult } from './ops/training.js';
export { standardMetricsReporting } from './ops/metrics.js';
export type { ResultDict, ReportingOptions } from './ops/metrics.js';
export { STEPS_SAMPLED, STEPS_TRAINED, SAMPLE_TIMER, LEARN_TIMER } from './ops/internal.js';
export { learnOnReplayed, replay, storeToReplayBuffer, trainingIntensityWeights, updatePriorities, updateTargetNetwork } from './ops/replay.js';
export type { LocalReplaySpec, ReplayGroup, ReplayTarget } from './ops/replay.js';
export { learnOnReplayActors, syncWorkerWeights, updateShardPriorities } from './ops/replay-learning.js';
export type { ReplayLearnerGroup } from './ops/replay-learning.js';
export { learnAsync } from './ops/async-learning.js';
export type { AsyncLearnerGroup } from './ops/async-learning.js';
export { multiAgentRollouts, trainPolicies, updatePolicyKLs } from './ops/multi-agent.js';
export type { MultiAgentTrainResult } from './ops/multi-agent.js';

// Seeded randomness, for envs and stages that must be reproducible.
export { createRng, deriveSeed } from '../rng/index.js';
