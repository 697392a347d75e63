/**
 * Policies on TensorFlow.js: the backend loader, MLP layers, action distributions, the actor-critic
 * policy with PG / A2C / PPO losses, minibatch SGD, and the off-policy SAC and DDPG/TD3 policies. See docs/policies.md.
 */
export type { ActionBatch, AnyPolicyConfig, DdpgPolicyConfig, LearnerStats, LossConfig, OffPolicyActorCriticConfig, Policy, PolicyConfig, PolicyState, QPolicyConfig, SacPolicyConfig } from './types.js';
export { isQPolicyConfig } from './types.js';
export { backendInfo, getTf, loadTf } from './tf-backend.js';
export type { BackendChoice, BackendInfo, LoadTfOptions, Tf, TfDevice } from './tf-backend.js';
export { createDense, createMlp, denseForward, layerVariables, mlpForward, normalSource, normcKernel } from './mlp.js';
export type { Activation, DenseLayer, ForwardMode, GradMode } from './mlp.js';
export { Categorical, DiagGaussian, categoricalTf, clipActions, diagGaussianTf } from './distributions.js';
export type { ActionDistribution } from './distributions.js';
export { ActorCriticPolicy, createActorCriticPolicy } from './actor-critic.js';
export type { ActorCriticOptions } from './actor-critic.js';
export { averageStats, sgdEpochs } from './sgd.js';
export type { SgdEpochsOptions } from './sgd.js';
export { QPolicy, createQPolicy } from './q-policy.js';
export type { QPolicyOptions } from './q-policy.js';
export { epsilonAt } from './exploration.js';
export type { ExplorationConfig } from './exploration.js';
export { FlatAdam } from './flat-adam.js';
export { createPolicy } from './create-policy.js';
export { SacPolicy, alphaLoss, autoTargetEntropy, createSacPolicy } from './sac.js';
export { DdpgPolicy, createDdpgPolicy } from './ddpg.js';
export { ExplorationNoise, noiseScale } from './exploration-noise.js';
export type { NoiseConfig } from './exploration-noise.js';
export { cloneLayers, polyakUpdate } from './target-network.js';
export { LOG_STD_MAX, LOG_STD_MIN, sampleSquashed, squashedLogp } from './squashed-gaussian.js';
