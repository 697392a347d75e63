/**
 * `standardMetricsReporting`: turns a stream of training steps into one result dict per iteration
 * (RLlib's StandardMetricsReporting). An iteration ends at the first training step after at least
 * `timestepsPerIteration` env steps were sampled (since the last report) and `minIterTimeS` seconds
 * passed; then the finished episodes are collected from every worker, smoothed over the last
 * `metricsSmoothingEpisodes`, and reported with the counters, timers and learner info (spec §5).
 */
import type { Stream } from '../../dsl/stream.js';
import type { MultiAgentWorkerGroup } from '../multi-agent-api.js';
import type { WorkerGroup } from '../worker-api.js';
import { collectMetrics, oncePerTimeInterval, oncePerTimestepsElapsed, synchronizeFilters, type ResultDict } from './stages/metrics.js';

export type { ResultDict } from './stages/metrics.js';

/**
 * Options of `standardMetricsReporting`: iteration minimums (steps, seconds), episode smoothing and
 * observation-filter synchronization.
 */
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
 * One result dict per iteration: the `timestepsPerIteration` and `minIterTimeS` gates, the observation
 * filter sync (with `MeanStdFilter`), then the episode statistics, counters and timers.
 */
export function standardMetricsReporting<T>(trainOp: Stream<T>, workers: WorkerGroup | MultiAgentWorkerGroup, options: ReportingOptions = {}): Stream<ResultDict> {
  return trainOp.apply('standardMetricsReporting', (s) => {
    const iterations = s
      .filter(oncePerTimestepsElapsed.with({ timestepsPerIteration: options.timestepsPerIteration ?? 0 }))
      .filter(oncePerTimeInterval.with({ minIterTimeS: options.minIterTimeS ?? 0 }));
    const synced = options.observationFilter === 'MeanStdFilter' ? iterations.forEach(synchronizeFilters.with({ workers: workers.name })) : iterations;
    return synced.forEach(collectMetrics.with({ workers: workers.name, metricsSmoothingEpisodes: options.metricsSmoothingEpisodes ?? 100, ...(options.selectedWorkers ? { selectedWorkers: [...options.selectedWorkers] } : {}) }));
  });
}
