/**
 * The one place a policy config becomes a policy: an actor-critic for `PolicyConfig`, a Q policy for
 * `kind: 'q'`. Rollout workers (and learners) call it, so a new policy kind is added here, not in the
 * worker.
 */
import type { Space } from '../envs/types.js';
import { createActorCriticPolicy } from './actor-critic.js';
import { createQPolicy } from './q-policy.js';
import type { TfDevice } from './tf-backend.js';
import { isQPolicyConfig, type AnyPolicyConfig, type Policy } from './types.js';

/**
 * @example
 *   const policy = await createPolicy(env.observationSpace, env.actionSpace, config.policy, seed, { device: ctx.device, workerIndex: ctx.index });
 */
export async function createPolicy(observationSpace: Space, actionSpace: Space, config: AnyPolicyConfig, seed: number, options: { readonly device?: TfDevice; readonly workerIndex?: number } = {}): Promise<Policy> {
  const device = options.device !== undefined ? { device: options.device } : {};
  if (isQPolicyConfig(config)) return createQPolicy(observationSpace, actionSpace, config, seed, { ...device, workerIndex: options.workerIndex ?? 0 });
  return createActorCriticPolicy(observationSpace, actionSpace, config, seed, device);
}
