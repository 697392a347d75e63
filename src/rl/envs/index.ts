/**
 * Environments with Gymnasium semantics: spaces, the five classic-control tasks, the registry
 * (`registerEnv`/`makeEnv`/`listEnvs`) and vectorized envs (`createVectorEnv`). See docs/envs.md.
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
export { EnvCheckError, checkEnv } from './check-env.js';
export type { CheckEnvOptions } from './check-env.js';
