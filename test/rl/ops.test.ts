/**
 * The RL operators (src/rl/ops) against hand-computed values and, through plans on the deterministic
 * local backend, against fake rollout workers (test/fixtures/fake-workers.ts: real SampleBatches, no
 * TF.js) that log what their mailboxes ran. Spec: rllib-reference.md §2.1, §2.2, §2.5, §5.
 */
import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import { compile } from '../../src/dsl/compile.js';
import type { Stream } from '../../src/dsl/stream.js';
import type { StageContext, StageDef } from '../../src/ir/contract.js';
import type { BoundStage } from '../../src/dsl/define.js';
import { PlanError, RlflowError } from '../../src/ir/errors.js';
import { createMultiAgentBatch, createSampleBatch, type MultiAgentBatch, type SampleBatch } from '../../src/rl/data/index.js';
import {
  applyGradients,
  asyncGradients,
  averageGradients,
  computeGradients,
  concatBatches,
  globalVars,
  countSampledSteps,
  parallelRollouts,
  selectExperiences,
  standardizeFields,
  standardMetricsReporting,
  trainOneStep,
  updateKL,
  type ResultDict,
  type TrainResult,
} from '../../src/rl/ops/index.js';
import type { GradientsResult } from '../../src/rl/worker-api.js';
import { MetricsContext } from '../../src/runtime/metrics.js';
import { run, type BackendName, type Runtime } from '../../src/runtime/runtime.js';
import { FAKE, fakeWorkers, rowCount, type FakeEvent } from '../fixtures/fake-workers.js';

/** The function a data-only stage runs (what the runtime builds from its definition and arguments). */
function fnOf<F>(stage: BoundStage<F> | StageDef<F, []>): F {
  return 'def' in stage ? (stage.def.make as (...a: unknown[]) => F)(...stage.args) : stage.make();
}

/** A driver stage context with real metrics, for calling stage functions directly. */
function stageContext(metrics = new MetricsContext()): StageContext {
  return { metrics } as unknown as StageContext;
}

function batchOf(rows: number, start = 0): SampleBatch {
  return createSampleBatch({ x: Float32Array.from({ length: rows }, (_, i) => start + i), obs: new Float32Array(2 * rows) }, { obs: 2 });
}

async function withPlan<T, R>(stream: Stream<T>, body: (rt: Runtime<T>) => Promise<R>, backend: BackendName = 'local'): Promise<R> {
  const plan = await compile(stream, { name: 'ops-test' });
  const rt = await run(plan, { backend, seed: 3 });
  try {
    return await body(rt);
  } finally {
    await rt.close();
  }
}

async function logOf(rt: Runtime<unknown>, group: string, index: number): Promise<FakeEvent[]> {
  return (await rt.backend.call({ group, index }, 'getLog', [])) as FakeEvent[];
}

const ints = (c: ArrayLike<number> | undefined): number[] => Array.from(c ?? []);

describe('concatBatches', () => {
  test('buffers until the minimum size, then emits the concatenation (overshoot allowed)', () => {
    const ctx = stageContext();
    const concat = fnOf(concatBatches(10));
    assert.deepEqual(concat(batchOf(4, 0), ctx), []);
    assert.deepEqual(concat(batchOf(4, 4), ctx), []);
    const [out] = concat(batchOf(4, 8), ctx);
    assert.equal(out!.count, 12, 'overshoots by up to one incoming batch');
    assert.deepEqual(ints((out as SampleBatch).columns['x']), Array.from({ length: 12 }, (_, i) => i));
    // The buffer is cleared: the next emission starts from scratch.
    assert.deepEqual(concat(batchOf(6), ctx), []);
    assert.equal(concat(batchOf(6), ctx)[0]!.count, 12);
  });

  test('a batch at least the minimum size passes at once; empty batches are ignored', () => {
    const ctx = stageContext();
    const concat = fnOf(concatBatches(5));
    assert.equal(concat(batchOf(7), ctx)[0]!.count, 7);
    assert.deepEqual(concat(createSampleBatch({}), ctx), []);
    assert.deepEqual(concat(batchOf(0), ctx), []);
    assert.deepEqual(concat(batchOf(3), ctx), []);
    assert.equal(concat(batchOf(2), ctx)[0]!.count, 5, 'the empty batches added nothing to the buffer');
  });

  test("the 'sample' timer gets one sample per emitted batch, with its steps as units", () => {
    const metrics = new MetricsContext();
    const ctx = stageContext(metrics);
    const concat = fnOf(concatBatches(8));
    concat(batchOf(4), ctx);
    assert.equal(metrics.timers.get('sample'), undefined, 'nothing timed before an emission');
    concat(batchOf(4), ctx);
    concat(batchOf(8), ctx);
    const timer = metrics.timer('sample');
    assert.equal(timer.count, 2);
    assert.ok(timer.meanMs >= 0);
  });

  test('counts agent steps of multi-agent batches when asked to', () => {
    const ctx = stageContext();
    const mab = (rows: number): MultiAgentBatch => createMultiAgentBatch({ a: batchOf(rows), b: batchOf(rows) }, rows);
    const byEnv = fnOf(concatBatches(6));
    assert.deepEqual(byEnv(mab(4), ctx), [], '4 env steps < 6');
    const byAgent = fnOf(concatBatches(6, { countStepsBy: 'agent_steps' }));
    const [out] = byAgent(mab(4), ctx);
    assert.equal(out!.count, 4, '8 agent steps ≥ 6; count stays env steps');
  });

  test('rejects a batch size that is not a positive integer', () => {
    assert.throws(() => concatBatches(0), PlanError);
    assert.throws(() => concatBatches(2.5), PlanError);
  });
});

describe('selectExperiences and standardizeFields', () => {
  test('selectExperiences keeps the listed policies of a MultiAgentBatch; a SampleBatch passes unchanged', () => {
    const mab = createMultiAgentBatch({ p1: batchOf(2), p2: batchOf(3), p3: batchOf(1) }, 3);
    const kept = fnOf(selectExperiences(['p1', 'p3']))(mab) as MultiAgentBatch;
    assert.deepEqual(Object.keys(kept.policyBatches).sort(), ['p1', 'p3']);
    assert.equal(kept.count, 3, 'env steps unchanged');
    const sb = batchOf(2);
    assert.equal(fnOf(selectExperiences(['p1']))(sb), sb);
  });

  test('standardizeFields: (x − mean) / std, other columns untouched, input not mutated', () => {
    const adv = Float32Array.of(1, 2, 3, 4);
    const other = Float32Array.of(5, 6, 7, 8);
    const batch = createSampleBatch({ advantages: adv, other });
    const out = fnOf(standardizeFields(['advantages']))(batch) as SampleBatch;
    const std = Math.sqrt(1.25); // population std of 1..4
    const expected = [1, 2, 3, 4].map((x) => (x - 2.5) / std);
    ints(out.columns['advantages']).forEach((v, i) => assert.ok(Math.abs(v - expected[i]!) < 1e-6, `${v} ≈ ${expected[i]}`));
    assert.deepEqual(ints(out.columns['other']), [5, 6, 7, 8]);
    assert.deepEqual(ints(adv), [1, 2, 3, 4], 'the input batch is not mutated');
    // A constant column divides by max(1e-4, 0): zeros, not NaN.
    const flat = fnOf(standardizeFields(['advantages']))(createSampleBatch({ advantages: Float32Array.of(3, 3) })) as SampleBatch;
    assert.deepEqual(ints(flat.columns['advantages']), [0, 0]);
  });
});

describe('averageGradients', () => {
  const result = (grads: number[][], count: number, loss: number): GradientsResult => ({ grads: grads.map((g) => Float32Array.from(g)), stats: { loss }, count });

  test('is a true element-wise average (RLlib sums); counts are summed, stats averaged', () => {
    const avg = fnOf(averageGradients)([result([[1, 2], [3]], 10, 1), result([[3, 6], [5]], 30, 3), result([[2, 1], [-2]], 20, 5)]);
    assert.deepEqual(avg.grads.map((g) => Array.from(g)), [[2, 3], [2]]);
    assert.notDeepEqual(avg.grads.map((g) => Array.from(g)), [[6, 9], [6]], 'not the sum (RLlib AverageGradients)');
    assert.equal(avg.count, 60);
    assert.equal(avg.stats['loss'], 3);
    const single = fnOf(averageGradients)([result([[1, 2]], 4, 1)]);
    assert.deepEqual(single.grads.map((g) => Array.from(g)), [[1, 2]]);
  });

  test('rejects an empty list and mismatched shapes', () => {
    assert.throws(() => fnOf(averageGradients)([]), PlanError);
    assert.throws(() => fnOf(averageGradients)([result([[1, 2]], 1, 0), result([[1]], 1, 0)]), /mismatched shapes/);
    assert.throws(() => fnOf(averageGradients)([result([[1], [2]], 1, 0), result([[1]], 1, 0)]), /mismatched shapes/);
  });
});

describe('parallelRollouts', () => {
  test('bulkSync: one sample from every worker per item (a barrier, no prefetch), steps counted', async () => {
    await withPlan(parallelRollouts(fakeWorkers(3, { fragment: 4, delayMs: [1, 5, 2] }), { mode: 'bulkSync' }), async (rt) => {
      const items = await rt.take(3);
      items.forEach((b, k) => {
        assert.equal(b.count, 12);
        assert.deepEqual(ints(b.columns[FAKE.WORKER]), [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2], 'one fragment per worker, in worker order');
        assert.deepEqual([...new Set(ints(b.columns[FAKE.SEQ]))], [k], `item ${k} holds each worker's sample ${k}`);
      });
      assert.equal(rt.metrics.get('num_steps_sampled'), 36);
      assert.equal(rt.metrics.get('num_agent_steps_sampled'), 36);
      for (let w = 0; w < 3; w++) assert.equal((await logOf(rt, 'workers', w)).filter((e) => e.kind === 'sample').length, 3, `worker ${w} sampled nothing ahead`);
    });
  });

  for (const inFlight of [1, 2]) {
    test(`async (inFlight ${inFlight}): one worker's sample per item, in completion order`, async () => {
      const stream = parallelRollouts(fakeWorkers(2, { fragment: 4, delayMs: [2, 5] }), { mode: 'async', inFlight }).forEach((b: SampleBatch, ctx) => ({
        worker: b.columns[FAKE.WORKER]![0]!,
        seq: b.columns[FAKE.SEQ]![0]!,
        source: ctx.sourceActor?.index,
        at: ctx.now(),
      }));
      await withPlan(stream, async (rt) => {
        const items = await rt.take(5);
        // Virtual sampling periods 2 ms and 5 ms: worker 0 finishes at 2, 4, 6, 8; worker 1 at 5.
        assert.deepEqual(items.map((i) => i.worker), [0, 0, 1, 0, 0]);
        assert.deepEqual(items.map((i) => i.seq), [0, 1, 0, 2, 3]);
        assert.deepEqual(items.map((i) => i.source), [0, 0, 1, 0, 0], 'each item is tagged with its worker');
        assert.deepEqual(items.map((i) => i.at), [2, 4, 5, 6, 8]);
        assert.equal(rt.metrics.get('num_steps_sampled'), 20);
        // inFlight requests stay outstanding per worker: each has sampled inFlight more than delivered.
        assert.equal((await logOf(rt, 'workers', 0)).length, 4 + inFlight);
        assert.equal((await logOf(rt, 'workers', 1)).length, 1 + inFlight);
      });
    });
  }

  test("raw: a ParStream of the workers' samples; actor-side stages, the gather and step counting are the plan's", async () => {
    const raw = parallelRollouts(fakeWorkers(2, { fragment: 3 }), { mode: 'raw' });
    const stream = raw.forEach(rowCount).gatherSync().forEach((n: number, ctx) => {
      ctx.metrics.inc('rows', n);
      return n;
    });
    await withPlan(stream, async (rt) => {
      assert.deepEqual(await rt.take(4), [3, 3, 3, 3]);
      assert.equal(rt.metrics.get('rows'), 12);
      assert.equal(rt.metrics.get('num_steps_sampled'), 0, 'raw mode counts nothing itself');
    });
    const counted = parallelRollouts(fakeWorkers(2, { fragment: 3 }), { mode: 'raw' }).gatherAsync().forEach(countSampledSteps);
    await withPlan(counted, async (rt) => {
      await rt.take(4);
      assert.equal(rt.metrics.get('num_steps_sampled'), 12);
    });
  });

  test('rejects an unknown mode', () => {
    assert.throws(() => parallelRollouts(fakeWorkers(1), { mode: 'bogus' as never }), PlanError);
  });
});

/** Checks that every sample a worker took used the latest weights it had received. */
function assertOnPolicy(log: readonly FakeEvent[], what: string): void {
  let current = 0;
  for (const e of log) {
    if (e.kind === 'weights') current = e.version;
    if (e.kind === 'sample') assert.equal(e.version, current, `${what}: sample ${e.seq} used the latest weights`);
  }
}

describe('trainOneStep', () => {
  for (const backend of ['local', 'farm'] as const) {
    test(`broadcasts the new weights to every worker before its next sample (${backend})`, async () => {
      const workers = fakeWorkers(2, { fragment: 3, delayMs: [3, 1] });
      const learner = fakeWorkers(1, {}, 'learner');
      const samples = parallelRollouts(workers, { mode: 'bulkSync' }).combine(concatBatches(12));
      const stream = trainOneStep(samples, learner, workers, { numSgdIter: 2, sgdMinibatchSize: 4 });
      await withPlan(
        stream,
        async (rt) => {
          const results = await rt.take(3);
          assert.deepEqual(results.map((r) => r.count), [12, 12, 12]);
          assert.deepEqual(results[0]!.stats, { total_loss: 12, kl: 0.05 });

          const learned = (await logOf(rt, 'learner', 0)).filter((e) => e.kind === 'learn');
          assert.deepEqual(learned.map((e) => e.options), Array(3).fill({ numSgdIter: 2, sgdMinibatchSize: 4 }));
          // On-policy: train batch k was sampled entirely with the weights of update k (0 = initial).
          assert.deepEqual(learned.map((e) => e.versions), [[0], [1], [2]]);
          assert.deepEqual(learned.map((e) => e.newVersion), [1, 2, 3]);

          for (let w = 0; w < 2; w++) {
            const log = await logOf(rt, 'workers', w);
            const weights = log.filter((e) => e.kind === 'weights');
            assert.deepEqual(weights.map((e) => e.version), [1, 2, 3], `worker ${w} got every update, in order`);
            // Global vars: env steps sampled when the update was sent (2 rounds of 2×3 steps per train batch).
            assert.deepEqual(weights.map((e) => e.globalVars), [{ timestep: 12 }, { timestep: 24 }, { timestep: 36 }]);
            assertOnPolicy(log, `worker ${w}`);
          }
          const m = rt.metrics;
          assert.equal(m.get('num_steps_trained'), 36);
          assert.equal(m.get('num_steps_sampled'), 36);
          assert.deepEqual(m.info['learner'], { default_policy: { learner_stats: { total_loss: 12, kl: 0.05 } } });
          for (const timer of ['sample', 'learn', 'update']) assert.equal(m.timer(timer).count, 3, `timer ${timer}`);
          assert.notEqual(m.timer('learn').meanThroughput, undefined, 'learn records steps as units');
          assert.deepEqual(globalVars(m), { timestep: 36 });
        },
        backend,
      );
    });
  }

  test('rejects numSgdIter < 1', () => {
    const w = fakeWorkers(1);
    assert.throws(() => trainOneStep(parallelRollouts(w, { mode: 'bulkSync' }), fakeWorkers(1, {}, 'learner'), w, { numSgdIter: 0, sgdMinibatchSize: 0 }), PlanError);
  });
});

describe('computeGradients / applyGradients', () => {
  test('updateAll: gradients computed on the learner, averaged over microbatches, applied once, weights to every worker', async () => {
    const workers = fakeWorkers(2, { fragment: 2 });
    const learner = fakeWorkers(1, {}, 'learner');
    // A2C's microbatch variant: microbatches of 4 rows (2 workers × 2), 2 of them per train batch.
    const grads = computeGradients(parallelRollouts(workers, { mode: 'bulkSync' }).combine(concatBatches(4)), learner).batch(2).forEach(averageGradients);
    await withPlan(applyGradients(grads, learner, workers, { updateAll: true }), async (rt) => {
      const results = await rt.take(2);
      assert.deepEqual(results.map((r) => r.count), [8, 8], 'counts of the averaged microbatches are summed');
      const log = await logOf(rt, 'learner', 0);
      assert.equal(log.filter((e) => e.kind === 'gradients').length, 4);
      const applied = log.filter((e): e is Extract<FakeEvent, { kind: 'apply' }> => e.kind === 'apply');
      // The fake gradient is [worker of row 0, version of row 0, rows]; averaged over the two microbatches.
      assert.deepEqual(applied.map((e) => e.grads), [[[0, 0, 4]], [[0, 1, 4]]]);
      assert.deepEqual(applied.map((e) => e.newVersion), [1, 2]);
      for (let w = 0; w < 2; w++) {
        const wl = await logOf(rt, 'workers', w);
        assert.deepEqual(wl.filter((e) => e.kind === 'weights').map((e) => e.version), [1, 2], `worker ${w} got every update`);
        assertOnPolicy(wl, `worker ${w}`);
      }
      assert.equal(rt.metrics.get('num_steps_trained'), 16);
      assert.equal(rt.metrics.timer('compute_grads').count, 4);
      assert.equal(rt.metrics.timer('apply_grad').count, 2);
      assert.deepEqual(rt.metrics.info['learner'], { default_policy: { learner_stats: { total_loss: 4, worker: 0 } } });
    });
  });

  test('A3C (updateAll false): each worker gets back exactly the weights its own gradients produced', async () => {
    const workers = fakeWorkers(2, { fragment: 5, delayMs: [2, 5] });
    const learner = fakeWorkers(1, {}, 'learner');
    await withPlan(applyGradients(asyncGradients(workers), learner, workers, { updateAll: false }), async (rt) => {
      const results = await rt.take(6);
      assert.deepEqual(results.map((r) => r.count), Array(6).fill(5));
      const applied = (await logOf(rt, 'learner', 0)).filter((e): e is Extract<FakeEvent, { kind: 'apply' }> => e.kind === 'apply');
      assert.equal(applied.length, 6);
      // Completion order on the virtual clock: worker 0 every 2 ms, worker 1 every 5 ms (plus reply latency).
      const producers = applied.map((e) => e.grads[0]![0]!);
      assert.ok(producers.includes(0) && producers.includes(1), `both workers contribute: ${producers.join(',')}`);
      for (let w = 0; w < 2; w++) {
        const own = applied.filter((e) => e.grads[0]![0] === w).map((e) => e.newVersion);
        const log = await logOf(rt, 'workers', w);
        const got = log.filter((e) => e.kind === 'weights').map((e) => e.version);
        // The last reply may still be in flight (fire-and-forget); all earlier ones arrived, in order.
        assert.deepEqual(got, own.slice(0, got.length), `worker ${w} receives only its own updates`);
        assert.ok(got.length >= own.length - 1);
        assertOnPolicy(log, `worker ${w}`);
      }
      assert.equal(rt.metrics.get('num_steps_sampled'), rt.metrics.get('num_steps_trained'));
      assert.equal(rt.metrics.get('num_steps_trained'), 30);
      assert.equal(rt.metrics.timer('grad_wait').count, 6);
    });
  });
});

describe('updateKL', () => {
  test('calls the learner with the sampled kl and records the new coefficient', async () => {
    const workers = fakeWorkers(1, { fragment: 4 });
    const learner = fakeWorkers(1, { kl: 0.05 }, 'learner');
    const trained = trainOneStep(parallelRollouts(workers, { mode: 'bulkSync' }), learner, workers, { numSgdIter: 1, sgdMinibatchSize: 0 });
    await withPlan(updateKL(trained, learner), async (rt) => {
      const results: TrainResult[] = await rt.take(2);
      assert.deepEqual(results.map((r) => r.count), [4, 4], 'the train result passes through');
      const kls = (await logOf(rt, 'learner', 0)).filter((e) => e.kind === 'updateKl');
      assert.deepEqual(kls, [
        { kind: 'updateKl', kl: 0.05, coeff: 0.4 },
        { kind: 'updateKl', kl: 0.05, coeff: 0.8 },
      ]);
      const info = rt.metrics.info['learner'] as { default_policy: { learner_stats: Record<string, number> } };
      assert.equal(info.default_policy.learner_stats['cur_kl_coeff'], 0.8);
    });
  });

  test("fails clearly when the learner stats have no 'kl'", async () => {
    const workers = fakeWorkers(1, { fragment: 4 });
    const learner = fakeWorkers(1, { kl: null }, 'learner');
    const trained = trainOneStep(parallelRollouts(workers, { mode: 'bulkSync' }), learner, workers, { numSgdIter: 1, sgdMinibatchSize: 0 });
    await withPlan(updateKL(trained, learner), async (rt) => {
      await assert.rejects(rt.next(), (e: unknown) => e instanceof RlflowError && /updateKL needs a finite 'kl'/.test(e.message));
    });
  });
});

describe('standardMetricsReporting', () => {
  /** The fake time `performance.now()` returns while a test mocks it. */
  function mockClock(t: TestContext): { advance(ms: number): void } {
    let now = 1_000;
    t.mock.method(performance, 'now', () => now);
    return { advance: (ms) => (now += ms) };
  }

  /** Fake workers → concat → trainOneStep (→ a driver stage per train step) → reporting. */
  function reportingPlan(options: Parameters<typeof standardMetricsReporting>[2], setup: { workers?: number; fragment?: number; episodes?: number; perStep?: () => void } = {}): Stream<ResultDict> {
    const workers = fakeWorkers(setup.workers ?? 2, { fragment: setup.fragment ?? 4, episodesPerSample: setup.episodes ?? 0 });
    const learner = fakeWorkers(1, {}, 'learner');
    const samples = parallelRollouts(workers, { mode: 'bulkSync' }).combine(concatBatches(1));
    let trained = trainOneStep(samples, learner, workers, { numSgdIter: 1, sgdMinibatchSize: 0 });
    const perStep = setup.perStep;
    if (perStep) {
      trained = trained.forEach((r: TrainResult) => {
        perStep();
        return r;
      });
    }
    return standardMetricsReporting(trained, workers, options);
  }

  test('a result dict with the keys of spec §5, from the episodes the workers finished', async () => {
    await withPlan(reportingPlan({}, { episodes: 1 }), async (rt) => {
      const [r1, r2] = await rt.take(2);
      for (const key of [
        'episode_reward_mean',
        'episode_reward_min',
        'episode_reward_max',
        'episode_len_mean',
        'episodes_this_iter',
        'episodes_total',
        'timesteps_total',
        'timesteps_this_iter',
        'agent_timesteps_total',
        'num_healthy_workers',
        'training_iteration',
        'time_this_iter_s',
        'time_total_s',
        'timers',
        'info',
        'hist_stats',
        'custom_metrics',
      ]) {
        assert.ok(key in r1!, `result has '${key}'`);
      }
      // Iteration 1: worker 0's episode 0 (reward 0, length 1), worker 1's (reward 1000, length 1).
      assert.equal(r1!.episode_reward_mean, 500);
      assert.equal(r1!.episode_reward_min, 0);
      assert.equal(r1!.episode_reward_max, 1000);
      assert.equal(r1!.episode_len_mean, 1);
      assert.equal(r1!.episodes_this_iter, 2);
      assert.equal(r1!.training_iteration, 1);
      assert.equal(r1!.timesteps_total, 8);
      assert.equal(r1!.num_healthy_workers, 2);
      assert.deepEqual(r1!.hist_stats.episode_reward, [0, 1000]);
      // Iteration 2 adds rewards 1 and 1001 (lengths 2).
      assert.equal(r2!.episode_reward_mean, (0 + 1000 + 1 + 1001) / 4);
      assert.equal(r2!.episode_len_mean, 1.5);
      assert.equal(r2!.episodes_this_iter, 2);
      assert.equal(r2!.episodes_total, 4);
      assert.equal(r2!.timesteps_total, 16);
      assert.equal(r2!.training_iteration, 2);

      const info = r2!.info as Record<string, unknown>;
      assert.deepEqual(info['learner'], { default_policy: { learner_stats: { total_loss: 8, kl: 0.05 } } });
      assert.equal(info['num_steps_trained'], 16);
      assert.equal(info['num_steps_sampled'], 16, 'every counter is flattened into info');
      for (const timer of ['sample', 'learn', 'update']) assert.equal(typeof r2!.timers[`${timer}_time_ms`], 'number', `${timer}_time_ms`);
      for (const timer of ['sample', 'learn']) assert.ok(`${timer}_throughput` in r2!.timers || r2!.timers[`${timer}_time_ms`] === 0, `${timer}_throughput`);
      assert.equal(typeof r2!.env_steps_per_s, 'number');
      // The result is plain data (it is written to progress.jsonl).
      assert.deepEqual(JSON.parse(JSON.stringify(r2)).info.learner, info['learner']);
    });
  });

  test('no finished episodes: NaN statistics, zero episodes', async () => {
    await withPlan(reportingPlan({}), async (rt) => {
      const [r] = await rt.take(1);
      assert.ok(Number.isNaN(r!.episode_reward_mean));
      assert.ok(Number.isNaN(r!.episode_reward_min));
      assert.ok(Number.isNaN(r!.episode_len_mean));
      assert.equal(r!.episodes_this_iter, 0);
    });
  });

  test('smoothing: up to metricsSmoothingEpisodes recent episodes; episodes_this_iter counts only new ones', async () => {
    await withPlan(reportingPlan({ metricsSmoothingEpisodes: 5 }, { workers: 1, episodes: 2 }), async (rt) => {
      const results = await rt.take(3);
      // Rewards 0, 1 | 2, 3 | 4, 5: the window keeps the last 5.
      assert.deepEqual(results.map((r) => r.episode_reward_mean), [0.5, 1.5, 3]);
      assert.deepEqual(results.map((r) => r.episode_reward_min), [0, 0, 1]);
      assert.deepEqual(results.map((r) => r.episode_reward_max), [1, 3, 5]);
      assert.deepEqual(results.map((r) => r.episodes_this_iter), [2, 2, 2]);
      assert.deepEqual(results.map((r) => r.episodes_total), [2, 4, 6]);
      assert.deepEqual(results[2]!.hist_stats.episode_reward, [1, 2, 3, 4, 5]);
    });
  });

  test('the default window is 100 episodes, unless more new ones arrived (then all of them count, as RLlib)', async () => {
    await withPlan(reportingPlan({}, { workers: 1, episodes: 150 }), async (rt) => {
      const [r1, r2] = await rt.take(2);
      assert.equal(r1!.episodes_this_iter, 150);
      assert.equal(r1!.hist_stats.episode_reward.length, 150);
      assert.equal(r1!.episode_reward_min, 0);
      assert.equal(r1!.episode_reward_mean, 149 / 2);
      // The second iteration's 150 new episodes (150…299) again outnumber the window.
      assert.equal(r2!.hist_stats.episode_reward.length, 150);
      assert.equal(r2!.episode_reward_min, 150);
    });
    await withPlan(reportingPlan({}, { workers: 1, episodes: 30 }), async (rt) => {
      const results = await rt.take(5);
      // 30 new episodes per iteration, padded with the most recent older ones up to 100.
      assert.deepEqual(results.map((r) => r.hist_stats.episode_reward.length), [30, 60, 90, 100, 100]);
      assert.equal(results[4]!.episode_reward_min, 50);
      assert.equal(results[4]!.episode_reward_max, 149);
    });
  });

  test('with MeanStdFilter, every worker adopts the merged observation statistics of all workers each iteration', async () => {
    await withPlan(reportingPlan({ observationFilter: 'MeanStdFilter' }, { workers: 3, fragment: 4 }), async (rt) => {
      await rt.take(2);
      const counts = await Promise.all([0, 1, 2].map((index) => rt.backend.call({ group: 'workers', index }, 'filterCount', [])));
      // 2 iterations × 3 workers × 4 observations, merged and sent back to every worker.
      assert.deepEqual(counts, [24, 24, 24]);
    });
    await withPlan(reportingPlan({}, { workers: 3, fragment: 4 }), async (rt) => {
      await rt.take(2);
      const counts = await Promise.all([0, 1, 2].map((index) => rt.backend.call({ group: 'workers', index }, 'filterCount', [])));
      assert.deepEqual(counts, [8, 8, 8], 'without the option each worker keeps only its own statistics');
    });
  });

  test('timestepsPerIteration: an iteration ends at the first train step with that many new env steps', async () => {
    // 2 workers × 4 steps = 8 env steps per train step; 20 per iteration → every 3rd train step.
    await withPlan(reportingPlan({ timestepsPerIteration: 20 }), async (rt) => {
      const results = await rt.take(3);
      assert.deepEqual(results.map((r) => r.timesteps_total), [24, 48, 72]);
      assert.deepEqual(results.map((r) => r.training_iteration), [1, 2, 3]);
    });
  });

  test('minIterTimeS: the first step reports, then only once more than minIterTimeS has passed', async (t) => {
    const clock = mockClock(t);
    // 400 ms per train step, 1 s per iteration: steps 1, 4 (1200 ms after 1), 7.
    await withPlan(reportingPlan({ minIterTimeS: 1 }, { perStep: () => clock.advance(400) }), async (rt) => {
      const results = await rt.take(3);
      assert.deepEqual(results.map((r) => r.timesteps_total), [8, 32, 56]);
    });
  });

  test("both thresholds: RLlib's quirk — a step the time filter rejects still resets the step mark (spec §2.5)", async (t) => {
    const clock = mockClock(t);
    // 8 env steps and 400 ms per train step; 16 steps and 1 s per iteration.
    // Step 2 (16 steps): both pass. Step 4 (32 steps): steps pass and reset the mark to 32, but only
    // 800 ms passed. Step 5 (40 steps, 1200 ms) would do without the quirk, yet only 8 steps are new;
    // step 6 (48 steps, 1600 ms) reports.
    await withPlan(reportingPlan({ timestepsPerIteration: 16, minIterTimeS: 1 }, { perStep: () => clock.advance(400) }), async (rt) => {
      const results = await rt.take(2);
      assert.deepEqual(results.map((r) => r.timesteps_total), [16, 48]);
    });
  });
});
