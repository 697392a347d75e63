/**
 * Driver-side reporting stages (data-only stage definitions) that `standardMetricsReporting`
 * composes: the two iteration gates, the observation-filter sync and the result dict. What must
 * survive a checkpoint (steps at the last report, iteration and episode counts, the smoothing window,
 * the merged filter) lives in the node's `ctx.state`; only wall-clock marks stay in the stage.
 */
import { actorStageFactory } from '../../../dsl/define.js';
import { FAULT_COUNTERS, type StageContext } from '../../../ir/contract.js';
import { createFilter, mergeFilterDeltas, type FilterState, type RunningStatState } from '../../data/filters.js';
import type { EpisodeMetrics } from '../../worker-api.js';
import { AGENT_STEPS_SAMPLED, LEARNER_INFO, STEPS_SAMPLED, STEPS_TRAINED, markSamplingStart } from '../internal.js';
import { policyRewardStats } from '../policy-metrics.js';

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
  /** Actors recreated after a crash or hang so far (all groups). */
  readonly num_actor_restarts: number;
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

/** Passes an item once at least `timestepsPerIteration` env steps were sampled since the last one passed. */
export const oncePerTimestepsElapsed = actorStageFactory(import.meta.url, function oncePerTimestepsElapsed({ timestepsPerIteration }: { readonly timestepsPerIteration: number }) {
  return (_item: unknown, ctx: StageContext): boolean => {
    if (timestepsPerIteration <= 0) return true;
    const now = ctx.metrics.get(STEPS_SAMPLED);
    if (now - (ctx.state.get<number>('lastSteps') ?? 0) < timestepsPerIteration) return false;
    ctx.state.set('lastSteps', now);
    return true;
  };
});

/** Passes an item once more than `minIterTimeS` seconds passed since the last one passed. */
export const oncePerTimeInterval = actorStageFactory(import.meta.url, function oncePerTimeInterval({ minIterTimeS }: { readonly minIterTimeS: number }) {
  let lastTime: number | undefined;
  return (): boolean => {
    if (minIterTimeS <= 0) return true;
    const now = performance.now();
    if (lastTime !== undefined && now - lastTime <= minIterTimeS * 1000) return false;
    lastTime = now;
    return true;
  };
});

/**
 * Merges the observation statistics the workers gathered since the last sync into a master filter
 * (node state) and sends the merged filter back to every worker of `workers`.
 */
export const synchronizeFilters = actorStageFactory(import.meta.url, function synchronizeFilters({ workers }: { readonly workers: string }) {
  return async (item: unknown, ctx: StageContext): Promise<unknown> => {
    const flushed = (await ctx.callAll(workers, 'flushFilter')) as Array<{ state: FilterState; delta: RunningStatState }>;
    const master = mergeFilterDeltas(
      ctx.state.get<FilterState>('master') ?? createFilter(flushed[0]!.state.kind, flushed[0]!.state.dim).toState(),
      flushed.map((f) => f.delta),
    );
    ctx.state.set('master', master);
    await ctx.callAll(workers, 'syncFilter', master);
    return item;
  };
});

/** Settings of `collectMetrics`. */
export interface CollectMetricsOptions {
  /** The rollout workers' group name. */
  readonly workers: string;
  /** Episodes in the smoothing window. */
  readonly metricsSmoothingEpisodes: number;
  /** Indexes of the workers whose episodes count (default: all; the others' are drained and dropped). */
  readonly selectedWorkers?: readonly number[];
}

function mean(xs: readonly number[]): number {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : Number.NaN;
}

/** Collects the finished episodes from every worker and builds the iteration's result dict. */
export const collectMetrics = actorStageFactory(
  import.meta.url,
  function collectMetrics(options: CollectMetricsOptions) {
    const window = options.metricsSmoothingEpisodes;
    // Wall-clock marks are per process, never checkpointed: the first iteration starts when the run
    // asked for its first output (not when the plan was built, before compiling and starting actors).
    let iterStart: number | undefined;
    return async (_item: unknown, ctx: StageContext): Promise<ResultDict> => {
      const selected = options.selectedWorkers;
      const fresh = ((await ctx.callAll(options.workers, 'getMetrics')) as EpisodeMetrics[][]).filter((_, i) => !selected || selected.includes(i)).flat();
      const history = ctx.state.get<EpisodeMetrics[]>('history') ?? [];
      // RLlib's smoothing: at least `window` episodes, padded with the most recent older ones; when more
      // new episodes than that arrived, all of them count.
      const episodes = fresh.length >= window ? fresh : [...history.slice(-(window - fresh.length)), ...fresh];
      const episodesTotal = (ctx.state.get<number>('episodesTotal') ?? 0) + fresh.length;
      const iteration = (ctx.state.get<number>('iteration') ?? 0) + 1;
      const stepsAtIterStart = ctx.state.get<number>('stepsAtIterStart') ?? 0;
      const now = performance.now();
      const seconds = (now - (iterStart ?? ctx.metrics.startedAt ?? now)) / 1000;
      // time_total_s goes on from the checkpointed total in a resumed run.
      const timeTotalS = (ctx.state.get<number>('timeTotalS') ?? 0) + seconds;
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
        timesteps_this_iter: sampled - stepsAtIterStart,
        agent_timesteps_total: ctx.metrics.get(AGENT_STEPS_SAMPLED),
        num_healthy_workers: ctx.actors(options.workers).length,
        num_actor_restarts: ctx.metrics.get(FAULT_COUNTERS.restarts),
        training_iteration: iteration,
        time_this_iter_s: seconds,
        time_total_s: timeTotalS,
        env_steps_per_s: (sampled - stepsAtIterStart) / Math.max(1e-9, seconds),
        timers,
        info: { ...structuredClone(ctx.metrics.info), [LEARNER_INFO]: structuredClone(ctx.metrics.info[LEARNER_INFO] ?? {}), ...Object.fromEntries(ctx.metrics.counters), [STEPS_TRAINED]: ctx.metrics.get(STEPS_TRAINED) },
        hist_stats: { episode_reward: rewards, episode_lengths: lengths },
        custom_metrics: {},
        ...policyRewardStats(episodes),
      };
      ctx.state.set('history', episodes.slice(-window));
      ctx.state.set('episodesTotal', episodesTotal);
      ctx.state.set('iteration', iteration);
      ctx.state.set('timeTotalS', timeTotalS);
      markSamplingStart(ctx.metrics);
      ctx.state.set('stepsAtIterStart', sampled);
      iterStart = now;
      return result;
    };
  },
  { out: 'ResultDict' },
);
