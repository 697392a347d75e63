/**
 * Minibatch SGD over a batch (RLlib's `do_minibatch_sgd`): `numSgdIter` epochs; each epoch shuffles the
 * batch with the caller's seeded `random` and takes one `learnOnBatch` step per minibatch of
 * `sgdMinibatchSize` rows (the last minibatch of an epoch may be partial, as in RLlib). The stats
 * returned are averaged over **all** minibatch steps of all epochs, as RLlib's LearnerInfoBuilder does
 * (`min_*`/`max_*` stats are reduced with min/max instead).
 */
import { minibatches } from '../data/batch.js';
import type { SampleBatch } from '../data/sample-batch.js';
import type { LearnerStats, Policy } from './types.js';

export interface SgdEpochsOptions {
  readonly numSgdIter: number;
  /** Rows per minibatch; 0 (or at least the batch size) = one step on the whole batch per epoch. */
  readonly sgdMinibatchSize: number;
  /** Seeded uniform [0, 1) stream for the shuffles. */
  readonly random: () => number;
  /** Called with each minibatch step's stats and its index (numeric checks while debugging). */
  readonly onStep?: (stats: LearnerStats, step: number) => void;
}

/** Averages stats over steps (min/max for `min_*`/`max_*` keys). */
export function averageStats(steps: readonly LearnerStats[]): LearnerStats {
  const out: Record<string, number> = {};
  if (steps.length === 0) return out;
  const keys = new Set(steps.flatMap((s) => Object.keys(s)));
  for (const key of keys) {
    const values = steps.map((s) => s[key]).filter((v): v is number => v !== undefined);
    if (key.startsWith('min_')) out[key] = Math.min(...values);
    else if (key.startsWith('max_')) out[key] = Math.max(...values);
    else out[key] = values.reduce((a, b) => a + b, 0) / values.length;
  }
  return out;
}

/**
 * Runs the epochs and returns the averaged learner stats.
 *
 * @example
 *   const stats = sgdEpochs(policy, batch, { numSgdIter: 30, sgdMinibatchSize: 128, random: ctx.random });
 *   policy.updateKl(stats.kl!);
 */
export function sgdEpochs(policy: Policy, batch: SampleBatch, options: SgdEpochsOptions): LearnerStats {
  const { numSgdIter, sgdMinibatchSize, random } = options;
  if (!Number.isInteger(numSgdIter) || numSgdIter < 1) throw new Error(`sgdEpochs: numSgdIter must be a positive integer, got ${numSgdIter}`);
  if (!Number.isInteger(sgdMinibatchSize) || sgdMinibatchSize < 0) {
    throw new Error(`sgdEpochs: sgdMinibatchSize must be a non-negative integer, got ${sgdMinibatchSize}`);
  }
  if (batch.count === 0) throw new Error('sgdEpochs: the batch is empty');
  const size = sgdMinibatchSize === 0 ? batch.count : sgdMinibatchSize;
  const steps: LearnerStats[] = [];
  for (let epoch = 0; epoch < numSgdIter; epoch++) {
    for (const mb of minibatches(batch, size, random)) {
      const stats = policy.learnOnBatch(mb);
      options.onStep?.(stats, steps.length);
      steps.push(stats);
    }
  }
  return averageStats(steps);
}
