/**
 * SampleBatch and MultiAgentBatch functions: validation errors that name the column, concat/slice/
 * selectRows/shuffle/minibatches (seeded and deterministic, every row exactly once), standardizeFields,
 * and the multi-agent helpers. Expected values are written out by hand.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  SB,
  SampleBatchError,
  agentSteps,
  asMultiAgent,
  column,
  concatSamples,
  createMultiAgentBatch,
  createSampleBatch,
  emptyBatch,
  minibatches,
  permutation,
  selectPolicies,
  selectRows,
  shuffle,
  slice,
  standardizeFields,
  withColumns,
  type MultiAgentBatch,
  type SampleBatch,
} from '../../../src/rl/data/index.js';
import { createRng } from '../../../src/rng/index.js';

/** Rows 0..n-1 with obs [i, 10 i] (width 2), rewards i / 2, actions i, dones i % 2. */
function rows(n: number, offset = 0): SampleBatch {
  const obs = new Float32Array(n * 2);
  const rewards = new Float32Array(n);
  const actions = new Int32Array(n);
  const dones = new Uint8Array(n);
  for (let k = 0; k < n; k++) {
    const i = k + offset;
    obs[2 * k] = i;
    obs[2 * k + 1] = 10 * i;
    rewards[k] = i / 2;
    actions[k] = i;
    dones[k] = i % 2;
  }
  return createSampleBatch({ obs, rewards, actions, terminateds: dones }, { obs: 2 });
}

/** The row ids (the `actions` column) of a `rows()` batch, checking every column agrees with them. */
function ids(b: SampleBatch): number[] {
  const a = b.columns.actions as Int32Array;
  const out: number[] = [];
  for (let k = 0; k < b.count; k++) {
    const i = a[k] as number;
    assert.equal(b.columns.obs![2 * k], i, `obs[${k}][0]`);
    assert.equal(b.columns.obs![2 * k + 1], 10 * i, `obs[${k}][1]`);
    assert.equal(b.columns.rewards![k], i / 2, `rewards[${k}]`);
    assert.equal(b.columns.terminateds![k], i % 2, `terminateds[${k}]`);
    out.push(i);
  }
  return out;
}

const isColumnError = (name: string) => (e: unknown) => e instanceof SampleBatchError && e.name === 'SampleBatchError' && e.column === name;

describe('createSampleBatch', () => {
  test('counts rows from count × width columns; widths default to 1', () => {
    const b = createSampleBatch({ obs: new Float32Array(6), rewards: new Float32Array(3) }, { obs: 2 });
    assert.equal(b.count, 3);
    assert.deepEqual(b.widths, { obs: 2 });
    assert.equal(createSampleBatch({}).count, 0);
  });

  test('a column with the wrong number of rows is named in the error', () => {
    assert.throws(
      () => createSampleBatch({ obs: new Float32Array(6), rewards: new Float32Array(3), vfPreds: new Float32Array(4) }, { obs: 2 }),
      (e: unknown) => isColumnError('vfPreds')(e) && /vfPreds/.test((e as Error).message) && /4 rows/.test((e as Error).message),
    );
    assert.throws(() => createSampleBatch({ obs: new Float32Array(5), rewards: new Float32Array(2) }, { obs: 2 }), isColumnError('obs'));
  });

  test('widths for unknown columns, bad widths and non-typed-array columns are errors naming the column', () => {
    assert.throws(() => createSampleBatch({ rewards: new Float32Array(2) }, { obs: 2 }), isColumnError('obs'));
    assert.throws(() => createSampleBatch({ obs: new Float32Array(2) }, { obs: 0 }), isColumnError('obs'));
    assert.throws(() => createSampleBatch({ obs: new Float32Array(2) }, { obs: 1.5 }), isColumnError('obs'));
    const bad = { rewards: [1, 2] } as unknown as Record<string, Float32Array>;
    assert.throws(() => createSampleBatch(bad), isColumnError('rewards'));
    const i16 = { actions: new Int16Array(2) } as unknown as Record<string, Float32Array>;
    assert.throws(() => createSampleBatch(i16), isColumnError('actions'));
  });

  test('a batch is plain data: it survives structured clone', () => {
    const b = rows(3);
    const c = structuredClone(b);
    assert.deepEqual(c, b);
    assert.ok(c.columns.actions instanceof Int32Array);
    assert.deepEqual(ids(c), [0, 1, 2]);
  });
});

describe('column and withColumns', () => {
  test('column returns the array or throws naming the missing column', () => {
    const b = rows(2);
    assert.equal(column(b, 'rewards'), b.columns.rewards);
    assert.throws(() => column(b, 'advantages'), isColumnError('advantages'));
  });

  test('withColumns adds and replaces columns without changing the input', () => {
    const b = rows(2);
    const adv = Float32Array.from([1, -1]);
    const c = withColumns(b, { advantages: adv, obs: Float32Array.from([1, 2, 3, 4, 5, 6]) }, { obs: 3 });
    assert.equal(c.count, 2);
    assert.equal(c.columns.advantages, adv);
    assert.equal(c.widths.obs, 3);
    assert.equal(b.columns.advantages, undefined);
    assert.equal(b.widths.obs, 2);
    assert.throws(() => withColumns(b, { advantages: new Float32Array(3) }), isColumnError('advantages'));
    assert.equal(withColumns(emptyBatch(), { x: new Float32Array(4) }).count, 4);
  });
});

describe('concatSamples', () => {
  test('concatenates rows of every column, widths kept', () => {
    const c = concatSamples([rows(2), rows(3, 2)]);
    assert.equal(c.count, 5);
    assert.deepEqual(c.widths, { obs: 2 });
    assert.deepEqual(ids(c), [0, 1, 2, 3, 4]);
    assert.deepEqual([...c.columns.obs!], [0, 0, 1, 10, 2, 20, 3, 30, 4, 40]);
    assert.ok(c.columns.actions instanceof Int32Array);
  });

  test('the result shares no memory with the inputs', () => {
    const a = rows(2);
    const c = concatSamples([a]);
    (c.columns.rewards as Float32Array)[0] = 99;
    assert.equal(a.columns.rewards![0], 0);
  });

  test('empty batches are skipped; no batches gives an empty batch', () => {
    assert.deepEqual(concatSamples([]), emptyBatch());
    const c = concatSamples([emptyBatch(), rows(2), slice(rows(2), 0, 0)]);
    assert.deepEqual(ids(c), [0, 1]);
  });

  test('a missing or extra column is an error naming it', () => {
    const a = rows(2);
    const b = createSampleBatch({ obs: new Float32Array(4), actions: new Int32Array(2), terminateds: new Uint8Array(2) }, { obs: 2 });
    assert.throws(
      () => concatSamples([a, b]),
      (e: unknown) => isColumnError('rewards')(e) && /batch 1 has no column 'rewards'/.test((e as Error).message),
    );
    assert.throws(() => concatSamples([b, a]), isColumnError('rewards'));
  });

  test('a column of another type or width is an error naming it', () => {
    const a = rows(2);
    const f64 = withColumns(rows(2), { rewards: new Float64Array(2) });
    assert.throws(() => concatSamples([a, f64]), isColumnError('rewards'));
    const wide = withColumns(rows(2), { obs: new Float32Array(6) }, { obs: 3 });
    assert.throws(() => concatSamples([a, wide]), isColumnError('obs'));
  });

  test('multi-agent batches concatenate per policy and sum their env-step counts', () => {
    const m1 = createMultiAgentBatch({ p: rows(2), q: rows(1, 100) }, 2);
    const m2 = createMultiAgentBatch({ p: rows(1, 2) }, 3);
    const c = concatSamples([m1, m2]);
    assert.equal(c.kind, 'multi-agent');
    assert.equal(c.count, 5);
    assert.deepEqual(ids(c.policyBatches.p!), [0, 1, 2]);
    assert.deepEqual(ids(c.policyBatches.q!), [100]);
    assert.equal(agentSteps(c), 4);
  });

  test('mismatched columns inside a policy name the policy and the column; plain and multi-agent do not mix', () => {
    const m1 = createMultiAgentBatch({ p: rows(2) });
    const m2 = createMultiAgentBatch({ p: createSampleBatch({ rewards: new Float32Array(1) }) });
    assert.throws(() => concatSamples([m1, m2]), (e: unknown) => e instanceof SampleBatchError && /policy 'p'/.test(e.message) && e.column !== undefined);
    assert.throws(() => concatSamples([rows(1), m1] as Array<SampleBatch | MultiAgentBatch>), SampleBatchError);
  });
});

describe('slice and selectRows', () => {
  test('slice copies rows start..end-1 (no view of the input buffer)', () => {
    const s = slice(rows(5), 1, 4);
    assert.equal(s.count, 3);
    assert.deepEqual(ids(s), [1, 2, 3]);
    assert.deepEqual(s.widths, { obs: 2 });
    // A copy, not a subarray: structured clone would otherwise ship the whole parent buffer.
    assert.equal(s.columns.obs!.buffer.byteLength, 3 * 2 * 4);
    assert.equal(slice(rows(5), 2, 2).count, 0);
  });

  test('out-of-range slices are errors', () => {
    const b = rows(3);
    assert.throws(() => slice(b, -1, 2), SampleBatchError);
    assert.throws(() => slice(b, 2, 1), SampleBatchError);
    assert.throws(() => slice(b, 0, 4), SampleBatchError);
    assert.throws(() => slice(b, 0.5, 2), SampleBatchError);
  });

  test('selectRows takes rows in the given order, repeats allowed', () => {
    const s = selectRows(rows(4), [3, 0, 3]);
    assert.deepEqual(ids(s), [3, 0, 3]);
    assert.throws(() => selectRows(rows(4), [4]), SampleBatchError);
    assert.throws(() => selectRows(rows(4), [-1]), SampleBatchError);
  });
});

describe('shuffle and minibatches', () => {
  test('Fisher–Yates: with random() = 0 every step swaps with position 0', () => {
    // i = 3: swap(3, 0) → [3,1,2,0]; i = 2: swap(2, 0) → [2,1,3,0]; i = 1: swap(1, 0) → [1,2,3,0]
    assert.deepEqual([...permutation(4, () => 0)], [1, 2, 3, 0]);
    // random() just below 1 picks j = i every time: the identity.
    assert.deepEqual([...permutation(4, () => 0.999999)], [0, 1, 2, 3]);
    assert.deepEqual(ids(shuffle(rows(4), () => 0)), [1, 2, 3, 0]);
  });

  test('shuffle is seeded: the same seed gives the same order, rows stay whole, the input is unchanged', () => {
    const b = rows(50);
    const s1 = shuffle(b, createRng(7));
    const s2 = shuffle(b, createRng(7));
    const s3 = shuffle(b, createRng(8));
    assert.deepEqual(ids(s1), ids(s2));
    assert.notDeepEqual(ids(s1), ids(s3));
    assert.notDeepEqual(ids(s1), ids(b));
    assert.deepEqual([...ids(s1)].sort((x, y) => x - y), ids(b));
    assert.deepEqual(ids(b), Array.from({ length: 50 }, (_, i) => i));
  });

  test('minibatches: consecutive chunks of one shuffle, the last partial one kept (RLlib do_minibatch_sgd)', () => {
    const b = rows(10);
    const mbs = minibatches(b, 4, createRng(3));
    assert.deepEqual(
      mbs.map((m) => m.count),
      [4, 4, 2],
    );
    const seen = mbs.flatMap(ids);
    assert.deepEqual([...seen].sort((x, y) => x - y), ids(b), 'every row exactly once');
    assert.deepEqual(seen, ids(shuffle(b, createRng(3))), 'the chunks of the same permutation shuffle() draws');
    assert.deepEqual(minibatches(b, 4, createRng(3)).map(ids), mbs.map(ids), 'deterministic for a seed');
  });

  test('minibatches: size ≥ count gives one shuffled batch; empty gives none; bad sizes are errors', () => {
    const one = minibatches(rows(5), 8, () => 0);
    assert.equal(one.length, 1);
    assert.deepEqual(ids(one[0]!), [1, 2, 3, 4, 0]);
    assert.deepEqual(minibatches(emptyBatch(), 4, () => 0), []);
    assert.throws(() => minibatches(rows(5), 0, () => 0), SampleBatchError);
    assert.throws(() => minibatches(rows(5), 2.5, () => 0), SampleBatchError);
    assert.deepEqual(minibatches(rows(6), 2, createRng(1)).map((m) => m.count), [2, 2, 2]);
  });
});

describe('standardizeFields', () => {
  test('(x − mean) / std with the population std', () => {
    const b = withColumns(rows(4), { advantages: Float32Array.from([1, 2, 3, 4]) });
    const s = standardizeFields(b, [SB.ADVANTAGES]);
    // mean 2.5; variance (2.25 + 0.25 + 0.25 + 2.25) / 4 = 1.25; std = 1.1180339887
    const std = Math.sqrt(1.25);
    const expected = [-1.5 / std, -0.5 / std, 0.5 / std, 1.5 / std];
    const got = s.columns.advantages as Float32Array;
    assert.ok(got instanceof Float32Array);
    expected.forEach((e, i) => assert.ok(Math.abs((got[i] as number) - e) < 1e-6, `advantages[${i}]`));
    assert.deepEqual([...b.columns.advantages!], [1, 2, 3, 4], 'input unchanged');
    assert.equal(s.columns.rewards, b.columns.rewards, 'other columns shared');
  });

  test('the std is floored at 1e-4', () => {
    const constant = createSampleBatch({ a: Float64Array.from([5, 5, 5]) });
    assert.deepEqual([...standardizeFields(constant, ['a']).columns.a!], [0, 0, 0]);
    const tiny = createSampleBatch({ a: Float64Array.from([0, 1e-5]) });
    // mean 5e-6, std 5e-6 < 1e-4 → (x − mean) / 1e-4 = ∓0.05
    const got = standardizeFields(tiny, ['a']).columns.a as Float64Array;
    assert.ok(got instanceof Float64Array);
    assert.ok(Math.abs((got[0] as number) + 0.05) < 1e-12 && Math.abs((got[1] as number) - 0.05) < 1e-12);
  });

  test('per policy for a multi-agent batch; a missing field is an error naming it', () => {
    const mab = createMultiAgentBatch({ p: createSampleBatch({ a: Float32Array.from([0, 2]) }), q: createSampleBatch({ a: Float32Array.from([10, 20, 30]) }) }, 3);
    const s = standardizeFields(mab, ['a']);
    assert.equal(s.count, 3);
    assert.deepEqual([...s.policyBatches.p!.columns.a!], [-1, 1]);
    const q = s.policyBatches.q!.columns.a!;
    const std = Math.sqrt(200 / 3);
    assert.ok(Math.abs((q[0] as number) + 10 / std) < 1e-6 && q[1] === 0 && Math.abs((q[2] as number) - 10 / std) < 1e-6);
    assert.throws(() => standardizeFields(rows(2), [SB.ADVANTAGES]), isColumnError(SB.ADVANTAGES));
  });
});

describe('MultiAgentBatch helpers', () => {
  test('asMultiAgent wraps a plain batch as default_policy; a multi-agent batch passes through', () => {
    const b = rows(3);
    const m = asMultiAgent(b);
    assert.deepEqual(m, { kind: 'multi-agent', policyBatches: { default_policy: b }, count: 3 });
    assert.equal(asMultiAgent(m), m);
    assert.equal(asMultiAgent(b, 'pi').policyBatches.pi, b);
  });

  test('selectPolicies keeps the listed policies and the env-step count; a plain batch passes through', () => {
    const m = createMultiAgentBatch({ a: rows(2), b: rows(3), c: rows(1) }, 3);
    const s = selectPolicies(m, ['a', 'c', 'zzz']);
    assert.deepEqual(Object.keys(s.policyBatches), ['a', 'c']);
    assert.equal(s.count, 3);
    assert.equal(agentSteps(s), 3);
    const b = rows(2);
    assert.equal(selectPolicies(b, ['a']), b);
  });

  test('agentSteps sums policy rows; count is env steps', () => {
    const m = createMultiAgentBatch({ a: rows(4), b: rows(4) }, 4);
    assert.equal(m.count, 4);
    assert.equal(agentSteps(m), 8);
    assert.equal(agentSteps(rows(5)), 5);
    assert.equal(createMultiAgentBatch({ a: rows(2), b: rows(5) }).count, 5, 'count defaults to the largest policy batch');
    assert.throws(() => createMultiAgentBatch({}, -1), SampleBatchError);
  });
});
