/**
 * Observation filters (RLlib's `MeanStdFilter` and `NoFilter`). A rollout worker runs every observation
 * through its filter before inference: `MeanStdFilter` keeps a running mean and std per observation
 * dimension (Welford's algorithm, Float64) and maps `x ↦ clip((x − mean) / (std + 1e-8), ±clip)`.
 *
 * Filters are synced like weights, through plain data (`RunningStatState`, `FilterState`), in three steps
 * (RLlib's `FilterManager.synchronize`):
 *   1. each worker sends the statistics it gathered since the last sync, `flushDelta()` (its *buffer*,
 *      which it then clears);
 *   2. the master filter (the learner's) merges every delta, `applyDelta(d)`, so it has seen all data;
 *   3. the master's `toState()` is broadcast; each worker's `sync(state)` replaces its statistics with the
 *      master's and clears its buffer.
 * The filter objects live inside one actor; only their plain-data states cross processes.
 */
import { SampleBatchError } from './errors.js';

/** Running statistics of `dim`-vectors: count, mean and sum of squared deviations (Welford's M2). */
export interface RunningStatState {
  readonly n: number;
  readonly mean: Float64Array;
  readonly m2: Float64Array;
}

export interface MeanStdFilterOptions {
  /** Subtract the mean (default true). */
  readonly demean?: boolean;
  /** Divide by the std (default true). */
  readonly destd?: boolean;
  /** Clip the result to ±clip (default 10, RLlib's); 0 or null: no clipping. */
  readonly clip?: number | null;
}

/** An observation filter as plain data (broadcast to workers, saved in checkpoints). */
export type FilterState =
  | { readonly kind: 'NoFilter'; readonly dim: number }
  | {
      readonly kind: 'MeanStdFilter';
      readonly dim: number;
      readonly demean: boolean;
      readonly destd: boolean;
      readonly clip: number | null;
      /** Everything this filter has seen (after syncs: everything every worker has seen). */
      readonly rs: RunningStatState;
      /** What this filter has seen since its buffer was last cleared: the delta to send at sync. */
      readonly buffer: RunningStatState;
    };

/** The observation filters: none, or running mean/std normalization. */
export type FilterKind = FilterState['kind'];

/** An observation filter held by a rollout worker (or the learner, as the master copy). */
export interface ObservationFilter {
  readonly kind: FilterKind;
  /** Values per observation; 0 until known (set by the first `apply`, `applyDelta`, `sync` or `restore`). */
  readonly dim: number;
  /**
   * Filters `n` observations (`obs` is [n × dim], row-major) **in place** and returns `obs`. With `update`
   * (default true) the rows are first added to the statistics and the buffer, then all rows are
   * normalized with the updated statistics (as RLlib does for a vectorized call). A filter made without
   * a dimension takes `obs.length / n` as its dimension on the first call.
   */
  apply(obs: Float32Array, n: number, update?: boolean): Float32Array;
  /** A copy of the statistics gathered since the buffer was last cleared. */
  delta(): RunningStatState;
  /** Forgets the statistics gathered since the last clear (the running totals stay). */
  clearBuffer(): void;
  /** `delta()` then `clearBuffer()` (RLlib's `get_filters(flush_after=True)`). */
  flushDelta(): RunningStatState;
  /** Merges another filter's delta into this filter's statistics (the master's side of a sync). */
  applyDelta(delta: RunningStatState): void;
  /** Replaces this filter's statistics and settings with `state`'s and clears the buffer (a worker's side). */
  sync(state: FilterState): void;
  /** Replaces everything, the buffer included, with `state` (restoring a checkpoint). */
  restore(state: FilterState): void;
  /** A plain-data copy of the whole filter, for broadcast and checkpoints. */
  toState(): FilterState;
}

/** Empty running statistics of `dim`-vectors. */
export function emptyStat(dim: number): RunningStatState {
  return { n: 0, mean: new Float64Array(dim), m2: new Float64Array(dim) };
}

function copyStat(s: RunningStatState): RunningStatState {
  return { n: s.n, mean: Float64Array.from(s.mean), m2: Float64Array.from(s.m2) };
}

/**
 * Merges two running statistics (Chan et al.'s parallel update, RLlib's `RunningStat.update`): the
 * result describes the union of the data the two have seen. Pure: returns a new state. An empty side
 * (n = 0) contributes nothing, whatever its dimension.
 */
export function mergeStats(a: RunningStatState, b: RunningStatState): RunningStatState {
  if (b.n === 0) return copyStat(a);
  if (a.n === 0) return copyStat(b);
  if (a.mean.length !== b.mean.length) throw new SampleBatchError(`cannot merge filter statistics of dimension ${a.mean.length} and ${b.mean.length}`);
  const n = a.n + b.n;
  const dim = a.mean.length;
  const mean = new Float64Array(dim);
  const m2 = new Float64Array(dim);
  for (let j = 0; j < dim; j++) {
    const ma = a.mean[j] as number;
    const mb = b.mean[j] as number;
    const d = mb - ma;
    mean[j] = (a.n * ma + b.n * mb) / n;
    m2[j] = (a.m2[j] as number) + (b.m2[j] as number) + (d * d * a.n * b.n) / n;
  }
  return { n, mean, m2 };
}

/** Sample variance `m2 / (n − 1)`; RLlib's quirk for n = 1 (`mean²`) is kept; 0 for n = 0. */
export function statVariance(s: RunningStatState, j: number): number {
  if (s.n > 1) return (s.m2[j] as number) / (s.n - 1);
  if (s.n === 1) return (s.mean[j] as number) ** 2;
  return 0;
}

/** Mutable running statistics with Welford's one-row update. */
class RunningStat {
  n = 0;
  mean: Float64Array;
  m2: Float64Array;
  constructor(dim: number) {
    this.mean = new Float64Array(dim);
    this.m2 = new Float64Array(dim);
  }
  push(x: Float32Array, offset: number): void {
    this.n++;
    const n = this.n;
    const { mean, m2 } = this;
    const dim = mean.length;
    if (n === 1) {
      for (let j = 0; j < dim; j++) mean[j] = x[offset + j] as number;
      return;
    }
    for (let j = 0; j < dim; j++) {
      const d = (x[offset + j] as number) - (mean[j] as number);
      mean[j] = (mean[j] as number) + d / n;
      m2[j] = (m2[j] as number) + (d * d * (n - 1)) / n;
    }
  }
  state(): RunningStatState {
    return copyStat(this);
  }
  set(s: RunningStatState): void {
    this.n = s.n;
    this.mean = Float64Array.from(s.mean);
    this.m2 = Float64Array.from(s.m2);
  }
}

function checkDim(dim: number | undefined): number {
  const d = dim ?? 0;
  if (!Number.isInteger(d) || d < 0) throw new SampleBatchError(`a filter's dimension must be a positive integer (or 0/absent: learned on first use), got ${d}`);
  return d;
}

/**
 * The dimension a filter of dimension `dim` (0: not yet known) has after seeing `n` rows in `obs`;
 * throws if the rows do not fit.
 */
function obsDim(obs: Float32Array, n: number, dim: number): number {
  if (!Number.isInteger(n) || n < 0) throw new SampleBatchError(`a filter got ${n} rows; the row count is a non-negative integer`, { column: 'obs' });
  if (dim === 0) {
    if (n === 0) return 0;
    if (obs.length % n !== 0 || obs.length === 0) {
      throw new SampleBatchError(`a filter of unknown dimension got ${n} rows in ${obs.length} values, not n × dim`, { column: 'obs' });
    }
    return obs.length / n;
  }
  if (obs.length < n * dim) {
    throw new SampleBatchError(`filter of dimension ${dim} got ${n} rows but only ${obs.length} values (needs n × dim)`, { column: 'obs' });
  }
  return dim;
}

/** The dimension after meeting another one (0 = unknown); throws on a conflict. */
function meetDim(mine: number, other: number, what: string): number {
  if (other === 0) return mine;
  if (mine !== 0 && mine !== other) throw new SampleBatchError(`a filter of dimension ${mine} cannot take ${what} of dimension ${other}`);
  return other;
}

/** The identity filter (RLlib's `NoFilter`, the default `observation_filter`). */
export class NoFilter implements ObservationFilter {
  readonly kind = 'NoFilter';
  private _dim: number;
  constructor(dim?: number) {
    this._dim = checkDim(dim);
  }
  get dim(): number {
    return this._dim;
  }
  apply(obs: Float32Array, n: number): Float32Array {
    this._dim = obsDim(obs, n, this._dim);
    return obs;
  }
  delta(): RunningStatState {
    return emptyStat(this._dim);
  }
  /** Nothing to clear. */
  clearBuffer(): void {}
  flushDelta(): RunningStatState {
    return emptyStat(this._dim);
  }
  applyDelta(): void {}
  sync(state: FilterState): void {
    this.restore(state);
  }
  restore(state: FilterState): void {
    if (state.kind !== 'NoFilter') throw new SampleBatchError(`cannot sync a NoFilter from a ${state.kind} state`);
    this._dim = meetDim(this._dim, state.dim, 'a state');
  }
  toState(): FilterState {
    return { kind: 'NoFilter', dim: this._dim };
  }
}

/**
 * Running mean/std normalization (RLlib's `MeanStdFilter`).
 *
 * NOTE: with no data yet (n = 0) RLlib divides by `0 + 1e-8`, turning any observation into ±clip; here an
 * empty filter leaves observations as they are (then clips). It only matters for `update: false` calls
 * before the first sync, such as an evaluation worker's.
 *
 * @example
 * const f = new MeanStdFilter(4);
 * f.apply(env.observations, env.num);          // in place, updates the statistics
 * const delta = f.flushDelta();                // send to the learner at sync time
 */
export class MeanStdFilter implements ObservationFilter {
  readonly kind = 'MeanStdFilter';
  private _dim: number;
  private demean: boolean;
  private destd: boolean;
  private clip: number | null;
  private rs: RunningStat;
  private buffer: RunningStat;
  // Per-dimension shift and scale, rebuilt from `rs` when it changes.
  private shift: Float64Array;
  private scale: Float64Array;
  private stale = true;

  /** `dim` 0 or absent: learned from the first `apply`, `applyDelta`, `sync` or `restore`. */
  constructor(dim?: number, options: MeanStdFilterOptions = {}) {
    this._dim = checkDim(dim);
    this.demean = options.demean ?? true;
    this.destd = options.destd ?? true;
    this.clip = normalizeClip(options.clip === undefined ? 10 : options.clip);
    this.rs = new RunningStat(this._dim);
    this.buffer = new RunningStat(this._dim);
    this.shift = new Float64Array(this._dim);
    this.scale = new Float64Array(this._dim);
  }

  /** Rebuilds a filter from `toState()` output (after structured clone, or from a checkpoint). */
  static fromState(state: FilterState): MeanStdFilter {
    if (state.kind !== 'MeanStdFilter') throw new SampleBatchError(`expected a MeanStdFilter state, got ${state.kind}`);
    const f = new MeanStdFilter(state.dim, state);
    f.restore(state);
    return f;
  }

  get dim(): number {
    return this._dim;
  }

  /** Fixes the dimension the first time it becomes known. */
  private setDim(dim: number): void {
    if (dim === this._dim) return;
    this._dim = dim;
    this.rs = new RunningStat(dim);
    this.buffer = new RunningStat(dim);
    this.shift = new Float64Array(dim);
    this.scale = new Float64Array(dim);
    this.stale = true;
  }

  apply(obs: Float32Array, n: number, update = true): Float32Array {
    this.setDim(obsDim(obs, n, this._dim));
    const dim = this._dim;
    if (update && n > 0) {
      for (let i = 0; i < n; i++) {
        this.rs.push(obs, i * dim);
        this.buffer.push(obs, i * dim);
      }
      this.stale = true;
    }
    if (this.stale) this.refresh();
    const { shift, scale } = this;
    const clip = this.clip;
    for (let i = 0; i < n; i++) {
      const o = i * dim;
      for (let j = 0; j < dim; j++) {
        let y = ((obs[o + j] as number) - (shift[j] as number)) / (scale[j] as number);
        if (clip !== null) y = y < -clip ? -clip : y > clip ? clip : y;
        obs[o + j] = y;
      }
    }
    return obs;
  }

  /** Current mean (a copy). */
  get mean(): Float64Array {
    return Float64Array.from(this.rs.mean);
  }

  /** Current std per dimension, as used by `apply` (before the 1e-8). */
  get std(): Float64Array {
    const s = this.rs.state();
    return Float64Array.from({ length: this._dim }, (_, j) => Math.sqrt(statVariance(s, j)));
  }

  /** Number of observations the statistics cover. */
  get count(): number {
    return this.rs.n;
  }

  delta(): RunningStatState {
    return this.buffer.state();
  }

  /** Forgets the statistics gathered since the last clear (the running totals stay). */
  clearBuffer(): void {
    this.buffer = new RunningStat(this._dim);
  }

  flushDelta(): RunningStatState {
    const d = this.delta();
    this.clearBuffer();
    return d;
  }

  applyDelta(delta: RunningStatState): void {
    if (delta.n === 0) return;
    this.setDim(meetDim(this._dim, delta.mean.length, 'a delta'));
    this.rs.set(mergeStats(this.rs, delta));
    this.stale = true;
  }

  sync(state: FilterState): void {
    this.restore(state);
    this.clearBuffer();
  }

  restore(state: FilterState): void {
    if (state.kind !== 'MeanStdFilter') throw new SampleBatchError(`cannot sync a MeanStdFilter from a ${state.kind} state`);
    if (state.rs.mean.length !== state.dim || state.buffer.mean.length !== state.dim) {
      throw new SampleBatchError(`a MeanStdFilter state of dimension ${state.dim} holds statistics of dimension ${state.rs.mean.length}`);
    }
    this.setDim(meetDim(this._dim, state.dim, 'a state'));
    this.demean = state.demean;
    this.destd = state.destd;
    this.clip = normalizeClip(state.clip);
    if (state.dim === 0) return;
    this.rs.set(state.rs);
    this.buffer.set(state.buffer);
    this.stale = true;
  }

  toState(): FilterState {
    return {
      kind: 'MeanStdFilter',
      dim: this._dim,
      demean: this.demean,
      destd: this.destd,
      clip: this.clip,
      rs: this.rs.state(),
      buffer: this.buffer.state(),
    };
  }

  private refresh(): void {
    const s = this.rs;
    for (let j = 0; j < this._dim; j++) {
      this.shift[j] = this.demean ? (s.mean[j] as number) : 0;
      this.scale[j] = this.destd && s.n > 0 ? Math.sqrt(statVariance(s, j)) + 1e-8 : 1;
    }
    this.stale = false;
  }
}

function normalizeClip(clip: number | null): number | null {
  if (clip === null || clip === 0) return null;
  if (typeof clip !== 'number' || !(clip > 0)) throw new SampleBatchError(`a filter's clip must be a positive number, 0 or null, got ${String(clip)}`);
  return clip;
}

/**
 * Makes a filter by RLlib's `observation_filter` name. Without `dim` the filter learns its dimension
 * from the first observations (or the first delta or state it receives): a learner with no envs can
 * hold the master filter without knowing the observation size.
 *
 * @example
 * const filter = createFilter(config.observationFilter); // 'MeanStdFilter' | 'NoFilter'
 */
export function createFilter(kind: FilterKind, dim?: number, options: MeanStdFilterOptions = {}): ObservationFilter {
  if (kind === 'MeanStdFilter') return new MeanStdFilter(dim, options);
  if (kind === 'NoFilter') return new NoFilter(dim);
  throw new SampleBatchError(`unknown observation filter '${String(kind)}' (known: MeanStdFilter, NoFilter)`);
}

/** Rebuilds a filter from its state (either kind). */
export function filterFromState(state: FilterState): ObservationFilter {
  if (state.kind === 'NoFilter') return new NoFilter(state.dim);
  return MeanStdFilter.fromState(state);
}

/**
 * The master's side of a sync as one pure function: `master` with every worker delta merged in, ready to
 * broadcast (workers then `sync` to it). Equivalent to `applyDelta` on a filter rebuilt from `master`.
 */
export function mergeFilterDeltas(master: FilterState, deltas: readonly RunningStatState[]): FilterState {
  const f = filterFromState(master);
  for (const d of deltas) f.applyDelta(d);
  return f.toState();
}
