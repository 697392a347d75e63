/**
 * A columnar ring buffer of transitions on typed arrays: one preallocated array per column
 * (`capacity × width` values), no object per transition. The column set and types are taken from the
 * first batch added; later batches must have the same columns. Capacity is counted in rows (env steps
 * of 1-step or n-step transitions), as RLlib's ReplayBuffer counts timesteps; when full, the oldest
 * rows are overwritten (FIFO).
 *
 * NOTE: `add` copies with `TypedArray.set` over at most two contiguous spans (before and after the
 * wrap); `gather` copies rows with index loops into fresh arrays (no `subarray` views per row, and the
 * result owns its memory, so it can be sent to another process without dragging the buffer along).
 */
import { SampleBatchError } from '../data/errors.js';
import type { Column, SampleBatch } from '../data/sample-batch.js';

type ColumnType = 'Float32Array' | 'Float64Array' | 'Int32Array' | 'Uint8Array';

interface StoredColumn {
  readonly type: ColumnType;
  readonly width: number;
  readonly data: Column;
}

function alloc(type: ColumnType, length: number): Column {
  switch (type) {
    case 'Float32Array':
      return new Float32Array(length);
    case 'Float64Array':
      return new Float64Array(length);
    case 'Int32Array':
      return new Int32Array(length);
    case 'Uint8Array':
      return new Uint8Array(length);
  }
}

// NOTE: one copy of the gather loop per array type, not one generic loop: V8 keeps a loop's element
// accesses fast only while they see one array type, and a generic loop over float, int and byte columns
// ran at about half the speed of hand-written per-column loops (bench/replay.ts, add-sample).
function gatherF32(data: Float32Array, out: Float32Array, ix: ArrayLike<number>, w: number): void {
  const n = ix.length;
  if (w === 1) for (let k = 0; k < n; k++) out[k] = data[ix[k]!]!;
  else for (let k = 0; k < n; k++) for (let j = 0; j < w; j++) out[k * w + j] = data[ix[k]! * w + j]!;
}
function gatherF64(data: Float64Array, out: Float64Array, ix: ArrayLike<number>, w: number): void {
  const n = ix.length;
  if (w === 1) for (let k = 0; k < n; k++) out[k] = data[ix[k]!]!;
  else for (let k = 0; k < n; k++) for (let j = 0; j < w; j++) out[k * w + j] = data[ix[k]! * w + j]!;
}
function gatherI32(data: Int32Array, out: Int32Array, ix: ArrayLike<number>, w: number): void {
  const n = ix.length;
  if (w === 1) for (let k = 0; k < n; k++) out[k] = data[ix[k]!]!;
  else for (let k = 0; k < n; k++) for (let j = 0; j < w; j++) out[k * w + j] = data[ix[k]! * w + j]!;
}
function gatherU8(data: Uint8Array, out: Uint8Array, ix: ArrayLike<number>, w: number): void {
  const n = ix.length;
  if (w === 1) for (let k = 0; k < n; k++) out[k] = data[ix[k]!]!;
  else for (let k = 0; k < n; k++) for (let j = 0; j < w; j++) out[k * w + j] = data[ix[k]! * w + j]!;
}
const GATHER = { Float32Array: gatherF32, Float64Array: gatherF64, Int32Array: gatherI32, Uint8Array: gatherU8 } as unknown as Record<ColumnType, (data: Column, out: Column, ix: ArrayLike<number>, w: number) => void>;

function typeOf(c: Column): ColumnType {
  return c.constructor.name as ColumnType;
}

/** Counters of a ring buffer, and (on request) its contents: what a checkpoint keeps. */
export interface RingBufferState {
  readonly capacity: number;
  readonly size: number;
  readonly nextIndex: number;
  readonly numAdded: number;
  /** The stored rows (the first `size` rows of each column), when asked for. */
  readonly contents?: Readonly<Record<string, { readonly width: number; readonly data: Column }>>;
}

/**
 * A FIFO ring of sample-batch rows on preallocated typed arrays, one per column (columns fixed by the
 * first batch added); when full, the oldest rows are overwritten.
 */
export class ColumnarRingBuffer {
  private columns: Map<string, StoredColumn> | undefined;
  private names: string[] = [];
  /** Rows stored (≤ capacity). */
  size = 0;
  /** Where the next row goes. */
  nextIndex = 0;
  /** Rows ever added. */
  numAdded = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`replay buffer capacity must be a positive integer, got ${capacity}`);
  }

  /** Column names stored (empty before the first add). */
  get columnNames(): readonly string[] {
    return this.names;
  }

  private schema(batch: SampleBatch): Map<string, StoredColumn> {
    if (this.columns) {
      if (Object.keys(batch.columns).length !== this.names.length) {
        const missing = this.names.filter((n) => !(n in batch.columns));
        const extra = Object.keys(batch.columns).filter((n) => !this.columns!.has(n));
        throw new SampleBatchError(`replay buffer: batch columns differ from the stored ones (missing: ${missing.join(', ') || 'none'}; extra: ${extra.join(', ') || 'none'})`, { column: missing[0] ?? extra[0] });
      }
      return this.columns;
    }
    const columns = new Map<string, StoredColumn>();
    for (const [name, col] of Object.entries(batch.columns)) {
      const width = batch.widths[name] ?? 1;
      const type = typeOf(col);
      columns.set(name, { type, width, data: alloc(type, this.capacity * width) });
    }
    this.columns = columns;
    this.names = [...columns.keys()];
    return columns;
  }

  /**
   * Appends the batch's rows; returns the index of the first row written (row k of the batch went to
   * `(first + k) % capacity`). A batch larger than the capacity keeps only its last `capacity` rows.
   */
  add(batch: SampleBatch): number {
    const columns = this.schema(batch);
    const cap = this.capacity;
    let n = batch.count;
    let skip = 0;
    if (n > cap) {
      skip = n - cap;
      this.nextIndex = (this.nextIndex + skip) % cap;
      n = cap;
    }
    const first = this.nextIndex;
    const head = Math.min(n, cap - first);
    for (const [name, stored] of columns) {
      const src = batch.columns[name];
      if (!src) throw new SampleBatchError(`replay buffer: the batch has no column '${name}' (every batch needs the columns of the first one)`, { column: name });
      const w = stored.width;
      if ((batch.widths[name] ?? 1) !== w) throw new SampleBatchError(`replay buffer: column '${name}' has width ${batch.widths[name] ?? 1}, the buffer stores width ${w}`, { column: name });
      if (typeOf(src) !== stored.type) throw new SampleBatchError(`replay buffer: column '${name}' is a ${typeOf(src)}, the buffer stores ${stored.type}`, { column: name });
      const data = stored.data;
      const from = skip * w;
      if (head === n) data.set(from === 0 && src.length === n * w ? src : src.subarray(from, from + n * w), first * w);
      else {
        data.set(src.subarray(from, from + head * w), first * w);
        data.set(src.subarray(from + head * w, from + n * w), 0);
      }
    }
    this.nextIndex = (first + n) % cap;
    this.size = Math.min(cap, this.size + n);
    this.numAdded += batch.count;
    return first;
  }

  /** A new batch of the rows at `indices` (in that order), plus `extra` columns given by the caller. */
  gather(indices: ArrayLike<number>, extra: Readonly<Record<string, Column>> = {}): SampleBatch {
    if (!this.columns) throw new Error('replay buffer: nothing stored yet');
    const n = indices.length;
    const columns: Record<string, Column> = {};
    const widths: Record<string, number> = {};
    for (const [name, { type, width, data }] of this.columns) {
      const out = alloc(type, n * width);
      GATHER[type](data, out, indices, width);
      if (width !== 1) widths[name] = width;
      columns[name] = out;
    }
    for (const name in extra) columns[name] = extra[name]!;
    return { count: n, columns, widths };
  }

  /** Counters, and the stored rows with `contents: true`. */
  getState(options: { readonly contents?: boolean } = {}): RingBufferState {
    const base = { capacity: this.capacity, size: this.size, nextIndex: this.nextIndex, numAdded: this.numAdded };
    if (!options.contents || !this.columns) return base;
    const contents: Record<string, { width: number; data: Column }> = {};
    for (const [name, c] of this.columns) contents[name] = { width: c.width, data: c.data.slice(0, this.size * c.width) };
    return { ...base, contents };
  }

  /** Restores counters (and contents, when the state has them). The capacity must match. */
  setState(state: RingBufferState): void {
    if (state.capacity !== this.capacity) throw new RangeError(`replay buffer: state has capacity ${state.capacity}, this buffer ${this.capacity}`);
    if (state.contents) {
      const columns = new Map<string, StoredColumn>();
      for (const [name, { width, data }] of Object.entries(state.contents)) {
        const type = typeOf(data);
        const full = alloc(type, this.capacity * width);
        full.set(data);
        columns.set(name, { type, width, data: full });
      }
      this.columns = columns;
      this.names = [...columns.keys()];
      this.size = state.size;
    } else {
      // Counters only: the rows are gone, so the buffer restarts empty but keeps counting.
      this.columns = undefined;
      this.names = [];
      this.size = 0;
    }
    this.nextIndex = state.contents ? state.nextIndex : 0;
    this.numAdded = state.numAdded;
  }
}
