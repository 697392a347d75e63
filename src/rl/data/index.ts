/**
 * The data layer of rlflow's RL code: `SampleBatch`/`MultiAgentBatch` (plain data) and the functions over
 * them, advantage postprocessing (GAE), V-trace targets, and observation filters. See docs/data.md.
 */
export { SB, isMultiAgentBatch } from './sample-batch.js';
export type { AnyBatch, Column, MultiAgentBatch, SampleBatch } from './sample-batch.js';
export { SampleBatchError } from './errors.js';
export { assertFinite, assertFiniteArrays, assertFiniteEnvStep, assertFiniteStats, firstNonFinite, type NumericChecks } from './numeric.js';
export {
  column,
  concatSamples,
  createSampleBatch,
  emptyBatch,
  hasColumn,
  minibatches,
  permutation,
  selectRows,
  shuffle,
  slice,
  standardizeFields,
  widthOf,
  withColumns,
} from './batch.js';
export {
  DEFAULT_POLICY_ID,
  agentSteps,
  asMultiAgent,
  createMultiAgentBatch,
  envSteps,
  mapPolicyBatches,
  selectPolicies,
} from './multi-agent.js';
export { discountCumsum, postprocessAdvantages, segmentEnds } from './gae.js';
export type { AdvantageOptions } from './gae.js';
export { vtrace } from './vtrace.js';
export type { VTraceOptions, VTraceResult } from './vtrace.js';
export {
  MeanStdFilter,
  NoFilter,
  createFilter,
  emptyStat,
  filterFromState,
  mergeFilterDeltas,
  mergeStats,
  statVariance,
} from './filters.js';
export type { FilterKind, FilterState, MeanStdFilterOptions, ObservationFilter, RunningStatState } from './filters.js';
