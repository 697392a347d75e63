/**
 * Built-in policy-mapping functions and the loader of mapping references. A mapping runs on worker
 * processes, so it travels as plain data, `{ module, name, args }`, never as a closure; a reference
 * without `module` names one of the built-ins here (`policyMapping(name, ...args)` builds it).
 */
import type { MappingContext, PolicyMappingFn, PolicyMappingRef } from './multi-agent-api.js';

/** Every agent to one policy (a shared policy). */
export function sharedPolicy(policyId: string): PolicyMappingFn {
  return () => policyId;
}

/**
 * Agent i of `possibleAgents` to `policyIds[i mod k]`: RLlib's two-trainer example maps even agents to
 * the first policy and odd ones to the second with `byAgentIndex(['ppo_policy', 'dqn_policy'])`.
 */
export function byAgentIndex(policyIds: readonly string[]): PolicyMappingFn {
  return (_agent, { agentIndex }) => policyIds[agentIndex % policyIds.length]!;
}

/**
 * A policy per agent and episode, drawn uniformly but reproducibly (a hash of worker, episode and
 * agent): RLlib's multi-agent CartPole example maps agents to random policies.
 */
export function randomPerEpisode(policyIds: readonly string[]): PolicyMappingFn {
  return (_agent, { episodeId, agentIndex, workerIndex }: MappingContext) => {
    let h = Math.imul(episodeId ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(agentIndex + 1, 0xc2b2ae35) ^ Math.imul(workerIndex + 7, 0x27d4eb2f);
    h ^= h >>> 15;
    h = Math.imul(h, 0x2c1b3c6d);
    h ^= h >>> 12;
    return policyIds[(h >>> 0) % policyIds.length]!;
  };
}

const builtins = { sharedPolicy, byAgentIndex, randomPerEpisode };

/**
 * A reference to a built-in mapping, with its arguments.
 *
 * @example
 *   policyMapping('byAgentIndex', ['ppo_policy', 'dqn_policy'])
 */
export function policyMapping<K extends keyof typeof builtins>(name: K, ...args: Parameters<(typeof builtins)[K]>): PolicyMappingRef {
  if (!Object.hasOwn(builtins, name)) throw new Error(`no built-in policy mapping '${String(name)}' (built-ins: ${Object.keys(builtins).join(', ')})`);
  return { name, args: structuredClone(args) };
}

/** Loads a mapping function from its reference (in the worker's process). */
export async function loadPolicyMapping(ref: PolicyMappingRef): Promise<PolicyMappingFn> {
  let mod: Record<string, unknown> = builtins;
  if (ref.module !== undefined) {
    try {
      mod = (await import(ref.module)) as Record<string, unknown>;
    } catch (e) {
      throw new Error(`policy mapping: cannot import module ${ref.module}: ${(e as Error).message}`);
    }
  }
  const value = Object.hasOwn(mod, ref.name) ? mod[ref.name] : undefined;
  if (typeof value !== 'function') {
    throw new Error(ref.module === undefined ? `policy mapping: no built-in '${ref.name}' (built-ins: ${Object.keys(builtins).join(', ')}); give { module, name } for your own` : `policy mapping: module ${ref.module} has no exported function '${ref.name}'`);
  }
  const fn = ref.args === undefined ? value : (value as (...a: unknown[]) => unknown)(...ref.args);
  if (typeof fn !== 'function') throw new Error(`policy mapping: '${ref.name}(...args)' must return a function (agentId, context) => policyId`);
  return fn as PolicyMappingFn;
}
