/**
 * Using a trained policy without the trainer: `loadPolicy(checkpoint)` rebuilds the learner's policy
 * (network, weights) and the observation filter the workers normalized with, in this process, with no
 * actors and no plan run; `evaluate()` plays episodes with it (`rlflow eval`).
 */
import { algorithmByName } from './config.js';
import { compile } from '../dsl/compile.js';
import { PlanError } from '../ir/errors.js';
import { filterFromState, type ObservationFilter } from '../rl/data/filters.js';
import { loadEnv } from '../rl/envs/registry.js';
import type { Action, Env } from '../rl/envs/types.js';
import { createPolicy } from '../rl/policy/create-policy.js';
import type { Policy } from '../rl/policy/types.js';
import type { RolloutWorkerConfig, WorkerState } from '../rl/worker-api.js';
import { createRng, deriveSeed } from '../rng/index.js';
import { readCheckpoint, type Checkpoint } from './checkpoint.js';

/** A trained policy ready to act: the network plus the observation filter it was trained behind. */
export interface LoadedPolicy {
  readonly policy: Policy;
  readonly filter: ObservationFilter;
  /** The rollout workers' config the policy was trained with (env id, envModule, policy config). */
  readonly workerConfig: RolloutWorkerConfig;
  /**
   * The action for one observation (filtered as in training, not updating the filter). `explore`
   * (default false) samples from the action distribution; otherwise the most likely action.
   */
  computeSingleAction(observation: Float32Array, options?: { readonly explore?: boolean }): Action;
  /** Frees the policy's tensors. */
  dispose(): void;
}

/** The rollout workers' config of a checkpoint's run, read from its compiled plan (no actor starts). */
async function workerConfigOf(checkpoint: Checkpoint): Promise<RolloutWorkerConfig> {
  const algorithm = algorithmByName(checkpoint.algorithm);
  const compiled = await compile(algorithm.plan(algorithm.config(checkpoint.config)), { name: `${checkpoint.algorithm}-eval` });
  const group = compiled.graph.getAttribute('actorGroups')['learner'] ?? compiled.graph.getAttribute('actorGroups')['workers'];
  const config = group?.args[0] as RolloutWorkerConfig | undefined;
  if (!config?.policy) throw new PlanError(`the ${checkpoint.algorithm} plan has no rollout-worker group to take the policy config from`);
  return config;
}

/**
 * Loads the policy of a checkpoint (a run directory, a checkpoint file, or a read `Checkpoint`).
 *
 * @example
 *   const agent = await loadPolicy('runs/ppo-CartPole-v1-…');
 *   const action = agent.computeSingleAction(observation);
 */
export async function loadPolicy(source: string | Checkpoint, options: { readonly seed?: number } = {}): Promise<LoadedPolicy> {
  const checkpoint = typeof source === 'string' ? readCheckpoint(source) : source;
  const workerConfig = await workerConfigOf(checkpoint);
  // A user's env registers itself in its module: import it so its spaces are known here too.
  const probe = await loadEnv(workerConfig.envModule !== undefined ? { id: workerConfig.env, module: workerConfig.envModule } : workerConfig.env, workerConfig.envConfig);
  const learner = (checkpoint.actors['learner'] ?? checkpoint.actors['workers'])?.[0] as WorkerState | undefined;
  if (!learner?.policy) throw new PlanError('the checkpoint holds no policy state (no learner or workers group)');
  // The workers' filter normalized what the policy saw; the learner's never saw an observation.
  const filterState = (checkpoint.actors['workers']?.[0] as WorkerState | undefined)?.filter ?? learner.filter;
  const policy = await createPolicy(probe.observationSpace, probe.actionSpace, workerConfig.policy, deriveSeed(checkpoint.seed, 'policy'));
  policy.setState(learner.policy);
  const filter = filterState ? filterFromState(filterState) : filterFromState({ kind: 'NoFilter', dim: probe.observationSpace.shape.reduce((a, b) => a * b, 1) });
  const random = createRng(deriveSeed(options.seed ?? 0, 'eval-actions'));
  const discrete = probe.actionSpace.kind === 'discrete';
  return {
    policy,
    filter,
    workerConfig,
    computeSingleAction(observation, opts = {}) {
      const obs = Float32Array.from(observation);
      filter.apply(obs, 1, false);
      const { actions } = policy.computeActions(obs, 1, { explore: opts.explore ?? false, random });
      return discrete ? actions[0]! : Float32Array.from(actions);
    },
    dispose() {
      policy.dispose();
    },
  };
}

/** Episode returns of an evaluation and their statistics. */
export interface EvaluationResult {
  readonly returns: number[];
  readonly lengths: number[];
  readonly mean: number;
  readonly std: number;
  readonly min: number;
  readonly max: number;
}

/**
 * Plays `episodes` episodes (default 10) of the checkpoint's env with its policy, greedy unless
 * `explore`; env seeds derive from `seed` (default 0), so an evaluation is reproducible.
 */
export async function evaluate(source: string | Checkpoint | LoadedPolicy, options: { readonly episodes?: number; readonly explore?: boolean; readonly seed?: number; readonly maxSteps?: number } = {}): Promise<EvaluationResult> {
  const episodes = options.episodes ?? 10;
  if (!Number.isInteger(episodes) || episodes < 1) throw new PlanError(`evaluate: episodes must be a positive integer, got ${episodes}`);
  const agent = typeof source === 'object' && 'computeSingleAction' in source ? source : await loadPolicy(source, { seed: options.seed ?? 0 });
  const { workerConfig } = agent;
  const env: Env = await loadEnv(workerConfig.envModule !== undefined ? { id: workerConfig.env, module: workerConfig.envModule } : workerConfig.env, workerConfig.envConfig);
  const maxSteps = options.maxSteps ?? 100_000;
  const returns: number[] = [];
  const lengths: number[] = [];
  try {
    for (let e = 0; e < episodes; e++) {
      let { observation } = env.reset({ seed: deriveSeed(options.seed ?? 0, 'eval', e) });
      let total = 0;
      let steps = 0;
      for (; steps < maxSteps; steps++) {
        const r = env.step(agent.computeSingleAction(observation, { explore: options.explore ?? false }));
        total += r.reward;
        observation = r.observation;
        if (r.terminated || r.truncated) {
          steps++;
          break;
        }
      }
      returns.push(total);
      lengths.push(steps);
    }
  } finally {
    if (agent !== source) agent.dispose();
  }
  const mean = returns.reduce((a, b) => a + b, 0) / returns.length;
  const std = Math.sqrt(returns.reduce((a, b) => a + (b - mean) ** 2, 0) / returns.length);
  return { returns, lengths, mean, std, min: Math.min(...returns), max: Math.max(...returns) };
}
