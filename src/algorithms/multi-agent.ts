/**
 * What multi-agent algorithms share: the `multiagent` config keys (the policy ids, per-policy
 * overrides, the policy-mapping function and the policies to train; RLlib's `multiagent` dict) and
 * building the multi-agent rollout workers and learner from a config. Algorithm files (ma-ppo.ts,
 * two-trainer.ts) then hold only their own schema and plan.
 */
import { z } from 'zod';
import { actors } from '../dsl/define.js';
import { PlanError } from '../ir/errors.js';
import type { MultiAgentWorkerConfig, MultiAgentWorkerGroup, PolicyMappingRef, PolicySpec } from '../rl/multi-agent-api.js';
import { MultiAgentRolloutWorker } from '../rl/multi-agent-worker.js';
import { policyMapping } from '../rl/policy-mapping.js';
import type { LossConfig } from '../rl/policy/types.js';
import { LEARNER_RESYNC, commonConfig } from './common.js';

/** Keys a policy may override in `policyConfigs` (everything else comes from the algorithm's config). */
const policyOverrides = z
  .object({
    gamma: z.number().min(0).max(1),
    lambda: z.number().min(0).max(1),
    lr: z.number().positive(),
    hidden: z.array(z.number().int().positive()),
    activation: z.enum(['tanh', 'relu']),
    vfShareLayers: z.boolean(),
  })
  .partial()
  .strict();

const mappingRef = z.object({ module: z.string().optional(), name: z.string(), args: z.array(z.unknown()).optional() }).strict();

/** The multi-agent keys (RLlib's `multiagent` dict, flattened and camel-cased). */
export const multiAgentConfig = {
  env: commonConfig.env.default('MultiAgentCartPole').describe('registered multi-agent environment id'),
  policies: z.array(z.string().min(1)).min(1).default(['shared']).describe('policy ids of the policy map (each an independent network)'),
  policyConfigs: z.record(z.string(), policyOverrides).default({}).describe('per-policy overrides of gamma, lambda, lr, hidden, activation, vfShareLayers'),
  policyMapping: z
    .union([z.enum(['shared', 'byAgentIndex', 'randomPerEpisode']), mappingRef])
    .default('byAgentIndex')
    .describe("agent → policy: 'shared' (first policy), 'byAgentIndex' (agent i → policies[i mod k]), 'randomPerEpisode', or { module, name, args } of your own function"),
  policiesToTrain: z.array(z.string()).optional().describe('policies that learn (default: all); the others only act'),
};

interface MultiAgentKeys {
  readonly env: string;
  readonly envModule?: string | undefined;
  readonly envConfig: Record<string, unknown>;
  readonly numWorkers: number;
  readonly numEnvsPerWorker: number;
  readonly rolloutFragmentLength: number;
  readonly gamma: number;
  readonly lambda?: number;
  readonly useGae?: boolean;
  readonly lr: number;
  readonly hidden: number[];
  readonly activation: 'tanh' | 'relu';
  readonly vfShareLayers: boolean;
  readonly gradClip?: number | undefined;
  readonly explore: boolean;
  readonly policies: string[];
  readonly policyConfigs?: Record<string, z.infer<typeof policyOverrides>>;
  readonly policyMapping: 'shared' | 'byAgentIndex' | 'randomPerEpisode' | z.infer<typeof mappingRef>;
  readonly policiesToTrain?: string[] | undefined;
}

/** The mapping reference a config names. */
export function mappingOf(config: Pick<MultiAgentKeys, 'policies' | 'policyMapping'>): PolicyMappingRef {
  const m = config.policyMapping;
  if (m === 'shared') return policyMapping('sharedPolicy', config.policies[0]!);
  if (m === 'byAgentIndex') return policyMapping('byAgentIndex', config.policies);
  if (m === 'randomPerEpisode') return policyMapping('randomPerEpisode', config.policies);
  return { ...(m.module !== undefined ? { module: m.module } : {}), name: m.name, ...(m.args !== undefined ? { args: m.args } : {}) };
}

/** One policy spec per policy id: the algorithm's settings with that policy's overrides. */
export function policySpecs(config: MultiAgentKeys, loss: LossConfig, ids: readonly string[] = config.policies): Record<string, PolicySpec> {
  for (const id of Object.keys(config.policyConfigs ?? {})) {
    if (!config.policies.includes(id)) throw new PlanError(`policyConfigs names '${id}', which is not in policies (${config.policies.join(', ')})`);
  }
  for (const id of config.policiesToTrain ?? []) {
    if (!config.policies.includes(id)) throw new PlanError(`policiesToTrain names '${id}', which is not in policies (${config.policies.join(', ')})`);
  }
  return Object.fromEntries(
    ids.map((id) => {
      const o = config.policyConfigs?.[id] ?? {};
      const spec: PolicySpec = {
        config: { hidden: o.hidden ?? config.hidden, activation: o.activation ?? config.activation, vfShareLayers: o.vfShareLayers ?? config.vfShareLayers, lr: o.lr ?? config.lr, gradClip: config.gradClip, loss },
        gamma: o.gamma ?? config.gamma,
        lambda: o.lambda ?? config.lambda ?? 1,
        useGae: config.useGae ?? true,
        useCritic: true,
      };
      return [id, spec];
    }),
  );
}

/** The multi-agent rollout workers and their learner (one worker with no envs) for a policy map. */
export function multiAgentWorkerGroups(config: MultiAgentKeys, policies: Record<string, PolicySpec>): { workers: MultiAgentWorkerGroup; learner: MultiAgentWorkerGroup } {
  const worker: MultiAgentWorkerConfig = {
    env: config.env,
    ...(config.envModule !== undefined ? { envModule: config.envModule } : {}),
    envConfig: config.envConfig,
    numEnvs: config.numEnvsPerWorker,
    rolloutFragmentLength: config.rolloutFragmentLength,
    policies,
    policyMapping: mappingOf(config),
    ...(config.policiesToTrain !== undefined ? { policiesToTrain: config.policiesToTrain } : {}),
    explore: config.explore,
  };
  return {
    // As in the single-agent groups: a recreated worker takes every policy's weights and the global vars
    // from a live peer, else from the learner; a crashed learner is restored from the last checkpoint.
    workers: actors(MultiAgentRolloutWorker, { count: config.numWorkers, args: [worker], name: 'workers', resync: { get: 'getState', set: 'setState', from: ['learner'] } }),
    learner: actors(MultiAgentRolloutWorker, { count: 1, args: [{ ...worker, numEnvs: 0 }], name: 'learner', prefers: 'gpu', resync: LEARNER_RESYNC }),
  };
}
