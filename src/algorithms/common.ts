/**
 * What every algorithm shares: the common config keys (RLlib's COMMON_CONFIG, camel-cased), config
 * validation with errors that name the key, and building the rollout-worker and learner groups from
 * a config. Each algorithm file (pg.ts, a2c.ts, …) then holds only its own schema and its plan.
 */
import { z } from 'zod';
import { actors } from '../dsl/define.js';
import { PlanError } from '../ir/errors.js';
import type { Stream } from '../dsl/stream.js';
import type { FaultOptions } from '../runtime/faults.js';
import type { ResultDict } from '../rl/ops/metrics.js';
import type { AnyPolicyConfig, LossConfig, PolicyConfig } from '../rl/policy/types.js';
import { AsyncLearner, type AsyncLearnerConfig } from '../rl/async-learner.js';
import type { AsyncLearnerGroup } from '../rl/ops/async-learning.js';
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
  maxActorRestarts: z.number().int().min(0).default(0).describe('times each rollout worker is recreated after a crash or hang (re-synced from a peer or the learner); 0 = a crash fails the run'),
  ignoreWorkerFailures: z.boolean().default(false).describe('past maxActorRestarts, continue without the dead worker while one is left'),
  heartbeatTimeoutS: z.number().positive().default(60).describe('seconds without a heartbeat after which a busy actor is declared stuck and killed'),
  numericChecks: z.enum(['cheap', 'full']).default('cheap').describe("NaN/Inf guards: 'cheap' checks env steps, losses, gradients and weights; 'full' also every minibatch, train batch and policy output"),
  learnDeadlineS: z.number().positive().default(1800).describe('deadline of one learner call (learnOnBatch, computeGradients, applyGradients); other calls: 300 s'),
};

/** Learner methods whose calls get `learnDeadlineS` (generous: SGD over a whole train batch). */
const LEARNING_METHODS = ['learnOnBatch', 'computeGradients', 'applyGradients', 'updateKl'] as const;

/** The runtime's fault options from a config's common keys (docs/faults.md). */
export function faultOptions(config: Partial<Pick<Common, 'maxActorRestarts' | 'ignoreWorkerFailures' | 'heartbeatTimeoutS' | 'learnDeadlineS'>>): FaultOptions {
  const learnMs = (config.learnDeadlineS ?? 1800) * 1000;
  return {
    maxActorRestarts: config.maxActorRestarts ?? 0,
    ignoreWorkerFailures: config.ignoreWorkerFailures ?? false,
    heartbeatTimeoutMs: (config.heartbeatTimeoutS ?? 60) * 1000,
    methodDeadlinesMs: Object.fromEntries(LEARNING_METHODS.map((m) => [m, learnMs])),
  };
}

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
/** The common keys the worker groups are built from (algorithms with their own network keys omit `hidden`, `lr`, …). */
type WorkerKeys = Pick<Common, 'env' | 'envModule' | 'envConfig' | 'numWorkers' | 'numEnvsPerWorker' | 'rolloutFragmentLength' | 'gamma' | 'observationFilter' | 'explore'> &
  Partial<Pick<Common, 'numericChecks'>> & { readonly lambda?: number; readonly useGae?: boolean; readonly useCritic?: boolean };
/** Actor-critic algorithms also give the network keys of their policy. */
type ActorCriticKeys = WorkerKeys & Pick<Common, 'hidden' | 'activation' | 'vfShareLayers' | 'lr' | 'gradClip'>;


/** The rollout workers and the learner (one worker with no envs) of an actor-critic run. */
export function workerGroups(config: ActorCriticKeys, loss: LossConfig): { workers: WorkerGroup; learner: WorkerGroup } {
  return policyWorkerGroups(config, actorCriticPolicy(config, loss));
}

/** The rollout workers and the learner of a run, for any policy kind (actor-critic or Q). */
export function policyWorkerGroups(config: WorkerKeys, policy: AnyPolicyConfig): { workers: WorkerGroup; learner: WorkerGroup } {
  const worker = rolloutWorkerConfig(config, policy);
  return {
    // Policy inference over a worker's env copies can run in fewer, larger forward passes: the batch pass picks the rows per pass.
    workers: actors(RolloutWorker, {
      count: config.numWorkers,
      args: [worker],
      name: 'workers',
      // A recreated worker takes weights, filter and global vars from a live peer, else from the learner.
      resync: { get: 'getState', set: 'setState', from: ['learner'] },
      vectorizable: { what: 'policy inference', items: config.numEnvsPerWorker, cost: 'policyForward' },
    }),
    // The learner's SGD is the one place a GPU pays off (spec §4): the place pass gives it one when usable.
    learner: actors(RolloutWorker, { count: 1, args: [{ ...worker, numEnvs: 0 }], name: 'learner', prefers: 'gpu', resync: LEARNER_RESYNC }),
  };
}

/**
 * How a crashed learner comes back: no other actor holds its optimizer state, so it is restored from
 * the last checkpoint (the trainer records each one); the updates since then are lost. With no
 * checkpoint yet, its crash fails the run (docs/faults.md).
 */
export const LEARNER_RESYNC = { get: 'getState', set: 'setState', snapshot: true } as const;

/** The learner of IMPALA and APPO: a learner with its own loop behind a bounded queue (async-learner.ts). */
export function asyncLearnerGroup(config: ActorCriticKeys, loss: LossConfig, learner: AsyncLearnerConfig): AsyncLearnerGroup {
  return actors(AsyncLearner, { count: 1, args: [{ ...rolloutWorkerConfig(config, actorCriticPolicy(config, loss)), numEnvs: 0 }, learner], name: 'learner', prefers: 'gpu', resync: LEARNER_RESYNC });
}

/** The actor-critic policy of PG, A2C, A3C, PPO, IMPALA and APPO, from the common keys and a loss. */
function actorCriticPolicy(config: ActorCriticKeys, loss: LossConfig): PolicyConfig {
  return { hidden: config.hidden, activation: config.activation, vfShareLayers: config.vfShareLayers, lr: config.lr, gradClip: config.gradClip, loss };
}

/** What every rollout worker (and learner) of a run is built from. */
function rolloutWorkerConfig(config: WorkerKeys, policy: AnyPolicyConfig): RolloutWorkerConfig {
  return {
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
    numericChecks: config.numericChecks,
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
