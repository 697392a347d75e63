/**
 * Environments with Gymnasium semantics: spaces, the five classic-control tasks, the registry
 * (`registerEnv`/`makeEnv`/`listEnvs`), vectorized envs (`createVectorEnv`), and multi-agent envs
 * (`registerMultiAgentEnv`, `makeMultiAgent`, two games, `checkMultiAgentEnv`). See docs/envs.md and docs/multi-agent.md.
 */
export * from './types.js';
export { FLOAT32_MAX, actionDim, box, boxSize, contains, discrete, flatDim, sample } from './spaces.js';
export { InPlaceEnvBase, SteppingEnvAdapter, TimeLimit, asInPlaceEnv, isInPlaceEnv, readEnvConfig } from './in-place.js';
export type { ConfigDefaults, EnvConfig } from './in-place.js';
export { CartPoleEnv, CARTPOLE_THETA_THRESHOLD, CARTPOLE_X_THRESHOLD } from './cartpole.js';
export { PendulumEnv, angleNormalize } from './pendulum.js';
export { MountainCarEnv, MountainCarContinuousEnv, MOUNTAIN_CAR_GOAL, MOUNTAIN_CAR_CONTINUOUS_GOAL } from './mountain-car.js';
export { AcrobotEnv, ACROBOT_MAX_VEL_1, ACROBOT_MAX_VEL_2 } from './acrobot.js';
export { UnknownEnvError, envSpec, listEnvs, loadEnv, makeEnv, registerEnv, unregisterEnv } from './registry.js';
export type { EnvRef, EnvSpec, RegisterEnvOptions } from './registry.js';
export { SyncVectorEnv, createVectorEnv } from './vector-env.js';
export type { VectorEnvOptions } from './vector-env.js';
export { ALL_AGENTS, IndependentCopiesEnv, MultiAgentEnvError, makeMultiAgent } from './multi-agent.js';
export type { AgentDict, AgentId, MultiAgentEnv, MultiAgentEnvFactory, MultiAgentResetResult, MultiAgentStepResult } from './multi-agent.js';
export { isMultiAgentEnvId, listMultiAgentEnvs, loadMultiAgentEnv, makeMultiAgentEnv, registerMultiAgentEnv, unregisterMultiAgentEnv } from './multi-agent-registry.js';
export type { MultiAgentEnvSpec } from './multi-agent-registry.js';
export { CoordinationGameEnv, PAPER, ROCK, RockPaperScissorsEnv, SCISSORS, rpsPayoff } from './matrix-games.js';
export { checkMultiAgentEnv } from './check-multi-agent.js';
export type { MultiAgentCheckOptions, MultiAgentCheckReport } from './check-multi-agent.js';
export { EnvCheckError, checkEnv } from './check-env.js';
export type { CheckEnvOptions } from './check-env.js';
