/**
 * GAE and discounted-return postprocessing against hand-computed values: segments end at terminated,
 * truncated, an epsId or envId change, or the batch's end; a segment's last row bootstraps from
 * `bootstrapValue` unless terminated. The expected numbers below are worked out by hand in the comments,
 * or by small independent loops in this file.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  SB,
  SampleBatchError,
  asMultiAgent,
  concatSamples,
  createSampleBatch,
  postprocessAdvantages,
  segmentEnds,
  type SampleBatch,
} from '../../../src/rl/data/index.js';
import { createRng } from '../../../src/rng/index.js';
import { approx } from '../../fixtures/approx.js';

interface Rows {
  rewards: number[];
  vf: number[];
  term?: number[];
  trunc?: number[];
  boot?: number[];
  eps?: number[];
  env?: number[];
}

function batchOf(r: Rows): SampleBatch {
  const n = r.rewards.length;
  return createSampleBatch({
    [SB.REWARDS]: Float32Array.from(r.rewards),
    [SB.VF_PREDS]: Float32Array.from(r.vf),
    [SB.TERMINATEDS]: Uint8Array.from(r.term ?? new Array<number>(n).fill(0)),
    [SB.TRUNCATEDS]: Uint8Array.from(r.trunc ?? new Array<number>(n).fill(0)),
    [SB.BOOTSTRAP_VALUE]: Float32Array.from(r.boot ?? new Array<number>(n).fill(0)),
    [SB.EPS_ID]: Int32Array.from(r.eps ?? new Array<number>(n).fill(0)),
    [SB.ENV_ID]: Int32Array.from(r.env ?? new Array<number>(n).fill(0)),
  });
}

const adv = (b: SampleBatch) => b.columns[SB.ADVANTAGES] as Float32Array;
const vt = (b: SampleBatch) => b.columns[SB.VALUE_TARGETS] as Float32Array;

describe('postprocessAdvantages (GAE)', () => {
  // γ = 0.9, λ = 0.8 → γλ = 0.72. rewards [1, 2, 3], V [0.5, 1.0, 1.5].
  const gamma = 0.9;
  const lambda = 0.8;

  test('a 3-step terminated episode: no bootstrap (the bootstrap column is ignored on a terminated row)', () => {
    const b = batchOf({ rewards: [1, 2, 3], vf: [0.5, 1.0, 1.5], term: [0, 0, 1], boot: [0, 0, 99] });
    const out = postprocessAdvantages(b, { gamma, lambda });
    // δ2 = 3 + 0 − 1.5 = 1.5;  δ1 = 2 + 0.9·1.5 − 1 = 2.35;  δ0 = 1 + 0.9·1 − 0.5 = 1.4
    // A2 = 1.5;  A1 = 2.35 + 0.72·1.5 = 3.43;  A0 = 1.4 + 0.72·3.43 = 3.8696
    approx(adv(out), [3.8696, 3.43, 1.5], 1e-6, 'advantages');
    // valueTargets = A + V
    approx(vt(out), [4.3696, 4.43, 3.0], 1e-6, 'valueTargets');
    assert.ok(adv(out) instanceof Float32Array && vt(out) instanceof Float32Array);
  });

  test('a truncated episode bootstraps from V(final observation) on its last row', () => {
    const b = batchOf({ rewards: [1, 2, 3], vf: [0.5, 1.0, 1.5], trunc: [0, 0, 1], boot: [0, 0, 2.0] });
    const out = postprocessAdvantages(b, { gamma, lambda });
    // δ2 = 3 + 0.9·2 − 1.5 = 3.3;  A1 = 2.35 + 0.72·3.3 = 4.726;  A0 = 1.4 + 0.72·4.726 = 4.80272
    approx(adv(out), [4.80272, 4.726, 3.3], 1e-6, 'advantages');
    approx(vt(out), [5.30272, 5.726, 4.8], 1e-6, 'valueTargets');
  });

  test('a fragment cut mid-episode bootstraps like a truncation; an episode that ended inside it does not', () => {
    // Episode 7: rows 0–1, terminated at row 1. Episode 8: rows 2–3, cut by the fragment's end (V(s4) = 1).
    const b = batchOf({ rewards: [1, 1, 1, 1], vf: [0.5, 0.4, 0.3, 0.2], term: [0, 1, 0, 0], boot: [0, 0, 0, 1.0], eps: [7, 7, 8, 8] });
    assert.deepEqual([...segmentEnds(b)], [0, 1, 0, 1]);
    const out = postprocessAdvantages(b, { gamma: 0.5, lambda: 1 });
    // γλ = 0.5. Episode 7: δ1 = 1 − 0.4 = 0.6, δ0 = 1 + 0.5·0.4 − 0.5 = 0.7 → A = [1.0, 0.6]
    // Episode 8: δ3 = 1 + 0.5·1 − 0.2 = 1.3, δ2 = 1 + 0.5·0.2 − 0.3 = 0.8 → A = [1.45, 1.3]
    approx(adv(out), [1.0, 0.6, 1.45, 1.3], 1e-6, 'advantages');
    approx(vt(out), [1.5, 1.0, 1.75, 1.5], 1e-6, 'valueTargets');
  });

  test('an epsId change alone ends a segment: GAE over concatenated fragments equals GAE over each', () => {
    const a = batchOf({ rewards: [1, 0, 2], vf: [0.1, 0.2, 0.3], boot: [0, 0, 0.7], eps: [1_000_000, 1_000_000, 1_000_000] });
    const c = batchOf({ rewards: [0.5, 1.5], vf: [0.4, -0.1], boot: [0, -0.2], eps: [2_000_000, 2_000_000] });
    const opts = { gamma: 0.95, lambda: 0.9 };
    const whole = postprocessAdvantages(concatSamples([a, c]), opts);
    const parts = concatSamples([postprocessAdvantages(a, opts), postprocessAdvantages(c, opts)]);
    assert.deepEqual(adv(whole), adv(parts));
    assert.deepEqual(vt(whole), vt(parts));
    assert.deepEqual([...segmentEnds(concatSamples([a, c]))], [0, 0, 1, 0, 1]);
  });

  test('two env copies in one fragment (rows grouped by envId) are separate segments', () => {
    // No epsId column: only envId separates the copies. Both cut mid-episode.
    const b = createSampleBatch({
      [SB.REWARDS]: Float32Array.from([1, 2, 10, 20]),
      [SB.VF_PREDS]: Float32Array.from([1, 1, 5, 5]),
      [SB.TERMINATEDS]: new Uint8Array(4),
      [SB.BOOTSTRAP_VALUE]: Float32Array.from([0, 3, 0, 4]),
      [SB.ENV_ID]: Int32Array.from([0, 0, 1, 1]),
    });
    assert.deepEqual([...segmentEnds(b)], [0, 1, 0, 1]);
    const out = postprocessAdvantages(b, { gamma: 0.5, lambda: 0.5 });
    // γλ = 0.25. Env 0: δ1 = 2 + 0.5·3 − 1 = 2.5, δ0 = 1 + 0.5·1 − 1 = 0.5 → A = [0.5 + 0.25·2.5, 2.5] = [1.125, 2.5]
    // Env 1: δ3 = 20 + 0.5·4 − 5 = 17, δ2 = 10 + 0.5·5 − 5 = 7.5 → A = [7.5 + 0.25·17, 17] = [11.75, 17]
    // Had env 1's first row been treated as env 0's successor, A1 would use V = 5 instead of the bootstrap 3.
    approx(adv(out), [1.125, 2.5, 11.75, 17], 1e-6, 'advantages');
    approx(vt(out), [2.125, 3.5, 16.75, 22], 1e-6, 'valueTargets');
  });

  // A longer fragment with every kind of segment end, for the λ identities.
  function mixed(): SampleBatch {
    const rng = createRng(42);
    const n = 40;
    const rows: Rows = { rewards: [], vf: [], term: [], trunc: [], boot: [], eps: [], env: [] };
    let eps = 0;
    for (let i = 0; i < n; i++) {
      const env = i < 20 ? 0 : 1;
      if (i === 20) eps++;
      rows.rewards.push(Math.round(rng() * 20 - 10) / 4);
      rows.vf.push(Math.round(rng() * 20 - 10) / 8);
      const term = i === 6 || i === 25 ? 1 : 0;
      const trunc = i === 13 ? 1 : 0;
      const last = i === 19 || i === n - 1;
      rows.term!.push(term);
      rows.trunc!.push(trunc);
      rows.boot!.push(trunc || last ? Math.round(rng() * 8) / 4 : 0);
      rows.eps!.push(eps);
      rows.env!.push(env);
      if (term || trunc) eps++;
    }
    return batchOf(rows);
  }

  /** Independent reference: bootstrapped discounted returns computed per episode from explicit segment lists. */
  function referenceReturns(b: SampleBatch, gamma: number): number[] {
    const r = b.columns[SB.REWARDS]!;
    const term = b.columns[SB.TERMINATEDS]!;
    const boot = b.columns[SB.BOOTSTRAP_VALUE]!;
    const eps = b.columns[SB.EPS_ID]!;
    const env = b.columns[SB.ENV_ID]!;
    const out = new Array<number>(b.count).fill(0);
    let start = 0;
    for (let i = 0; i < b.count; i++) {
      const end = i === b.count - 1 || eps[i + 1] !== eps[i] || env[i + 1] !== env[i];
      if (!end) continue;
      let g = term[i] ? 0 : (boot[i] as number);
      for (let k = i; k >= start; k--) {
        g = (r[k] as number) + gamma * g;
        out[k] = g;
      }
      start = i + 1;
    }
    return out;
  }

  test('λ = 1: advantages are the bootstrapped discounted returns minus the values', () => {
    const b = mixed();
    const gamma = 0.9;
    const returns = referenceReturns(b, gamma);
    const vf = b.columns[SB.VF_PREDS]!;
    const out = postprocessAdvantages(b, { gamma, lambda: 1 });
    approx(adv(out), returns.map((g, i) => g - (vf[i] as number)), 1e-5, 'advantages');
    approx(vt(out), returns, 1e-5, 'valueTargets');
  });

  test('λ = 0: advantages are the one-step TD errors r + γV(next) − V', () => {
    const b = mixed();
    const gamma = 0.9;
    const r = b.columns[SB.REWARDS]!;
    const vf = b.columns[SB.VF_PREDS]!;
    const term = b.columns[SB.TERMINATEDS]!;
    const trunc = b.columns[SB.TRUNCATEDS]!;
    const boot = b.columns[SB.BOOTSTRAP_VALUE]!;
    const eps = b.columns[SB.EPS_ID]!;
    const env = b.columns[SB.ENV_ID]!;
    const td: number[] = [];
    for (let i = 0; i < b.count; i++) {
      const last = i === b.count - 1 || term[i] || trunc[i] || eps[i + 1] !== eps[i] || env[i + 1] !== env[i];
      const next = last ? (term[i] ? 0 : (boot[i] as number)) : (vf[i + 1] as number);
      td.push((r[i] as number) + gamma * next - (vf[i] as number));
    }
    const out = postprocessAdvantages(b, { gamma, lambda: 0 });
    approx(adv(out), td, 1e-5, 'advantages');
  });

  test('without GAE: bootstrapped discounted returns; advantages = returns − V with a critic', () => {
    const b = batchOf({ rewards: [1, 2, 3], vf: [0.5, 1.0, 1.5], trunc: [0, 0, 1], boot: [0, 0, 2.0] });
    const out = postprocessAdvantages(b, { gamma: 0.9, lambda: 0.8, useGae: false });
    // R2 = 3 + 0.9·2 = 4.8; R1 = 2 + 0.9·4.8 = 6.32; R0 = 1 + 0.9·6.32 = 6.688
    approx(vt(out), [6.688, 6.32, 4.8], 1e-6, 'valueTargets');
    approx(adv(out), [6.188, 5.32, 3.3], 1e-6, 'advantages');
    const b2 = mixed();
    const out2 = postprocessAdvantages(b2, { gamma: 0.9, lambda: 0.3, useGae: false });
    approx(vt(out2), referenceReturns(b2, 0.9), 1e-5, 'returns of the mixed fragment');
  });

  test('without a critic (PG): plain discounted returns, never bootstrapped, valueTargets zero', () => {
    // No vfPreds column at all; the bootstrap value (if any) is ignored: there is no critic behind it.
    const b = createSampleBatch({
      [SB.REWARDS]: Float32Array.from([1, 2, 3, 4]),
      [SB.TERMINATEDS]: Uint8Array.from([0, 1, 0, 0]),
      [SB.BOOTSTRAP_VALUE]: Float32Array.from([0, 0, 0, 10]),
      [SB.EPS_ID]: Int32Array.from([0, 0, 1, 1]),
    });
    const out = postprocessAdvantages(b, { gamma: 0.5, lambda: 1, useGae: false, useCritic: false });
    // Episode 0: R1 = 2, R0 = 1 + 0.5·2 = 2. Episode 1 (cut): R3 = 4, R2 = 3 + 0.5·4 = 5.
    approx(adv(out), [2, 2, 5, 4], 0, 'advantages');
    approx(vt(out), [0, 0, 0, 0], 0, 'valueTargets');
  });

  test('the input batch is not changed; other columns are carried over', () => {
    const b = batchOf({ rewards: [1, 2, 3], vf: [0.5, 1.0, 1.5], term: [0, 0, 1] });
    const before = structuredClone(b);
    const out = postprocessAdvantages(b, { gamma, lambda });
    assert.deepEqual(b, before);
    assert.equal(b.columns[SB.ADVANTAGES], undefined);
    assert.equal(out.count, 3);
    assert.equal(out.columns[SB.REWARDS], b.columns[SB.REWARDS]);
  });

  test('a multi-agent batch is postprocessed per policy', () => {
    const p = batchOf({ rewards: [1, 2, 3], vf: [0.5, 1.0, 1.5], term: [0, 0, 1] });
    const q = batchOf({ rewards: [1, 2, 3], vf: [0.5, 1.0, 1.5], trunc: [0, 0, 1], boot: [0, 0, 2] });
    const mab = { kind: 'multi-agent' as const, policyBatches: { p, q }, count: 3 };
    const out = postprocessAdvantages(mab, { gamma, lambda });
    assert.equal(out.count, 3);
    approx(adv(out.policyBatches.p!), [3.8696, 3.43, 1.5], 1e-6);
    approx(adv(out.policyBatches.q!), [4.80272, 4.726, 3.3], 1e-6);
    assert.deepEqual(adv(postprocessAdvantages(asMultiAgent(p), { gamma, lambda }).policyBatches.default_policy!), adv(out.policyBatches.p!));
  });

  test('errors: GAE without a critic, missing columns, bad γ/λ', () => {
    const b = batchOf({ rewards: [1], vf: [0] });
    assert.throws(() => postprocessAdvantages(b, { gamma: 0.9, lambda: 1, useCritic: false }), SampleBatchError);
    const noVf = createSampleBatch({ [SB.REWARDS]: new Float32Array(2), [SB.BOOTSTRAP_VALUE]: new Float32Array(2) });
    assert.throws(() => postprocessAdvantages(noVf, { gamma: 0.9, lambda: 1 }), (e: unknown) => e instanceof SampleBatchError && e.column === SB.VF_PREDS);
    const noBoot = createSampleBatch({ [SB.REWARDS]: new Float32Array(2), [SB.VF_PREDS]: new Float32Array(2) });
    assert.throws(() => postprocessAdvantages(noBoot, { gamma: 0.9, lambda: 1 }), (e: unknown) => e instanceof SampleBatchError && e.column === SB.BOOTSTRAP_VALUE);
    assert.throws(() => postprocessAdvantages(b, { gamma: 1.5, lambda: 1 }), SampleBatchError);
    assert.throws(() => postprocessAdvantages(b, { gamma: 0.9, lambda: -0.1 }), SampleBatchError);
    assert.throws(() => postprocessAdvantages(b, { gamma: Number.NaN, lambda: 1 }), SampleBatchError);
  });

  test('an empty batch gets empty columns', () => {
    const out = postprocessAdvantages(batchOf({ rewards: [], vf: [] }), { gamma, lambda });
    assert.equal(out.count, 0);
    assert.equal(adv(out).length, 0);
  });
});
