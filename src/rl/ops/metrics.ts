/**
 * `standardMetricsReporting`: turns a stream of training steps into one result dict per iteration
 * (RLlib's StandardMetricsReporting). An iteration ends at the first training step after at least
 * `timestepsPerIteration` env steps were sampled (since the last report) and `minIterTimeS` seconds
 * passed; then the finished episodes are collected from every worker, smoothed over the last
 * `metricsSmoothingEpisodes`, and reported with the counters, timers and learner info (spec §5).
 */
import type { Stream } from '../../dsl/stream.js';
import type { StageContext } from '../../ir/contract.js';
import { createFilter, mergeFilterDeltas, type FilterState, type RunningStatState } from '../data/filters.js';
import type { MultiAgentWorkerGroup } from '../multi-agent-api.js';
import type { EpisodeMetrics, WorkerGroup } from '../worker-api.js';
import { policyRewardStats } from './policy-metrics.js';
import { LEARNER_INFO, STEPS_SAMPLED, STEPS_TRAINED, STEPS_TRAINED_THIS_ITER, AGENT_STEPS_SAMPLED } from './internal.js';

/** The result dict of one training iteration (RLlib 1.8 key names). */
export interface ResultDict {
  readonly episode_reward_mean: number;
  readonly episode_reward_min: number;
  readonly episode_reward_max: number;
  readonly episode_len_mean: number;
  readonly episodes_this_iter: number;
  readonly episodes_total: number;
  readonly timesteps_total: number;
  readonly timesteps_this_iter: number;
  readonly agent_timesteps_total: number;
  readonly num_healthy_workers: number;
  readonly training_iteration: number;
  readonly time_this_iter_s: number;
  readonly time_total_s: number;
  /** Env steps sampled per second over this iteration. */
  readonly env_steps_per_s: number;
  readonly timers: Readonly<Record<string, number>>;
  readonly info: Readonly<Record<string, unknown>>;
  readonly hist_stats: { readonly episode_reward: readonly number[]; readonly episode_lengths: readonly number[] };
  readonly custom_metrics: Readonly<Record<string, number>>;
  /** Multi-agent runs: per policy id, the mean/min/max return of the agents it controlled (smoothed window). */
  readonly policy_reward_mean?: Readonly<Record<string, number>>;
  readonly policy_reward_min?: Readonly<Record<string, number>>;
  readonly policy_reward_max?: Readonly<Record<string, number>>;
}

export interface ReportingOptions {
  /** Minimum env steps sampled per iteration (RLlib's timesteps_per_iteration; 0 = no minimum). */
  readonly timestepsPerIteration?: number;
  /** Minimum seconds per iteration (RLlib's min_iter_time_s; 0 = no minimum). */
  readonly minIterTimeS?: number;
  /** Episodes in the smoothing window of the episode statistics (default 100). */
  readonly metricsSmoothingEpisodes?: number;
  /**
   * With `MeanStdFilter`, once per iteration the workers' new observation statistics are merged on
   * the driver and the merged filter is sent back to every worker (RLlib's FilterManager.synchronize).
   */
  readonly observationFilter?: 'NoFilter' | 'MeanStdFilter';
  /**
   * Indexes of the workers whose episodes are reported (default: all). Ape-X reports its least
   * exploring workers only (RLlib's selected_workers); the others' episodes are drained and dropped.
   */
  readonly selectedWorkers?: readonly number[];
}

/**
 * Merges the observation statistics the workers gathered since the last sync into a master filter
 * kept on the driver, and sends the merged filter back to every worker.
 */
export function synchronizeFilters<T>(stream: Stream<T>, workers: WorkerGroup | MultiAgentWorkerGroup): Stream<T> {
  let master: FilterState | undefined;
  return stream.forEach(async function synchronizeFilters(item: T, ctx: StageContext): Promise<T> {
    const flushed = (await ctx.callAll(workers.name, 'flushFilter')) as Array<{ state: FilterState; delta: RunningStatState }>;
    master ??= createFilter(flushed[0]!.state.kind, flushed[0]!.state.dim).toState();
    master = mergeFilterDeltas(master, flushed.map((f) => f.delta));
    await ctx.callAll(workers.name, 'syncFilter', master);
    return item;
  });
}

function mean(xs: readonly number[]): number {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : Number.NaN;
}

export function standardMetricsReporting<T>(trainOp: Stream<T>, workers: WorkerGroup | MultiAgentWorkerGroup, options: ReportingOptions = {}): Stream<ResultDict> {
  const minSteps = options.timestepsPerIteration ?? 0;
  const minSeconds = options.minIterTimeS ?? 0;
  const window = options.metricsSmoothingEpisodes ?? 100;
  let lastSteps = 0;
  let lastTime: number | undefined;
  let history: EpisodeMetrics[] = [];
  let iteration = 0;
  let episodesTotal = 0;
  const started = performance.now();
  let iterStart = started;
  let stepsAtIterStart = 0;

  const iterations = trainOp
    .filter(function oncePerTimestepsElapsed(_item: T, ctx) {
      if (minSteps <= 0) return true;
      const now = ctx.metrics.get(STEPS_SAMPLED);
      if (now - lastSteps < minSteps) return false;
      lastSteps = now;
      return true;
    })
    .filter(function oncePerTimeInterval() {
      if (minSeconds <= 0) return true;
      const now = performance.now();
      if (lastTime !== undefined && now - lastTime <= minSeconds * 1000) return false;
      lastTime = now;
      return true;
    });
  return (options.observationFilter === 'MeanStdFilter' ? synchronizeFilters(iterations, workers) : iterations).forEach(
      async function collectMetrics(_item: T, ctx: StageContext): Promise<ResultDict> {
        const selected = options.selectedWorkers;
        const fresh = ((await ctx.callAll(workers.name, 'getMetrics')) as EpisodeMetrics[][]).filter((_, i) => !selected || selected.includes(i)).flat();
        // RLlib's smoothing: at least `window` episodes, padded with the most recent older ones; when more
        // new episodes than that arrived, all of them count.
        const episodes = fresh.length >= window ? fresh : [...history.slice(-(window - fresh.length)), ...fresh];
        history = episodes.slice(-window);
        episodesTotal += fresh.length;
        iteration++;
        const now = performance.now();
        const sampled = ctx.metrics.get(STEPS_SAMPLED);
        const timers: Record<string, number> = {};
        for (const [name, timer] of ctx.metrics.timers) {
          timers[`${name}_time_ms`] = timer.meanMs;
          if (timer.meanThroughput !== undefined) timers[`${name}_throughput`] = timer.meanThroughput;
        }
        const rewards = episodes.map((e) => e.reward);
        const lengths = episodes.map((e) => e.length);
        const result: ResultDict = {
          episode_reward_mean: mean(rewards),
          episode_reward_min: rewards.length ? Math.min(...rewards) : Number.NaN,
          episode_reward_max: rewards.length ? Math.max(...rewards) : Number.NaN,
          episode_len_mean: mean(lengths),
          episodes_this_iter: fresh.length,
          episodes_total: episodesTotal,
          timesteps_total: sampled,
          timesteps_this_iter: ctx.metrics.get(STEPS_TRAINED_THIS_ITER),
          agent_timesteps_total: ctx.metrics.get(AGENT_STEPS_SAMPLED),
          num_healthy_workers: workers.count,
          training_iteration: iteration,
          time_this_iter_s: (now - iterStart) / 1000,
          time_total_s: (now - started) / 1000,
          env_steps_per_s: (sampled - stepsAtIterStart) / Math.max(1e-9, (now - iterStart) / 1000),
          timers,
          info: { ...structuredClone(ctx.metrics.info), [LEARNER_INFO]: structuredClone(ctx.metrics.info[LEARNER_INFO] ?? {}), ...Object.fromEntries(ctx.metrics.counters), [STEPS_TRAINED]: ctx.metrics.get(STEPS_TRAINED) },
          hist_stats: { episode_reward: rewards, episode_lengths: lengths },
          custom_metrics: {},
          ...policyRewardStats(episodes),
        };
        iterStart = now;
        stepsAtIterStart = sampled;
        return result;
      },
      { out: 'ResultDict' },
    );
}
