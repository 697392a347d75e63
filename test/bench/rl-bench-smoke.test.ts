/**
 * Smoke tests of the RL benchmarks: `bench/sampling.ts` and `bench/ppo-iteration.ts` run end to end in
 * `--quick` mode (tiny workloads, farm processes started and closed) and print their tables. No timing
 * is asserted: only that every alternative was measured, that every number is finite and positive, and
 * that the benchmarks' own self-checks passed (the hand-written ceiling's folded forward matches tanh).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { main as sampling } from '../../bench/sampling.js';
import { main as ppoIteration } from '../../bench/ppo-iteration.js';
import { DummySampler, JsMlp } from '../../bench/fixtures-rl.js';
import { assertPositive, tableRows } from './smoke-helpers.js';
import { createRng } from '../../src/rng/index.js';



describe('bench sampling', () => {
  test('--quick measures the worker, the ceilings and 1 vs 2 farm samplers', async () => {
    const lines: string[] = [];
    const exitCode = process.exitCode;
    const r = await sampling(['--quick'], (line) => lines.push(line));
    const out = lines.join('\n');
    assert.match(out, /tfjs backend: /);
    assert.ok(r.worker && r.scaling, 'both parts ran');
    assert.deepEqual(
      r.worker.rows.map((row) => row.name),
      [
        'rlflow RolloutWorker.sample()',
        'hand-written, policy only (informational): policy forward, tanh folded into fused sigmoid',
        'hand-written same-work ceiling: policy + value forward, tanh folded into fused sigmoid',
        'rlflow computeActions + env.step only',
      ],
    );
    for (const row of r.worker.rows) assertPositive(row.stepsPerS, row.name);
    assertPositive(r.worker.ratioVsCeiling, 'worker / ceiling');
    assertPositive(r.worker.ratioVsSameWork, 'worker / same work');
    assertPositive(r.worker.ratioVsPolicyLoop, 'worker / policy loop');
    assert.ok(r.worker.foldError < 1e-4);
    assertPositive(r.scaling.one, '1 worker');
    assertPositive(r.scaling.two, '2 workers');
    assertPositive(r.scaling.ratio, '2 / 1');
    assert.equal(r.tables.length, 2);
    const rows = tableRows(out);
    assert.equal(rows.length, 2 + 4 + 2, `two headers, 4 worker rows, 2 scaling rows:\n${out}`);
    // The goal applies to the same-work row (policy + value forward, the worker's inference work).
    assert.match(out, /ratio worker \/ same-work ceiling \(.*\): .* \(goal ≥ 0\.7: (met|NOT met)\)/);
    assert.match(out, /ratio worker \/ policy-only ceiling \(informational.*\): /);
    assert.doesNotMatch(out, /policy-only ceiling.*goal/);
    assert.match(out, /ratio 2 workers \/ 1 worker: .* \(goal ≥ 1\.8: (met|NOT met)/);
    assert.equal(process.exitCode, exitCode, '--quick never fails the command');
  });

  test('--only selects parts and rejects unknown ones', async () => {
    await assert.rejects(sampling(['--quick', '--only', 'nope'], () => undefined), /unknown part 'nope'/);
    await assert.rejects(sampling(['--bogus'], () => undefined), /unknown option --bogus/);
  });
});

describe('bench ppo-iteration', () => {
  test('--quick runs the plan on both backends and the hand-written loop', async () => {
    const lines: string[] = [];
    const exitCode = process.exitCode;
    const r = await ppoIteration(['--quick'], (line) => lines.push(line));
    const out = lines.join('\n');
    for (const [s, what] of [
      [r.local, 'local'],
      [r.farm, 'farm'],
      [r.handWritten, 'hand-written'],
      [r.localRatio, 'local ratio'],
      [r.farmRatio, 'farm ratio'],
    ] as const) {
      assertPositive(s, what);
      assert.equal(s.values.length, 2, 'two reps in --quick mode');
    }
    const rows = tableRows(out);
    assert.equal(rows.length, 4, `header and three rows:\n${out}`);
    assert.deepEqual(
      rows.slice(1).map((row) => row[0]),
      ['plan, local backend', 'plan, farm backend (worker and learner processes)', 'hand-written loop, same env and policy classes'],
    );
    if (process.platform === 'linux') {
      // Per-process CPU of the farm run (/proc): the driver and both actors' processes, every iteration.
      assert.deepEqual(Object.keys(r.farmCpuMs).sort(), ['driver', 'learner[0]', 'workers[0]']);
      for (const [name, s] of Object.entries(r.farmCpuMs)) {
        assert.equal(s.values.length, 2, name);
        assert.ok(s.values.every((v) => Number.isFinite(v) && v >= 0), `${name}: ${s.values}`);
      }
      assert.match(out, /CPU ms per farm iteration \(median, from \/proc\): driver \d+, /);
    }
    assert.equal(process.exitCode, exitCode, '--quick never fails the command');
  });
});

describe('bench fixtures-rl', () => {
  test('DummySampler samples a well-formed CartPole fragment', () => {
    const ctx = { group: 's', index: 0, ref: { group: 's', index: 0 }, seed: 3, rootSeed: 1, device: 'cpu' as const, vectorBatch: undefined, random: createRng(3), now: () => 0, delay: async () => undefined };
    const sampler = new DummySampler.ctor(ctx, { numEnvs: 3, fragmentLength: 40, hidden: [8] });
    const b = sampler.sample();
    assert.equal(b.count, 120);
    assert.equal(b.widths['obs'], 4);
    const { actions, rewards, actionLogp } = b.columns as Record<string, Float32Array | Int32Array>;
    for (let i = 0; i < b.count; i++) {
      assert.ok(actions![i] === 0 || actions![i] === 1);
      assert.equal(rewards![i], 1);
      assert.ok(actionLogp![i]! < 0 && actionLogp![i]! > -20);
    }
  });

  test('JsMlp is a tanh MLP: a hand-computed 1-2-1 forward', () => {
    const mlp = new JsMlp([1, 2, 1], 5);
    // Read the seeded weights back through unit inputs: f(x) = w2 · tanh(x · w1) with zero biases.
    const w = (mlp as unknown as { weights: Float32Array[] }).weights;
    const x = new Float32Array([0.5, -2]);
    const y = mlp.forward(x, 2);
    for (let s = 0; s < 2; s++) {
      const expected = w[1]![0]! * Math.tanh(x[s]! * w[0]![0]!) + w[1]![1]! * Math.tanh(x[s]! * w[0]![1]!);
      assert.ok(Math.abs(y[s]! - expected) < 1e-6, `row ${s}: ${y[s]} vs ${expected}`);
    }
  });
});
