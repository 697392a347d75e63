/** The RL operators: small functions from streams to streams, built on the DSL. */
export { parallelRollouts, asyncGradients, computeGradientsOnWorker, countSampledSteps } from './rollouts.js';
export type { RolloutMode } from './rollouts.js';
export { concatBatches, selectExperiences, standardizeFields } from './batching.js';
export { trainOneStep, computeGradients, averageGradients, applyGradients, updateKL, globalVars } from './training.js';
export type { TrainResult } from './training.js';
export { standardMetricsReporting } from './metrics.js';
export type { ResultDict, ReportingOptions } from './metrics.js';
export * from './internal.js';
export { multiAgentRollouts, trainPolicies, updatePolicyKLs } from './multi-agent.js';
export type { MultiAgentTrainResult } from './multi-agent.js';
export { policyRewardStats } from './policy-metrics.js';
