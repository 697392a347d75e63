/**
 * A training run's configuration, resolved in one place for code and the CLI: the algorithm's
 * defaults ← the tuned example for the algorithm and env (if any) ← a config file's keys ← explicit
 * overrides (flags). Also the stop rules, whose defaults come from the tuned example's target.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { algorithms, tunedExample, type Algorithm, type TunedExample } from '../algorithms/index.js';
import { PlanError } from '../ir/errors.js';
import { didYouMean } from '../ir/did-you-mean.js';

/** When a run stops: the first rule met ends it. */
export interface StopRules {
  /** Stop when the smoothed episode reward mean reaches this. */
  readonly reward?: number;
  /** Stop after this many env steps. */
  readonly timesteps: number;
  /** Stop after this many iterations. */
  readonly iterations?: number;
  /**
   * Multi-agent targets: the reward is reached when each of these policies' own `policy_reward_mean`
   * reaches it (the tuned example's `target.policies`; targetReward in algorithms/tuned.ts).
   */
  readonly policies?: readonly string[];
}

/** What a run is built from (all optional except the algorithm). */
export interface TrainConfigInput {
  /** A built-in algorithm's name (`ppo`, `pg`, …) or an algorithm object. */
  readonly algorithm: string | Algorithm<unknown>;
  /** Environment id (default `CartPole-v1`, or the config's `env`). */
  readonly env?: string;
  /** Config keys from a file (`--config`), over the tuned example. */
  readonly file?: Readonly<Record<string, unknown>>;
  /** Config keys from flags or code, over everything else. */
  readonly overrides?: Readonly<Record<string, unknown>>;
  /** Stop rules; unset ones default to the tuned example's target (else 1,000,000 steps). */
  readonly stop?: Partial<StopRules>;
}

/** The resolved configuration of a run. */
export interface ResolvedTrainConfig {
  readonly algorithm: Algorithm<unknown>;
  readonly env: string;
  /** The algorithm's full config, validated, defaults filled in. */
  readonly config: Readonly<Record<string, unknown>>;
  readonly tuned: TunedExample | undefined;
  readonly stop: StopRules;
}

/** A built-in algorithm by name; an unknown name fails with the list and a "did you mean". */
export function algorithmByName(name: string): Algorithm<unknown> {
  const algorithm = algorithms[name] as Algorithm<unknown> | undefined;
  if (algorithm) return algorithm;
  const names = Object.keys(algorithms);
  const guess = didYouMean(name, names);
  throw new PlanError(`unknown algorithm '${name}'${guess ? ` (did you mean '${guess}'?)` : ''}; available: ${names.join(', ')}`);
}

/**
 * Resolves a run's config: defaults ← tuned example ← file ← overrides, validated by the algorithm's
 * schema (unknown keys fail with a "did you mean").
 *
 * @example
 *   const { config, stop } = resolveTrainConfig({ algorithm: 'ppo', env: 'CartPole-v1', overrides: { numWorkers: 1 } });
 */
export function resolveTrainConfig(input: TrainConfigInput): ResolvedTrainConfig {
  const algorithm = typeof input.algorithm === 'string' ? algorithmByName(input.algorithm) : input.algorithm;
  const env = input.env ?? (input.overrides?.['env'] as string | undefined) ?? (input.file?.['env'] as string | undefined) ?? 'CartPole-v1';
  const tuned = tunedExample(algorithm.name, env);
  const merged: Record<string, unknown> = { ...(tuned?.config ?? {}), ...(input.file ?? {}), ...(input.overrides ?? {}), env };
  // `envModule` may be a file path (as in a config file): workers import by URL, so make it one.
  const envModule = merged['envModule'];
  if (typeof envModule === 'string' && !/^[a-z][a-z0-9+.-]*:/i.test(envModule)) merged['envModule'] = pathToFileURL(path.resolve(envModule)).href;
  const known = Object.keys((algorithm.schema as unknown as { shape?: Record<string, unknown> }).shape ?? {});
  for (const key of Object.keys(merged)) {
    if (known.length && !known.includes(key)) {
      const guess = didYouMean(key, known);
      throw new PlanError(`invalid ${algorithm.name} config: unknown key '${key}'${guess ? ` (did you mean '${guess}'?)` : ''}`, {
        hint: `see docs/algorithms/${algorithm.name}.md for every key and its default`,
      });
    }
  }
  const config = algorithm.config(merged) as Readonly<Record<string, unknown>>;
  const reward = input.stop?.reward ?? tuned?.target.reward;
  const stop: StopRules = {
    ...(reward !== undefined ? { reward } : {}),
    timesteps: input.stop?.timesteps ?? tuned?.target.timesteps ?? 1_000_000,
    ...(input.stop?.iterations !== undefined ? { iterations: input.stop.iterations } : {}),
    ...(input.stop?.policies !== undefined ? { policies: input.stop.policies } : input.stop?.reward === undefined && tuned?.target.policies ? { policies: tuned.target.policies } : {}),
  };
  return { algorithm, env, config, tuned, stop };
}
