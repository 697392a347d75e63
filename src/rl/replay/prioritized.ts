/**
 * One policy's replay buffer: a columnar ring (ring-buffer.ts) plus, when prioritized, sum and min
 * segment trees over the priorities (RLlib's PrioritizedReplayBuffer, Schaul et al. 2016):
 * - a new row gets priority `maxPriority^α` (or `w^α` when the caller gives an initial priority `w`);
 * - `sample(n, β)` draws rows with probability `P(i) = p_i^α / Σ_k p_k^α` and adds two columns,
 *   `weights` = the importance weights `(N·P(i))^−β / max_j (N·P(j))^−β` (so the largest possible
 *   weight is 1) and `batchIndexes` = the rows' slots, for `updatePriorities`;
 * - `updatePriorities(slots, p)` sets `p^α` and tracks the maximum priority.
 * Without prioritization `sample` draws uniformly, and the two columns are 1 and the slots.
 *
 * NOTE: the uniform `weights` column is one shared all-ones array per batch size (no allocation and
 * fill per sample; bench/replay.ts, add-sample): consumers read it and must never write into it.
 */
import { SampleBatchError } from '../data/errors.js';
import type { SampleBatch } from '../data/sample-batch.js';
import { ColumnarRingBuffer, type RingBufferState } from './ring-buffer.js';
import { MinSegmentTree, SumSegmentTree } from './segment-tree.js';

/** Column with the importance weights of a replayed batch. */
export const WEIGHTS = 'weights';
/** Column with the buffer slots of a replayed batch's rows (for priority updates). */
export const BATCH_INDEXES = 'batchIndexes';

/** Options of `ReplayBuffer`: its capacity in rows and, for prioritized replay, the priority exponent α. */
export interface ReplayBufferOptions {
  /** Rows kept (older rows are overwritten). */
  readonly capacity: number;
  /** Prioritized replay with this α (0 = uniform priorities); absent = uniform sampling, no trees. */
  readonly alpha?: number;
}

/** A `ReplayBuffer`'s state as plain data: the ring's state, the maximum priority and (with contents) the priorities. */
export interface PrioritizedState {
  readonly ring: RingBufferState;
  readonly maxPriority: number;
  /** Leaf values p^α of the sum tree, first `size` slots (with contents only). */
  readonly priorities?: Float64Array;
}

/**
 * One policy's replay buffer: a columnar ring of rows, sampled uniformly or, with `alpha`, by priority
 * (with importance weights and slots added as the `weights` and `batchIndexes` columns).
 */
export class ReplayBuffer {
  readonly ring: ColumnarRingBuffer;
  readonly alpha: number | undefined;
  private readonly sum: SumSegmentTree | undefined;
  private readonly min: MinSegmentTree | undefined;
  private maxPriority = 1;
  /** The uniform buffer's all-ones `weights` column, per batch size (read-only by contract). */
  private ones: Float32Array | undefined;

  constructor(options: ReplayBufferOptions) {
    this.ring = new ColumnarRingBuffer(options.capacity);
    if (options.alpha !== undefined) {
      if (!(options.alpha >= 0)) throw new RangeError(`prioritized replay alpha must be >= 0, got ${options.alpha}`);
      this.alpha = options.alpha;
      this.sum = new SumSegmentTree(options.capacity);
      this.min = new MinSegmentTree(options.capacity);
    }
  }

  get size(): number {
    return this.ring.size;
  }

  get prioritized(): boolean {
    return this.sum !== undefined;
  }

  /**
   * Stores the batch's rows. `priorities` (one per row, e.g. worker-side TD errors) sets their initial
   * priorities; otherwise they get the maximum priority seen so far.
   */
  add(batch: SampleBatch, priorities?: ArrayLike<number>): void {
    if (priorities && priorities.length !== batch.count) throw new SampleBatchError(`replay buffer: ${priorities.length} priorities for ${batch.count} rows`);
    const first = this.ring.add(batch);
    const sum = this.sum;
    if (!sum) return;
    const cap = this.ring.capacity;
    const n = Math.min(batch.count, cap);
    const skip = batch.count - n;
    const alpha = this.alpha!;
    const fresh = this.maxPriority ** alpha;
    for (let k = 0; k < n; k++) {
      const p = priorities ? Math.abs(priorities[skip + k]!) ** alpha : fresh;
      const slot = (first + k) % cap;
      sum.set(slot, p);
      this.min!.set(slot, p);
    }
    if (priorities) for (let k = skip; k < batch.count; k++) this.maxPriority = Math.max(this.maxPriority, Math.abs(priorities[k]!));
  }

  /** Draws `n` rows (with replacement): proportional to priority, or uniformly; `random` is uniform [0, 1). */
  sample(n: number, beta: number, random: () => number): SampleBatch {
    const size = this.ring.size;
    if (size === 0) throw new Error('replay buffer: cannot sample from an empty buffer');
    const idx = new Int32Array(n);
    const sum = this.sum;
    if (!sum) {
      for (let k = 0; k < n; k++) idx[k] = Math.floor(random() * size);
      let ones = this.ones;
      if (ones?.length !== n) this.ones = ones = new Float32Array(n).fill(1);
      return this.ring.gather(idx, { [WEIGHTS]: ones, [BATCH_INDEXES]: idx });
    }
    const weights = new Float32Array(n);
    const total = sum.total();
    // max weight = (N·p_min)^−β, from the min tree; each weight is divided by it.
    const pMin = this.min!.total() / total;
    const maxWeight = (pMin * size) ** -beta;
    for (let k = 0; k < n; k++) {
      let i = sum.findPrefixSumIndex(random() * total);
      if (i >= size) i = size - 1; // float rounding at the very end of the range
      idx[k] = i;
      weights[k] = ((sum.get(i) / total) * size) ** -beta / maxWeight;
    }
    return this.ring.gather(idx, { [WEIGHTS]: weights, [BATCH_INDEXES]: idx });
  }

  /** New priorities (e.g. |TD error| + ε) for the rows at `slots`; each must be > 0. */
  updatePriorities(slots: ArrayLike<number>, priorities: ArrayLike<number>): void {
    const sum = this.sum;
    if (!sum) return;
    if (slots.length !== priorities.length) throw new SampleBatchError(`replay buffer: ${slots.length} slots but ${priorities.length} priorities`);
    const alpha = this.alpha!;
    const size = this.ring.size;
    for (let k = 0; k < slots.length; k++) {
      const slot = slots[k]!;
      const p = priorities[k]!;
      if (!(p > 0) || !Number.isFinite(p)) throw new SampleBatchError(`replay buffer: priority ${p} for slot ${slot} must be a finite number > 0`);
      if (!(slot >= 0 && slot < size)) throw new SampleBatchError(`replay buffer: slot ${slot} is not stored (size ${size})`);
      const pa = p ** alpha;
      sum.set(slot, pa);
      this.min!.set(slot, pa);
      if (p > this.maxPriority) this.maxPriority = p;
    }
  }

  /** The sampling probability of each stored slot (tests, diagnostics). */
  probabilities(): Float64Array {
    const size = this.ring.size;
    if (!this.sum) return new Float64Array(size).fill(1 / size);
    const total = this.sum.total();
    return this.sum.leaves().slice(0, size).map((p) => p / total);
  }

  /** The buffer's state; the stored rows and priorities only with `contents: true`. */
  getState(options: { readonly contents?: boolean } = {}): PrioritizedState {
    const ring = this.ring.getState(options);
    return { ring, maxPriority: this.maxPriority, ...(options.contents && this.sum ? { priorities: this.sum.leaves().slice(0, this.ring.size) } : {}) };
  }

  /** Restores a state from `getState` (slots without a saved priority get `maxPriority^α`). */
  setState(state: PrioritizedState): void {
    this.ring.setState(state.ring);
    this.maxPriority = state.maxPriority;
    if (!this.sum) return;
    const size = this.ring.size;
    for (let i = 0; i < this.sum.capacity; i++) {
      const p = i < size ? (state.priorities?.[i] ?? this.maxPriority ** this.alpha!) : 0;
      this.sum.set(i, p);
      this.min!.set(i, i < size ? p : Number.POSITIVE_INFINITY);
    }
  }
}
