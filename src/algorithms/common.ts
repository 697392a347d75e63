/**
 * What every algorithm shares: the common config keys (RLlib's COMMON_CONFIG, camel-cased), config
 * validation with errors that name the key, and building the rollout-worker and learner groups from
 * a config. Each algorithm file (pg.ts, a2c.ts, …) then holds only its own schema and its plan.
 */
import { z } from 'zod';
import { actors } from '../dsl/define.js';
import { PlanError } from '../ir/errors.js';
import type { Stream } from '../dsl/stream.js';
import type { ResultDict } from '../rl/ops/metrics.js';
import type { AnyPolicyConfig, LossConfig, PolicyConfig } from '../rl/policy/types.js';
import { RolloutWorker } from '../rl/rollout-worker.js';
import type { RolloutWorkerConfig, WorkerGroup } from '../rl/worker-api.js';

/** Keys shared by every algorithm, with RLlib 1.8's defaults (spec §4.1). */
export const commonConfig = {
  env: z.string().default('CartPole-v1').describe('registered environment id'),
  envModule: z.string().optional().describe("module URL that registers a custom env (workers import it); e.g. import.meta.url of your env's module"),
  envConfig: z.record(z.string(), z.unknown()).default({}).describe('plain-data options passed to the environment'),
  numWorkers: z.number().int().min(1).default(2).describe('rollout worker actors (each its own process on the farm backend)'),
  numEnvsPerWorker: z.number().int().min(1).default(1).describe('env copies per worker, stepped together with one batched forward pass'),
  rolloutFragmentLength: z.number().int().min(1).default(200).describe('steps per env copy in one sample()'),
  trainBatchSize: z.number().int().min(1).default(200).describe('env steps per training batch'),
  gamma: z.number().min(0).max(1).default(0.99).describe('discount factor'),
  lr: z.number().positive().default(1e-4).describe('learning rate (Adam)'),
  hidden: z.array(z.number().int().positive()).default([256, 256]).describe('hidden layer sizes of the MLPs'),
  activation: z.enum(['tanh', 'relu']).default('tanh').describe('hidden activation'),
  vfShareLayers: z.boolean().default(true).describe('share hidden layers between policy and value heads'),
  gradClip: z.number().positive().optional().describe('global-norm gradient clipping (none when unset)'),
  observationFilter: z.enum(['NoFilter', 'MeanStdFilter']).default('NoFilter').describe('observation normalization, synced like weights'),
  explore: z.boolean().default(true).describe('sample stochastic actions'),
  timestepsPerIteration: z.number().int().min(0).default(0).describe('minimum env steps per reported iteration'),
  minIterTimeS: z.number().min(0).default(0).describe('minimum seconds per reported iteration'),
  metricsSmoothingEpisodes: z.number().int().min(1).default(100).describe('episodes in the reward smoothing window'),
};

/** Validates a config against a schema; the error names every bad key and why. */
export function parseConfig<S extends z.ZodType>(algorithm: string, schema: S, input: unknown): z.infer<S> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => {
    const key = i.path.join('.');
    return i.code === 'unrecognized_keys' ? `unknown key(s) ${(i as { keys: string[] }).keys.map((k) => `'${k}'`).join(', ')}` : `'${key}': ${i.message}`;
  });
  throw new PlanError(`invalid ${algorithm} config: ${problems.join('; ')}`, { hint: `see docs/algorithms/${algorithm}.md for every key and its default` });
}

/** The common keys alone, as a schema (each algorithm extends `commonConfig`). */
export const commonSchema = z.object(commonConfig);
type Common = z.infer<typeof commonSchema>;

/** The rollout workers and the learner (one worker with no envs) of a run. */
export function workerGroups(config: Common & { readonly lambda?: number; readonly useGae?: boolean; readonly useCritic?: boolean }, loss: LossConfig): { workers: WorkerGroup; learner: WorkerGroup } {
  const policy: PolicyConfig = {
    hidden: config.hidden,
    activation: config.activation,
    vfShareLayers: config.vfShareLayers,
    lr: config.lr,
    gradClip: config.gradClip,
    loss,
  };
  return policyWorkerGroups(config, policy);
}

/** The rollout workers and the learner of a run, for any policy kind (actor-critic or Q). */
export function policyWorkerGroups(config: Common & { readonly lambda?: number; readonly useGae?: boolean; readonly useCritic?: boolean }, policy: AnyPolicyConfig): { workers: WorkerGroup; learner: WorkerGroup } {
  const worker: RolloutWorkerConfig = {
    env: config.env,
    ...(config.envModule !== undefined ? { envModule: config.envModule } : {}),
    envConfig: config.envConfig,
    numEnvs: config.numEnvsPerWorker,
    rolloutFragmentLength: config.rolloutFragmentLength,
    gamma: config.gamma,
    lambda: config.lambda ?? 1,
    useGae: config.useGae ?? true,
    useCritic: config.useCritic ?? true,
    policy,
    observationFilter: config.observationFilter,
    explore: config.explore,
  };
  return {
    // Policy inference over a worker's env copies can run in fewer, larger forward passes: the batch pass picks the rows per pass.
    workers: actors(RolloutWorker, {
      count: config.numWorkers,
      args: [worker],
      name: 'workers',
      vectorizable: { what: 'policy inference', items: config.numEnvsPerWorker, cost: 'policyForward' },
    }),
    // The learner's SGD is the one place a GPU pays off (spec §4): the place pass gives it one when usable.
    learner: actors(RolloutWorker, { count: 1, args: [{ ...worker, numEnvs: 0 }], name: 'learner', prefers: 'gpu' }),
  };
}

/** An algorithm as the CLI and the registry see it. */
export interface Algorithm<C> {
  readonly name: string;
  readonly description: string;
  readonly schema: z.ZodType<C>;
  /** Validates a (partial) user config and fills in defaults. */
  config(input?: unknown): C;
  /** The plan: a stream of one result dict per training iteration. */
  plan(config: C): Stream<ResultDict>;
}
