/**
 * Policies on TensorFlow.js: the backend loader, MLP layers, action distributions, the actor-critic
 * policy with PG / A2C / PPO losses, and minibatch SGD. See docs/policies.md.
 */
export type { ActionBatch, LearnerStats, LossConfig, Policy, PolicyConfig, PolicyState } from './types.js';
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
