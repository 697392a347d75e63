/**
 * `npm run bench -- learn [--algo a,b] [--env id] [--seeds 0,1,2] [--backend farm|local] [--quiet]`
 *
 * The learning benchmarks of issue 3 (RLlib's tuned-example thresholds, spec §4.3, on CartPole-v1 and
 * Pendulum-v1): every tuned example of src/algorithms/tuned.ts is trained, once per seed, through its
 * algorithm's plan with the tuned config, until all its targets are reached or the largest budget is
 * spent. A target is "reward R within T env steps": the smoothed `episode_reward_mean` (the mean over
 * the last 100 episodes: `metricsSmoothingEpisodes` is set to 100, unless the tuned example sets its own
 * window because RLlib's target is defined with it, as SAC's Pendulum target is over 5 episodes) of an iteration reaches R with
 * `timesteps_total` ≤ T. One table row per target and seed: steps and wall time (from the start of the
 * run: actor start, TF.js load and all) to the threshold, or 'not reached' with the best reward seen.
 * An example's `reports` (thresholds reported, not required, e.g. SAC's steps to −200 on Pendulum-v1)
 * get rows too, marked 'report'; the run goes on until they are reached or their budget is spent.
 * The process fails (non-zero exit) if any required row fails. Not in CI: a full run takes many minutes.
 */
import { algorithms, buildAlgorithmPlan, targetReward, tunedExamples, type LearningTarget, type TunedExample } from '../src/algorithms/index.js';
import type { ResultDict } from '../src/rl/ops/metrics.js';
import { run } from '../src/runtime/runtime.js';
import { fmt, machineInfo, markdownTable, parseOptions } from './lib.js';

export const description = 'learning benchmarks: each tuned example reaches its reward target within its step budget (3 seeds)';

export interface TargetOutcome {
  readonly algorithm: string;
  readonly env: string;
  readonly target: LearningTarget;
  readonly seed: number;
  /** Env steps sampled when the target was first met (undefined: not reached within the budget). */
  readonly steps: number | undefined;
  /** Wall seconds from the start of the run to that iteration. */
  readonly seconds: number | undefined;
  /** Best smoothed reward seen within the target's budget. */
  readonly best: number;
  readonly pass: boolean;
  /** False for a reported-only threshold (the example's `reports`): it never fails the benchmark. */
  readonly required: boolean;
}

export interface LearnBenchResult {
  readonly outcomes: readonly TargetOutcome[];
  readonly table: string;
  readonly pass: boolean;
}

function targetsOf(example: TunedExample): readonly LearningTarget[] {
  return example.targets ?? [example.target];
}

/** The required targets, then the reported-only thresholds. */
function thresholdsOf(example: TunedExample): Array<{ target: LearningTarget; required: boolean }> {
  return [...targetsOf(example).map((target) => ({ target, required: true })), ...(example.reports ?? []).map((target) => ({ target, required: false }))];
}

function parseSeeds(text: string): number[] {
  const seeds = text.split(',').map((s) => Number(s.trim()));
  if (seeds.length === 0 || seeds.some((s) => !Number.isInteger(s) || s < 0)) throw new Error(`--seeds must be a comma-separated list of non-negative integers, got '${text}'`);
  return seeds;
}

/** Trains one tuned example with one seed until every target is met or the largest budget is spent. */
export async function trainToTargets(
  algorithm: string,
  env: string,
  example: TunedExample,
  seed: number,
  backend: 'local' | 'farm',
  progress: (result: ResultDict) => void = () => undefined,
): Promise<TargetOutcome[]> {
  // A variant's label is 'algo (variant)'.
  const algo = algorithms[algorithm.split(' ')[0]!];
  if (!algo) throw new Error(`no algorithm '${algorithm}'`);
  const thresholds = thresholdsOf(example);
  const targets = thresholds.map((t) => t.target);
  const budget = Math.max(...targets.map((t) => t.timesteps));
  // The targets are means over the last 100 episodes (RLlib's default smoothing window), unless the
  // example's target is RLlib's over another window (sac/pendulum-sac.yaml: 5 episodes within 10k steps).
  const config = algo.config({ ...example.config, env, metricsSmoothingEpisodes: example.config.metricsSmoothingEpisodes ?? 100 });
  const { graph: plan } = await buildAlgorithmPlan(algo, config, { name: `learn-${algorithm}-${env}` });
  const started = performance.now();
  const rt = await run<ResultDict>(plan, { backend, seed });
  const reached: Array<{ steps: number; seconds: number } | undefined> = targets.map(() => undefined);
  const best = targets.map(() => Number.NEGATIVE_INFINITY);
  try {
    for (;;) {
      const r = await rt.next();
      if (r.done) break;
      const result = r.value;
      progress(result);
      const seconds = (performance.now() - started) / 1000;
      targets.forEach((t, i) => {
        if (result.timesteps_total > t.timesteps || reached[i]) return;
        const reward = targetReward(result, t);
        if (Number.isFinite(reward)) best[i] = Math.max(best[i]!, reward);
        if (reward >= t.reward) reached[i] = { steps: result.timesteps_total, seconds };
      });
      if (reached.every((x) => x !== undefined) || result.timesteps_total >= budget) break;
    }
  } finally {
    await rt.close();
  }
  return targets.map((target, i) => ({
    algorithm,
    env,
    target,
    seed,
    steps: reached[i]?.steps,
    seconds: reached[i]?.seconds,
    best: best[i]!,
    pass: reached[i] !== undefined,
    required: thresholds[i]!.required,
  }));
}

const steps = (n: number): string => (n >= 1000 ? `${Math.round(n / 1000)}k` : String(n));

export function outcomeTable(outcomes: readonly TargetOutcome[]): string {
  return markdownTable(
    ['algo', 'env', 'target', 'seed', 'steps to threshold', 'wall time to threshold', 'result'],
    outcomes.map((o) => [
      o.algorithm,
      o.env,
      `${o.target.policies ? `each of ${o.target.policies.join(', ')} ` : ''}${o.target.reward} within ${steps(o.target.timesteps)}`,
      String(o.seed),
      o.steps !== undefined ? Math.round(o.steps).toLocaleString('en-US') : `not reached (best ${fmt(o.best)})`,
      o.seconds !== undefined ? `${fmt(o.seconds)} s` : '—',
      !o.required ? 'report' : o.pass ? 'pass' : 'FAIL',
    ]),
  );
}

export async function main(args: readonly string[], out: (line: string) => void = console.log): Promise<LearnBenchResult> {
  const { flags, values } = parseOptions(args, { flags: ['quiet'], values: ['algo', 'env', 'seeds', 'backend'] });
  const seeds = parseSeeds(values.get('seeds') ?? '0,1,2');
  const backend = values.get('backend') ?? 'farm';
  if (backend !== 'farm' && backend !== 'local') throw new Error(`--backend must be farm or local, got '${backend}'`);
  const algos = values.get('algo')?.split(',');
  const env = values.get('env');
  for (const a of algos ?? []) if (!algorithms[a]) throw new Error(`unknown algorithm '${a}' (known: ${Object.keys(algorithms).join(', ')})`);
  const examples = tunedExamples().filter((e) => (algos === undefined || algos.includes(e.algorithm)) && (env === undefined || e.env === env));
  if (examples.length === 0) throw new Error(`no tuned example matches${algos ? ` --algo ${algos.join(',')}` : ''}${env ? ` --env ${env}` : ''}`);

  out(`machine: ${machineInfo()}`);
  out(`backend: ${backend}, seeds: ${seeds.join(', ')}; reward = mean return of the last 100 episodes`);
  const outcomes: TargetOutcome[] = [];
  const runs = examples.flatMap(({ algorithm, env: envId, example }) => [
    { algorithm, env: envId, example },
    ...Object.entries(example.variants ?? {}).map(([variant, overrides]) => ({ algorithm: `${algorithm} (${variant})`, env: envId, example: { ...example, config: { ...example.config, ...overrides } } })),
  ]);
  for (const { algorithm, env: envId, example } of runs) {
    for (const seed of seeds) {
      const label = `${algorithm} ${envId} seed ${seed}`;
      let lastLine = 0;
      const progress = (r: ResultDict): void => {
        if (flags.has('quiet') || performance.now() - lastLine < 5000) return;
        lastLine = performance.now();
        out(`  ${label}: ${Math.round(r.timesteps_total).toLocaleString('en-US')} steps, reward ${fmt(r.episode_reward_mean)}, ${fmt(r.time_total_s)} s`);
      };
      const got = await trainToTargets(algorithm, envId, example, seed, backend, progress);
      for (const o of got) {
        out(`${label}: ${o.required ? 'target' : 'reported threshold'} ${o.target.reward} within ${steps(o.target.timesteps)}: ${o.pass ? `reached at ${Math.round(o.steps!).toLocaleString('en-US')} steps, ${fmt(o.seconds!)} s` : `not reached (best ${fmt(o.best)})`}`);
      }
      outcomes.push(...got);
    }
  }
  const table = outcomeTable(outcomes);
  const required = outcomes.filter((o) => o.required);
  const pass = required.every((o) => o.pass);
  out('');
  out(table);
  out('');
  out(pass ? `all ${required.length} targets reached` : `${required.filter((o) => !o.pass).length} of ${required.length} targets NOT reached`);
  if (!pass) process.exitCode = 1;
  return { outcomes, table, pass };
}
