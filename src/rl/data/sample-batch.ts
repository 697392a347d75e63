/**
 * `SampleBatch`: a columnar batch of experience. It is **plain data** (an object of typed arrays, no
 * class, no methods) because batches cross process boundaries by structured clone, which would drop a
 * prototype; the operations are functions in this module. Each column is a flat typed array of
 * `count × width` values (row-major), `width` given in `widths` (1 when absent).
 */

export type Column = Float32Array | Float64Array | Int32Array | Uint8Array;

/** Standard column names (RLlib's SampleBatch keys, camel-cased). */
export const SB = {
  OBS: 'obs',
  NEXT_OBS: 'newObs',
  ACTIONS: 'actions',
  REWARDS: 'rewards',
  TERMINATEDS: 'terminateds',
  TRUNCATEDS: 'truncateds',
  ACTION_LOGP: 'actionLogp',
  ACTION_DIST_INPUTS: 'actionDistInputs',
  VF_PREDS: 'vfPreds',
  ADVANTAGES: 'advantages',
  VALUE_TARGETS: 'valueTargets',
  EPS_ID: 'epsId',
  ENV_ID: 'envId',
  T: 't',
  /** V(s_{t+1}) on the last row of a segment cut by truncation or by the fragment's end; 0 elsewhere. */
  BOOTSTRAP_VALUE: 'bootstrapValue',
} as const;

/** `SampleBatch`: columns of equal length (typed arrays, one row per env step), plain data that crosses processes as binary. */
export interface SampleBatch {
  /** Number of rows (env steps, or agent steps for one policy's batch). */
  readonly count: number;
  readonly columns: Readonly<Record<string, Column>>;
  /** Values per row for columns wider than 1 (e.g. obs: obsDim). */
  readonly widths: Readonly<Record<string, number>>;
}

/** `MultiAgentBatch`: one SampleBatch per policy id; `count` is env steps (not agent steps). */
export interface MultiAgentBatch {
  readonly kind: 'multi-agent';
  readonly policyBatches: Readonly<Record<string, SampleBatch>>;
  readonly count: number;
}

/** A single-agent or a multi-agent batch. */
export type AnyBatch = SampleBatch | MultiAgentBatch;

/** Whether a batch is a `MultiAgentBatch`. */
export function isMultiAgentBatch(b: AnyBatch): b is MultiAgentBatch {
  return (b as MultiAgentBatch).kind === 'multi-agent';
}
