/**
 * The policy a rollout worker (or learner) hosts, chosen by its config's `kind`: the actor-critic policy
 * (PG, A2C, A3C, PPO; the default), SAC, or DDPG/TD3. The one place that maps a plain-data policy
 * config to a class, so the worker stays independent of the policy families.
 */
import type { Space } from '../envs/types.js';
import { createActorCriticPolicy } from './actor-critic.js';
import { createDdpgPolicy } from './ddpg.js';
import { createSacPolicy } from './sac.js';
import type { TfDevice } from './tf-backend.js';
import type { AnyPolicyConfig, Policy } from './types.js';

/**
 * Builds the policy `config.kind` names; every process calling this with the same arguments gets the
 * same initial weights.
 *
 * @example
 *   const policy = await createPolicy(env.observationSpace, env.actionSpace, { kind: 'sac', ... }, seed);
 */
export async function createPolicy(observationSpace: Space, actionSpace: Space, config: AnyPolicyConfig, seed: number, options: { readonly device?: TfDevice } = {}): Promise<Policy> {
  switch (config.kind) {
    case undefined:
    case 'actorCritic':
      return createActorCriticPolicy(observationSpace, actionSpace, config, seed, options);
    case 'sac':
      return createSacPolicy(observationSpace, actionSpace, config, seed, options);
    case 'ddpg':
      return createDdpgPolicy(observationSpace, actionSpace, config, seed, options);
  }
}

/** Whether a policy learns from replayed transitions (its workers must record `newObs`). */
export function isOffPolicy(config: AnyPolicyConfig): boolean {
  return config.kind === 'sac' || config.kind === 'ddpg';
}
