/**
 * V-trace against hand-computed values from Espeholt et al. (2018), eq. (1) and the policy-gradient
 * advantage of §4.2, worked out in the comments; then against the paper's closed (sum) form on random
 * batches, and the on-policy case, where V-trace's targets are the n-step returns GAE(λ = 1) gives.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SB, SampleBatchError, concatSamples, createSampleBatch, postprocessAdvantages, segmentEnds, type SampleBatch } from '../../../src/rl/data/index.js';
import { vtrace } from '../../../src/rl/data/vtrace.js';
import { createRng } from '../../../src/rng/index.js';
import { approx } from '../../fixtures/approx.js';

interface Rows {
  rewards: number[];
  behaviourLogp?: number[];
  term?: number[];
  trunc?: number[];
  boot?: number[];
  eps?: number[];
  vf?: number[];
}

function batchOf(r: Rows): SampleBatch {
  const n = r.rewards.length;
  const zeros = () => new Array<number>(n).fill(0);
  return createSampleBatch({
    [SB.REWARDS]: Float32Array.from(r.rewards),
    [SB.ACTION_LOGP]: Float32Array.from(r.behaviourLogp ?? zeros()),
    [SB.VF_PREDS]: Float32Array.from(r.vf ?? zeros()),
    [SB.TERMINATEDS]: Uint8Array.from(r.term ?? zeros()),
    [SB.TRUNCATEDS]: Uint8Array.from(r.trunc ?? zeros()),
    [SB.BOOTSTRAP_VALUE]: Float32Array.from(r.boot ?? zeros()),
    [SB.EPS_ID]: Int32Array.from(r.eps ?? zeros()),
  });
}

describe('vtrace: hand-computed values (γ = 0.9; rewards [1, 0, 2]; V [0.5, 1.0, 1.5]; π/μ = [2, 0.5, 1])', () => {
  const gamma = 0.9;
  const values = [0.5, 1.0, 1.5];
  // log π − log μ = [ln 2, ln 0.5, 0]: behaviour log-probs 0, target log-probs as below.
  const targetLogp = [Math.log(2), Math.log(0.5), 0];

  test('a fragment cut (bootstrap V = 2.0), ρ̄ = c̄ = 1', () => {
    const b = batchOf({ rewards: [1, 0, 2], boot: [0, 0, 2.0] });
    const out = vtrace(b, targetLogp, values, { gamma });
    // ρ = c = [1, 0.5, 1]
    // δ2 = 1·(2 + 0.9·2.0 − 1.5) = 2.3            vs2 = 1.5 + 2.3 = 3.8
    // δ1 = 0.5·(0 + 0.9·1.5 − 1.0) = 0.175         vs1 − V1 = 0.175 + 0.9·0.5·2.3 = 1.21 → vs1 = 2.21
    // δ0 = 1·(1 + 0.9·1.0 − 0.5) = 1.4             vs0 − V0 = 1.4 + 0.9·1·1.21 = 2.489 → vs0 = 2.989
    approx(out.vs, [2.989, 2.21, 3.8], 1e-6, 'vs');
    // A2 = 1·(2 + 0.9·2.0 − 1.5) = 2.3;  A1 = 0.5·(0 + 0.9·3.8 − 1.0) = 1.21;  A0 = 1·(1 + 0.9·2.21 − 0.5) = 2.489
    approx(out.pgAdvantages, [2.489, 1.21, 2.3], 1e-6, 'pgAdvantages');
    approx(out.ratios, [2, 0.5, 1], 1e-6, 'ratios');
  });

  test('a terminated episode does not bootstrap (the bootstrap column is ignored on a terminated row)', () => {
    const b = batchOf({ rewards: [1, 0, 2], term: [0, 0, 1], boot: [0, 0, 99] });
    const out = vtrace(b, targetLogp, values, { gamma });
    // δ2 = 2 − 1.5 = 0.5 → vs2 = 2.0;  δ1 = 0.175, vs1 − V1 = 0.175 + 0.9·0.5·0.5 = 0.4 → vs1 = 1.4
    // δ0 = 1.4, vs0 − V0 = 1.4 + 0.9·0.4 = 1.76 → vs0 = 2.26
    approx(out.vs, [2.26, 1.4, 2.0], 1e-6, 'vs');
    // A2 = 2 − 1.5 = 0.5;  A1 = 0.5·(0.9·2.0 − 1) = 0.4;  A0 = 1 + 0.9·1.4 − 0.5 = 1.76
    approx(out.pgAdvantages, [1.76, 0.4, 0.5], 1e-6, 'pgAdvantages');
  });

  test('a truncation bootstraps like a fragment cut', () => {
    const cut = vtrace(batchOf({ rewards: [1, 0, 2], boot: [0, 0, 2.0] }), targetLogp, values, { gamma });
    const truncated = vtrace(batchOf({ rewards: [1, 0, 2], trunc: [0, 0, 1], boot: [0, 0, 2.0] }), targetLogp, values, { gamma });
    approx(truncated.vs, cut.vs, 1e-7, 'vs');
    approx(truncated.pgAdvantages, cut.pgAdvantages, 1e-7, 'pgAdvantages');
  });

  test('ρ̄ = 2 lets the first TD error count twice; ρ̄_pg = 1 still clips the advantage', () => {
    const b = batchOf({ rewards: [1, 0, 2], boot: [0, 0, 2.0] });
    const out = vtrace(b, targetLogp, values, { gamma, rhoBar: 2 });
    // ρ0 = 2, c0 = 1: vs0 − V0 = 2·1.4 + 0.9·1·1.21 = 3.889 → vs0 = 4.389; rows 1 and 2 unchanged.
    approx(out.vs, [4.389, 2.21, 3.8], 1e-6, 'vs');
    approx(out.pgAdvantages, [2.489, 1.21, 2.3], 1e-6, 'pgAdvantages');
  });

  test('c̄ = 0.25 cuts the trace harder', () => {
    const b = batchOf({ rewards: [1, 0, 2], boot: [0, 0, 2.0] });
    const out = vtrace(b, targetLogp, values, { gamma, cBar: 0.25 });
    // c = [0.25, 0.25, 0.25]: vs1 − V1 = 0.175 + 0.9·0.25·2.3 = 0.6925 → vs1 = 1.6925
    // vs0 − V0 = 1.4 + 0.9·0.25·0.6925 = 1.5558125 → vs0 = 2.0558125
    approx(out.vs, [2.0558125, 1.6925, 3.8], 1e-6, 'vs');
    // A0 = 1 + 0.9·1.6925 − 0.5 = 2.02325
    approx(out.pgAdvantages, [2.02325, 0.5 * (0.9 * 3.8 - 1), 2.3], 1e-6, 'pgAdvantages');
  });

  test('segments end at an episode change: the first episode bootstraps from its own value', () => {
    // Two one-step episodes in one env copy; the first is cut by the episode change with boot 0.5.
    const b = batchOf({ rewards: [1, 2], eps: [0, 1], boot: [0.5, 3] });
    const out = vtrace(b, [0, 0], [0, 0], { gamma });
    approx(out.vs, [1 + 0.9 * 0.5, 2 + 0.9 * 3], 1e-6, 'vs');
  });
});

/** The paper's eq. (1) as a sum: vs_s = V_s + Σ_{t ≥ s} γ^(t−s) (Π_{i<t} c_i) δ_t, per segment. */
function vtraceBySum(b: SampleBatch, targetLogp: Float32Array, values: Float32Array, gamma: number, rhoBar: number, cBar: number): Float64Array {
  const n = b.count;
  const ends = segmentEnds(b);
  const rewards = b.columns[SB.REWARDS]!;
  const mu = b.columns[SB.ACTION_LOGP]!;
  const term = b.columns[SB.TERMINATEDS]!;
  const boot = b.columns[SB.BOOTSTRAP_VALUE]!;
  const out = new Float64Array(n);
  for (let s = 0; s < n; s++) {
    let sum = 0;
    let traces = 1;
    for (let t = s; t < n; t++) {
      const ratio = Math.exp(targetLogp[t]! - mu[t]!);
      const next = ends[t] ? (term[t] ? 0 : boot[t]!) : values[t + 1]!;
      const delta = Math.min(rhoBar, ratio) * (rewards[t]! + gamma * next - values[t]!);
      sum += gamma ** (t - s) * traces * delta;
      traces *= Math.min(cBar, ratio);
      if (ends[t]) break;
    }
    out[s] = values[s]! + sum;
  }
  return out;
}

function randomBatch(seed: number, n: number): { b: SampleBatch; targetLogp: Float32Array; values: Float32Array } {
  const rng = createRng(seed);
  const eps: number[] = [];
  let e = 0;
  for (let i = 0; i < n; i++) {
    if (rng() < 0.1) e++;
    eps.push(e);
  }
  const b = batchOf({
    rewards: Array.from({ length: n }, () => rng() * 2 - 0.5),
    behaviourLogp: Array.from({ length: n }, () => -rng() * 2),
    term: Array.from({ length: n }, () => (rng() < 0.08 ? 1 : 0)),
    trunc: Array.from({ length: n }, () => (rng() < 0.04 ? 1 : 0)),
    boot: Array.from({ length: n }, () => rng() * 3),
    eps,
  });
  return { b, targetLogp: Float32Array.from({ length: n }, () => -rng() * 2), values: Float32Array.from({ length: n }, () => rng() * 3) };
}

describe('vtrace: the recursive form equals the paper’s sum form', () => {
  for (const [rhoBar, cBar] of [
    [1, 1],
    [2, 0.5],
    [0.7, 1.3],
  ] as const) {
    test(`ρ̄ = ${rhoBar}, c̄ = ${cBar}, 5 random batches of 60 rows`, () => {
      for (let seed = 1; seed <= 5; seed++) {
        const { b, targetLogp, values } = randomBatch(seed, 60);
        const out = vtrace(b, targetLogp, values, { gamma: 0.95, rhoBar, cBar });
        approx(out.vs, vtraceBySum(b, targetLogp, values, 0.95, rhoBar, cBar), 1e-4, `vs (seed ${seed})`);
      }
    });
  }
});

describe('vtrace: on-policy it gives the n-step returns', () => {
  test('π = μ, ρ̄ = c̄ = 1: vs = GAE(λ = 1) value targets, and pg advantages = r + γ vs_{s+1} − V', () => {
    const { b, values } = randomBatch(7, 80);
    const onPolicy = createSampleBatch({ ...b.columns, [SB.VF_PREDS]: values });
    const logp = onPolicy.columns[SB.ACTION_LOGP] as Float32Array;
    const out = vtrace(onPolicy, logp, values, { gamma: 0.9 });
    const gae = postprocessAdvantages(onPolicy, { gamma: 0.9, lambda: 1 });
    approx(out.vs, gae.columns[SB.VALUE_TARGETS]!, 1e-4, 'vs');
  });

  test('works across concatenated fragments of several env copies', () => {
    const a = randomBatch(3, 20).b;
    const c = randomBatch(4, 20).b;
    const both = concatSamples([a, createSampleBatch({ ...c.columns, [SB.EPS_ID]: Int32Array.from(c.columns[SB.EPS_ID]!, (x) => x + 100) })]);
    const logp = new Float32Array(40);
    const values = Float32Array.from({ length: 40 }, (_, i) => i / 40);
    const joined = vtrace(both, logp, values, { gamma: 0.9 });
    const first = vtrace(a, logp.subarray(0, 20), values.subarray(0, 20), { gamma: 0.9 });
    approx(joined.vs.subarray(0, 20), first.vs, 1e-7, 'first fragment');
  });
});

describe('vtrace: bad input', () => {
  test('lengths and parameters are checked', () => {
    const b = batchOf({ rewards: [1, 2] });
    assert.throws(() => vtrace(b, [0], [0, 0], { gamma: 0.9 }), SampleBatchError);
    assert.throws(() => vtrace(b, [0, 0], [0], { gamma: 0.9 }), SampleBatchError);
    assert.throws(() => vtrace(b, [0, 0], [0, 0], { gamma: 1.5 }), SampleBatchError);
    assert.throws(() => vtrace(b, [0, 0], [0, 0], { gamma: 0.9, rhoBar: 0 }), SampleBatchError);
  });
});
