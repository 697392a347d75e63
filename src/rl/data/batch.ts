/**
 * Functions over `SampleBatch` (the type lives in `sample-batch.ts`): build and validate, concatenate,
 * slice, select rows, shuffle, cut into minibatches, standardize. A batch is plain data, so these are
 * plain functions: data in, a **new** batch out; no function here mutates its input. Columns of an output
 * batch may be shared with an input batch where they are unchanged (`withColumns`, `selectPolicies`), so
 * treat batches as immutable values.
 *
 * NOTE: every function that returns fewer rows than its input (`slice`, `selectRows`, `minibatches`)
 * copies the rows into fresh arrays, never a `subarray` view: structured clone (farm IPC) sends a view's
 * whole underlying buffer, so a 64-row view of a 4000-row batch would ship all 4000 rows.
 */
import { SampleBatchError } from './errors.js';
import { createMultiAgentBatch, mapPolicyBatches } from './multi-agent.js';
import { isMultiAgentBatch, type AnyBatch, type Column, type MultiAgentBatch, type SampleBatch } from './sample-batch.js';

/** Values per row of `name` in `batch` (1 unless given in `widths`). */
export function widthOf(batch: SampleBatch, name: string): number {
  return batch.widths[name] ?? 1;
}

function columnTypeName(c: Column): string {
  return c.constructor.name;
}

function isColumn(x: unknown): x is Column {
  return x instanceof Float32Array || x instanceof Float64Array || x instanceof Int32Array || x instanceof Uint8Array;
}

/** A zeroed column of the same type as `like`, `length` values long. */
function allocLike(like: Column, length: number): Column {
  if (like instanceof Float32Array) return new Float32Array(length);
  if (like instanceof Float64Array) return new Float64Array(length);
  if (like instanceof Int32Array) return new Int32Array(length);
  return new Uint8Array(length);
}

/**
 * Builds a batch from columns, checking that they describe the same number of rows: every column must be
 * a Float32Array, Float64Array, Int32Array or Uint8Array of exactly `count × width` values. Errors name
 * the column. The arrays are used as they are (not copied): hand over arrays you no longer write to.
 *
 * @example
 * const b = createSampleBatch({ obs: new Float32Array([1, 2, 3, 4]), rewards: new Float32Array([0, 1]) }, { obs: 2 });
 * b.count; // 2
 */
export function createSampleBatch(columns: Readonly<Record<string, Column>>, widths: Readonly<Record<string, number>> = {}): SampleBatch {
  for (const [name, w] of Object.entries(widths)) {
    if (!(name in columns)) throw new SampleBatchError(`a width is given for column '${name}', which the batch does not have`, { column: name });
    if (!Number.isInteger(w) || w < 1) throw new SampleBatchError(`column '${name}' has width ${w}; widths are positive integers`, { column: name });
  }
  let count: number | undefined;
  let first = '';
  for (const [name, col] of Object.entries(columns)) {
    if (!isColumn(col)) {
      const got = col === null || typeof col !== 'object' ? typeof col : (col as object).constructor?.name ?? 'object';
      throw new SampleBatchError(`column '${name}' is a ${got}; columns are Float32Array, Float64Array, Int32Array or Uint8Array`, { column: name });
    }
    const w = widths[name] ?? 1;
    if (col.length % w !== 0) {
      throw new SampleBatchError(`column '${name}' has ${col.length} values, not a multiple of its width ${w}`, { column: name });
    }
    const rows = col.length / w;
    if (count === undefined) {
      count = rows;
      first = name;
    } else if (rows !== count) {
      throw new SampleBatchError(
        `column '${name}' has ${rows} rows (${col.length} values, width ${w}) but column '${first}' has ${count}; every column needs count × width values`,
        { column: name },
      );
    }
  }
  return { count: count ?? 0, columns: { ...columns }, widths: { ...widths } };
}

/** A batch with no rows and no columns (what `concatSamples([])` returns). */
export function emptyBatch(): SampleBatch {
  return { count: 0, columns: {}, widths: {} };
}

/**
 * The column `name` of `batch`; throws `SampleBatchError` naming the column (and those present) if it
 * is missing.
 */
export function column(batch: SampleBatch, name: string): Column {
  const c = batch.columns[name];
  if (!c) {
    throw new SampleBatchError(`the batch has no column '${name}' (it has: ${Object.keys(batch.columns).join(', ') || 'none'})`, { column: name });
  }
  return c;
}

/** Whether `batch` has column `name`. */
export function hasColumn(batch: SampleBatch, name: string): boolean {
  return batch.columns[name] !== undefined;
}

/**
 * A new batch with `extra` columns added (or replaced), validated like `createSampleBatch` against the
 * batch's row count. The existing columns are shared, not copied.
 *
 * @example
 * const withAdv = withColumns(batch, { advantages: adv });
 */
export function withColumns(batch: SampleBatch, extra: Readonly<Record<string, Column>>, widths: Readonly<Record<string, number>> = {}): SampleBatch {
  const added = createSampleBatch(extra, widths);
  const names = Object.keys(extra);
  const hasRows = Object.keys(batch.columns).length > 0;
  if (hasRows && names.length > 0 && added.count !== batch.count) {
    throw new SampleBatchError(`column '${names[0]}' has ${added.count} rows but the batch has ${batch.count}`, { column: names[0] as string });
  }
  return {
    count: hasRows ? batch.count : added.count,
    columns: { ...batch.columns, ...extra },
    widths: { ...withoutKeys(batch.widths, names), ...widths },
  };
}

function withoutKeys(widths: Readonly<Record<string, number>>, keys: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(widths)) if (!keys.includes(k)) out[k] = v;
  return out;
}

/**
 * Concatenates batches row-wise (RLlib's `SampleBatch.concat_samples`). Every non-empty batch must have
 * the same columns with the same types and widths; the error names the column that is missing or
 * different. Batches with no rows are skipped (as RLlib does), so an empty `emptyBatch()` may be mixed
 * in. For multi-agent batches each policy's batches are concatenated and the env-step counts summed.
 * An empty list gives `emptyBatch()`. The result never shares memory with the inputs.
 *
 * @example
 * concatSamples([a, b]).count === a.count + b.count;
 */
export function concatSamples(batches: readonly SampleBatch[]): SampleBatch;
export function concatSamples(batches: readonly MultiAgentBatch[]): MultiAgentBatch;
export function concatSamples(batches: readonly AnyBatch[]): AnyBatch;
export function concatSamples(batches: readonly AnyBatch[]): AnyBatch {
  if (batches.length === 0) return emptyBatch();
  const multi = batches.filter(isMultiAgentBatch);
  if (multi.length > 0 && multi.length < batches.length) {
    throw new SampleBatchError('cannot concatenate plain and multi-agent batches together; convert with asMultiAgent first');
  }
  if (multi.length > 0) return concatMultiAgent(multi);
  return concatPlain(batches as readonly SampleBatch[]);
}

function concatMultiAgent(batches: readonly MultiAgentBatch[]): MultiAgentBatch {
  const perPolicy = new Map<string, SampleBatch[]>();
  let count = 0;
  for (const b of batches) {
    count += b.count;
    for (const [id, pb] of Object.entries(b.policyBatches)) {
      let list = perPolicy.get(id);
      if (!list) perPolicy.set(id, (list = []));
      list.push(pb);
    }
  }
  const out: Record<string, SampleBatch> = {};
  for (const [id, list] of perPolicy) {
    try {
      out[id] = concatPlain(list);
    } catch (e) {
      if (e instanceof SampleBatchError) {
        throw new SampleBatchError(`policy '${id}': ${e.reason}`, { ...(e.column === undefined ? {} : { column: e.column }), cause: e });
      }
      throw e;
    }
  }
  return createMultiAgentBatch(out, count);
}

function concatPlain(batches: readonly SampleBatch[]): SampleBatch {
  const nonEmpty = batches.filter((b) => b.count > 0);
  const ref = nonEmpty[0] ?? batches[0];
  if (!ref) return emptyBatch();
  const refIndex = batches.indexOf(ref);
  const names = Object.keys(ref.columns);
  for (const b of nonEmpty) {
    if (b === ref) continue;
    const k = batches.indexOf(b);
    for (const name of names) {
      const c = b.columns[name];
      const r = ref.columns[name] as Column;
      if (!c) {
        throw new SampleBatchError(`batch ${k} has no column '${name}', which batch ${refIndex} has; concatenated batches need the same columns`, { column: name });
      }
      if (c.constructor !== r.constructor) {
        throw new SampleBatchError(`column '${name}' is a ${columnTypeName(c)} in batch ${k} but a ${columnTypeName(r)} in batch ${refIndex}`, { column: name });
      }
      if (widthOf(b, name) !== widthOf(ref, name)) {
        throw new SampleBatchError(`column '${name}' has width ${widthOf(b, name)} in batch ${k} but ${widthOf(ref, name)} in batch ${refIndex}`, { column: name });
      }
    }
    for (const name of Object.keys(b.columns)) {
      if (!(name in ref.columns)) {
        throw new SampleBatchError(`batch ${k} has column '${name}', which batch ${refIndex} lacks; concatenated batches need the same columns`, { column: name });
      }
    }
  }
  let count = 0;
  for (const b of nonEmpty) count += b.count;
  const columns: Record<string, Column> = {};
  for (const name of names) {
    const w = widthOf(ref, name);
    const out = allocLike(ref.columns[name] as Column, count * w);
    let offset = 0;
    for (const b of nonEmpty) {
      const c = b.columns[name] as Column;
      // Same constructor checked above, so `set` copies values of the same type.
      (out as Float64Array).set(c as Float64Array, offset);
      offset += c.length;
    }
    columns[name] = out;
  }
  return { count, columns, widths: { ...ref.widths } };
}

function checkRow(batch: SampleBatch, i: number, what: string): void {
  if (!Number.isInteger(i) || i < 0 || i >= batch.count) {
    throw new SampleBatchError(`${what} ${i} is not a row of this batch (rows 0..${batch.count - 1})`);
  }
}

/**
 * Rows `start` (inclusive) to `end` (exclusive), copied. Requires `0 ≤ start ≤ end ≤ count` (integers);
 * out-of-range bounds are an error rather than clamped, since they mean a bug in the caller.
 */
export function slice(batch: SampleBatch, start: number, end: number): SampleBatch {
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end < start || end > batch.count) {
    throw new SampleBatchError(`slice(${start}, ${end}) is out of range for a batch of ${batch.count} rows`);
  }
  const columns: Record<string, Column> = {};
  for (const [name, c] of Object.entries(batch.columns)) {
    const w = widthOf(batch, name);
    columns[name] = c.slice(start * w, end * w);
  }
  return { count: end - start, columns, widths: { ...batch.widths } };
}

/**
 * The rows at `indexes`, in that order (a row may repeat), copied into a new batch of `indexes.length`
 * rows.
 */
export function selectRows(batch: SampleBatch, indexes: ArrayLike<number>): SampleBatch {
  const n = indexes.length;
  for (let k = 0; k < n; k++) checkRow(batch, indexes[k] as number, 'index');
  const columns: Record<string, Column> = {};
  for (const [name, c] of Object.entries(batch.columns)) {
    const w = widthOf(batch, name);
    const out = allocLike(c, n * w);
    if (w === 1) {
      for (let k = 0; k < n; k++) out[k] = c[indexes[k] as number] as number;
    } else {
      for (let k = 0; k < n; k++) {
        const src = (indexes[k] as number) * w;
        for (let j = 0; j < w; j++) out[k * w + j] = c[src + j] as number;
      }
    }
    columns[name] = out;
  }
  return { count: n, columns, widths: { ...batch.widths } };
}

/**
 * A uniformly random permutation of 0..n-1 (Fisher–Yates), drawing n-1 numbers from `random` (a seeded
 * stream of floats in [0, 1), such as `ctx.random`).
 */
export function permutation(n: number, random: () => number): Int32Array {
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = p[i] as number;
    p[i] = p[j] as number;
    p[j] = t;
  }
  return p;
}

/** The batch's rows in a random order drawn from `random` (seeded: the same stream gives the same order). */
export function shuffle(batch: SampleBatch, random: () => number): SampleBatch {
  return selectRows(batch, permutation(batch.count, random));
}

/**
 * The batch shuffled (one permutation from `random`) and cut into consecutive minibatches of `size` rows,
 * as RLlib's `do_minibatch_sgd` does: it iterates `range(0, count, size)`, so the **last minibatch is
 * kept even when it is partial** (count % size rows). Every row appears in exactly one minibatch. A
 * `size` of at least `count` gives one shuffled minibatch; an empty batch gives none. Call once per SGD
 * epoch for a fresh order.
 *
 * @example
 * for (let epoch = 0; epoch < numSgdIter; epoch++)
 *   for (const mb of minibatches(batch, 128, ctx.random)) policy.learnOnBatch(mb);
 */
export function minibatches(batch: SampleBatch, size: number, random: () => number): SampleBatch[] {
  if (!Number.isInteger(size) || size < 1) throw new SampleBatchError(`minibatch size must be a positive integer, got ${size}`);
  const perm = permutation(batch.count, random);
  const out: SampleBatch[] = [];
  for (let i = 0; i < batch.count; i += size) out.push(selectRows(batch, perm.subarray(i, Math.min(i + size, batch.count))));
  return out;
}

/**
 * Standardizes the given columns, `(x − mean) / max(1e-4, std)` with the population std over all values
 * of the column (RLlib's `StandardizeFields`; e.g. `['advantages']` for PPO). A multi-agent batch is
 * standardized per policy batch; a missing column is an error naming it. Returns a new batch (RLlib
 * mutates in place); the new columns are Float64Array where the input was, else Float32Array.
 */
export function standardizeFields<B extends AnyBatch>(batch: B, fields: readonly string[]): B;
export function standardizeFields(batch: AnyBatch, fields: readonly string[]): AnyBatch {
  return mapPolicyBatches(batch, (b, policyId) => {
    const extra: Record<string, Column> = {};
    for (const name of fields) {
      const c = b.columns[name];
      if (!c) {
        const where = isMultiAgentBatch(batch) ? ` of policy '${policyId}'` : '';
        throw new SampleBatchError(`cannot standardize column '${name}': the batch${where} has no such column`, { column: name });
      }
      extra[name] = standardize(c);
    }
    return { count: b.count, columns: { ...b.columns, ...extra }, widths: b.widths };
  });
}

function standardize(c: Column): Float32Array | Float64Array {
  const n = c.length;
  const out = c instanceof Float64Array ? new Float64Array(n) : new Float32Array(n);
  if (n === 0) return out;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += c[i] as number;
  const mean = sum / n;
  let sq = 0;
  for (let i = 0; i < n; i++) {
    const d = (c[i] as number) - mean;
    sq += d * d;
  }
  const denom = Math.max(1e-4, Math.sqrt(sq / n));
  for (let i = 0; i < n; i++) out[i] = ((c[i] as number) - mean) / denom;
  return out;
}
