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
  readonly name: string;
  readonly type: ColumnType;
  readonly width: number;
  readonly data: Column;
  /** The column's constructor: `add` checks a batch's column type by identity, not by name. */
  readonly ctor: unknown;
  /** The gather loop for this column's array type (picked once, not per sample). */
  readonly gather: (data: Column, ix: ArrayLike<number>, w: number) => Column;
}

function storedColumn(name: string, type: ColumnType, width: number, data: Column): StoredColumn {
  return { name, type, width, data, ctor: data.constructor, gather: GATHER[type] };
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
// ran at about half the speed of hand-written per-column loops (bench/replay.ts, add-sample). Each copy
// allocates its output itself: one `new` site per type is inlined, where a `switch` over the type name
// (`alloc`) was 45% of an add+sample's profile.
function gatherF32(data: Float32Array, ix: ArrayLike<number>, w: number): Float32Array {
  const n = ix.length;
  const out = new Float32Array(n * w);
  if (w === 1) for (let k = 0; k < n; k++) out[k] = data[ix[k]!]!;
  else
    for (let k = 0, o = 0; k < n; k++) {
      const from = ix[k]! * w;
      for (let j = 0; j < w; j++, o++) out[o] = data[from + j]!;
    }
  return out;
}
function gatherF64(data: Float64Array, ix: ArrayLike<number>, w: number): Float64Array {
  const n = ix.length;
  const out = new Float64Array(n * w);
  if (w === 1) for (let k = 0; k < n; k++) out[k] = data[ix[k]!]!;
  else
    for (let k = 0, o = 0; k < n; k++) {
      const from = ix[k]! * w;
      for (let j = 0; j < w; j++, o++) out[o] = data[from + j]!;
    }
  return out;
}
function gatherI32(data: Int32Array, ix: ArrayLike<number>, w: number): Int32Array {
  const n = ix.length;
  const out = new Int32Array(n * w);
  if (w === 1) for (let k = 0; k < n; k++) out[k] = data[ix[k]!]!;
  else
    for (let k = 0, o = 0; k < n; k++) {
      const from = ix[k]! * w;
      for (let j = 0; j < w; j++, o++) out[o] = data[from + j]!;
    }
  return out;
}
function gatherU8(data: Uint8Array, ix: ArrayLike<number>, w: number): Uint8Array {
  const n = ix.length;
  const out = new Uint8Array(n * w);
  if (w === 1) for (let k = 0; k < n; k++) out[k] = data[ix[k]!]!;
  else
    for (let k = 0, o = 0; k < n; k++) {
      const from = ix[k]! * w;
      for (let j = 0; j < w; j++, o++) out[o] = data[from + j]!;
    }
  return out;
}
const GATHER = { Float32Array: gatherF32, Float64Array: gatherF64, Int32Array: gatherI32, Uint8Array: gatherU8 } as unknown as Record<ColumnType, (data: Column, ix: ArrayLike<number>, w: number) => Column>;

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
  // NOTE: an array, not a Map: add and gather walk it with an index loop on every call (no iterator or
  // entry arrays per call on the replay hot path).
  private columns: StoredColumn[] | undefined;
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

  private schema(batch: SampleBatch): StoredColumn[] {
    if (this.columns) {
      let count = 0;
      for (const _ in batch.columns) count++;
      if (count !== this.names.length) {
        const missing = this.names.filter((n) => !(n in batch.columns));
        const extra = Object.keys(batch.columns).filter((n) => !this.names.includes(n));
        throw new SampleBatchError(`replay buffer: batch columns differ from the stored ones (missing: ${missing.join(', ') || 'none'}; extra: ${extra.join(', ') || 'none'})`, { column: missing[0] ?? extra[0] });
      }
      return this.columns;
    }
    const columns: StoredColumn[] = [];
    for (const [name, col] of Object.entries(batch.columns)) {
      const width = batch.widths[name] ?? 1;
      const type = typeOf(col);
      columns.push(storedColumn(name, type, width, alloc(type, this.capacity * width)));
    }
    this.columns = columns;
    this.names = columns.map((c) => c.name);
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
    for (let c = 0; c < columns.length; c++) {
      const stored = columns[c]!;
      const name = stored.name;
      const src = batch.columns[name];
      if (!src) throw new SampleBatchError(`replay buffer: the batch has no column '${name}' (every batch needs the columns of the first one)`, { column: name });
      const w = stored.width;
      if ((batch.widths[name] ?? 1) !== w) throw new SampleBatchError(`replay buffer: column '${name}' has width ${batch.widths[name] ?? 1}, the buffer stores width ${w}`, { column: name });
      if (src.constructor !== stored.ctor) throw new SampleBatchError(`replay buffer: column '${name}' is a ${typeOf(src)}, the buffer stores ${stored.type}`, { column: name });
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
    const stored = this.columns;
    for (let c = 0; c < stored.length; c++) {
      const { name, width, data, gather } = stored[c]!;
      if (width !== 1) widths[name] = width;
      columns[name] = gather(data, indices, width);
    }
    for (const name in extra) columns[name] = extra[name]!;
    return { count: n, columns, widths };
  }

  /** Counters, and the stored rows with `contents: true`. */
  getState(options: { readonly contents?: boolean } = {}): RingBufferState {
    const base = { capacity: this.capacity, size: this.size, nextIndex: this.nextIndex, numAdded: this.numAdded };
    if (!options.contents || !this.columns) return base;
    const contents: Record<string, { width: number; data: Column }> = {};
    for (const c of this.columns) contents[c.name] = { width: c.width, data: c.data.slice(0, this.size * c.width) };
    return { ...base, contents };
  }

  /** Restores counters (and contents, when the state has them). The capacity must match. */
  setState(state: RingBufferState): void {
    if (state.capacity !== this.capacity) throw new RangeError(`replay buffer: state has capacity ${state.capacity}, this buffer ${this.capacity}`);
    if (state.contents) {
      const columns: StoredColumn[] = [];
      for (const [name, { width, data }] of Object.entries(state.contents)) {
        const type = typeOf(data);
        const full = alloc(type, this.capacity * width);
        full.set(data);
        columns.push(storedColumn(name, type, width, full));
      }
      this.columns = columns;
      this.names = columns.map((c) => c.name);
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
