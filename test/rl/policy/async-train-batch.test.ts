/**
 * The batches IMPALA's and APPO's learners train on: with a policy whose log-probabilities and values
 * are given, the rewritten columns must be V-trace's outputs (IMPALA), and for APPO an "old log-prob"
 * that turns the PPO ratio exp(log π − old) into clip(μ/π_target, 0, 2)·π/μ, the target network's
 * distribution for the KL term, and V-trace under the target policy (or the workers' GAE columns).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SB, createSampleBatch, vtrace, type SampleBatch } from '../../../src/rl/data/index.js';
import { appoTrainBatch, impalaTrainBatch, type EvaluatingPolicy } from '../../../src/rl/policy/async-train-batch.js';

function fixedPolicy(logp: number[], values: number[], width = 2): EvaluatingPolicy & { calls: number } {
  const p = {
    calls: 0,
    evaluate(_obs: Float32Array, n: number) {
      p.calls++;
      assert.equal(n, logp.length);
      return { logp: Float32Array.from(logp), values: Float32Array.from(values), distInputs: Float32Array.from({ length: n * width }, (_, i) => i / 10) };
    },
  };
  return p;
}

function batch(): SampleBatch {
  return createSampleBatch(
    {
      [SB.OBS]: Float32Array.from([0, 1, 2, 3, 4, 5]),
      [SB.ACTIONS]: Int32Array.from([0, 1, 0]),
      [SB.REWARDS]: Float32Array.from([1, 0, 2]),
      [SB.ACTION_LOGP]: Float32Array.from([-1, -0.5, -2]),
      [SB.ACTION_DIST_INPUTS]: new Float32Array(6),
      [SB.TERMINATEDS]: Uint8Array.from([0, 0, 1]),
      [SB.BOOTSTRAP_VALUE]: new Float32Array(3),
      [SB.ADVANTAGES]: Float32Array.from([7, 8, 9]),
      [SB.VALUE_TARGETS]: Float32Array.from([4, 5, 6]),
    },
    { [SB.OBS]: 2, [SB.ACTION_DIST_INPUTS]: 2 },
  );
}

const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-5) => {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs((a[i] as number) - (b[i] as number)) <= tol, `[${i}] ${a[i]} vs ${b[i]}`);
};

describe('impalaTrainBatch', () => {
  test('advantages and value targets are V-trace under the learner’s current policy and values', () => {
    const b = batch();
    const policy = fixedPolicy([-0.5, -1, -2], [0.5, 1, 1.5]);
    const out = impalaTrainBatch(policy, b, { gamma: 0.9 });
    const expected = vtrace(b, [-0.5, -1, -2], [0.5, 1, 1.5], { gamma: 0.9 });
    close(out.columns[SB.ADVANTAGES]!, expected.pgAdvantages);
    close(out.columns[SB.VALUE_TARGETS]!, expected.vs);
    assert.notDeepEqual([...out.columns[SB.ADVANTAGES]!], [7, 8, 9]);
    close(out.columns[SB.ACTION_LOGP]!, b.columns[SB.ACTION_LOGP]!);
  });
});

describe('appoTrainBatch', () => {
  const mu = [-1, -0.5, -2];
  const targetLogp = [-1.5, -0.4, -0.5]; // μ/π_t = e^0.5 ≈ 1.65, e^-0.1, e^-1.5: none reaches the clip at 2
  const policyLogp = [-0.8, -0.6, -2.2];

  test('the PPO ratio exp(log π − old) equals clip(μ/π_target, 0, 2) · π/μ', () => {
    const out = appoTrainBatch(fixedPolicy(policyLogp, [0, 0, 0]), fixedPolicy(targetLogp, [9, 9, 9]), batch(), { gamma: 0.9, vtrace: true });
    const old = out.columns[SB.ACTION_LOGP]!;
    for (let i = 0; i < 3; i++) {
      const isRatio = Math.min(2, Math.exp(mu[i]! - targetLogp[i]!));
      const rho = isRatio * Math.exp(policyLogp[i]! - mu[i]!);
      assert.ok(Math.abs(Math.exp(policyLogp[i]! - old[i]!) - rho) < 1e-5, `row ${i}`);
    }
  });

  test('the importance weight is clipped at 2', () => {
    const out = appoTrainBatch(fixedPolicy(policyLogp, [0, 0, 0]), fixedPolicy([-5, -5, -5], [0, 0, 0]), batch(), { gamma: 0.9, vtrace: true });
    const old = out.columns[SB.ACTION_LOGP]!;
    for (let i = 0; i < 3; i++) assert.ok(Math.abs(Math.exp(policyLogp[i]! - old[i]!) - 2 * Math.exp(policyLogp[i]! - mu[i]!)) < 1e-4);
  });

  test('V-trace on: advantages and targets use the target network as the target policy and the learner’s values', () => {
    const b = batch();
    const out = appoTrainBatch(fixedPolicy(policyLogp, [0.5, 1, 1.5]), fixedPolicy(targetLogp, [9, 9, 9]), b, { gamma: 0.9, vtrace: true });
    const expected = vtrace(b, targetLogp, [0.5, 1, 1.5], { gamma: 0.9 });
    close(out.columns[SB.ADVANTAGES]!, expected.pgAdvantages);
    close(out.columns[SB.VALUE_TARGETS]!, expected.vs);
    // The KL term's old distribution is the target network's.
    close(out.columns[SB.ACTION_DIST_INPUTS]!, [0, 0.1, 0.2, 0.3, 0.4, 0.5]);
  });

  test('V-trace off: the workers’ GAE columns are kept; missing ones are an error', () => {
    const policy = fixedPolicy(policyLogp, [0, 0, 0]);
    const out = appoTrainBatch(policy, fixedPolicy(targetLogp, [0, 0, 0]), batch(), { gamma: 0.9, vtrace: false });
    close(out.columns[SB.ADVANTAGES]!, [7, 8, 9]);
    close(out.columns[SB.VALUE_TARGETS]!, [4, 5, 6]);
    assert.equal(policy.calls, 0, 'no pass of the trained policy is needed without V-trace');
    const b = batch();
    const { [SB.ADVANTAGES]: _a, ...rest } = b.columns;
    assert.throws(() => appoTrainBatch(policy, fixedPolicy(targetLogp, [0, 0, 0]), createSampleBatch(rest, b.widths), { gamma: 0.9, vtrace: false }), /GAE/);
  });
});
