/**
 * Shared plumbing of the RL operators: they are library code built on the DSL, so the nodes they
 * create must point at the user's plan line (the algorithm file), not at these modules.
 */
import { registerInternalDir } from '../../dsl/source-location.js';
import type { MetricsView } from '../../ir/contract.js';

registerInternalDir(new URL('..', import.meta.url).href);

/** Counter and timer names (RLlib's execution/common.py). */
export const STEPS_SAMPLED = 'num_steps_sampled';
export const AGENT_STEPS_SAMPLED = 'num_agent_steps_sampled';
/** Counter of env steps trained on. */
export const STEPS_TRAINED = 'num_steps_trained';
export const STEPS_TRAINED_THIS_ITER = 'num_steps_trained_this_iter';
export const AGENT_STEPS_TRAINED = 'num_agent_steps_trained';
/** Timer of sampling one train batch (sample_time_ms, sample_throughput). */
export const SAMPLE_TIMER = 'sample';
/** Timer of the learner's SGD round trip (learn_time_ms, learn_throughput). */
export const LEARN_TIMER = 'learn';
export const UPDATE_TIMER = 'update';
export const GRAD_WAIT_TIMER = 'grad_wait';
export const APPLY_GRADS_TIMER = 'apply_grad';
export const COMPUTE_GRADS_TIMER = 'compute_grads';
/** Key of the learner info in `metrics.info`. */
export const LEARNER_INFO = 'learner';
export const DEFAULT_POLICY = 'default_policy';

/**
 * When the current sampling phase began, per run: set when a train step or an iteration report ends
 * (what follows is sampling), read by `concatBatches` so that `sample_time_ms` and
 * `sample_throughput` time sampling only, not the learning and reporting in between. A WeakMap, not
 * `metrics.state`: a timestamp means nothing in a resumed run, so it is never checkpointed.
 */
const samplingSince = new WeakMap<MetricsView, number>();

/** Marks the start of a sampling phase (the end of a train step or report). */
export function markSamplingStart(metrics: MetricsView, now = performance.now()): void {
  samplingSince.set(metrics, now);
}

/** When the current sampling phase began, if a train step or report has marked it. */
export function samplingStart(metrics: MetricsView): number | undefined {
  return samplingSince.get(metrics);
}
