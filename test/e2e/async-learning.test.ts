/**
 * IMPALA's and APPO's real plans, end to end on both backends (real rollout workers and the async
 * learner actor, worker processes on `farm`): the learner trains from its own loop while workers
 * sample, every learner pass is one training step, the result dict reports the learner's queue, wait
 * times and busy fraction, the workers receive the learner's weights, and sampling never runs further
 * ahead of learning than the queues allow (back-pressure). APPO also updates its target network.
 */
import assert from 'node:assert/strict';
import { algorithms, buildAlgorithmPlan } from '../../src/algorithms/index.js';
import type { ResultDict } from '../../src/rl/ops/metrics.js';
import { callEach, onBothBackends, withRuntime } from './helpers.js';

const W = 2;
const ENVS = 2;
const FRAGMENT = 10;
const TRAIN_BATCH = 40;
const QUEUE = 2;
const IN_FLIGHT = 2;

const small = {
  env: 'CartPole-v1',
  numWorkers: W,
  numEnvsPerWorker: ENVS,
  rolloutFragmentLength: FRAGMENT,
  trainBatchSize: TRAIN_BATCH,
  learnerQueueSize: QUEUE,
  maxSampleRequestsInFlightPerWorker: IN_FLIGHT,
  hidden: [16],
  minIterTimeS: 0,
  timestepsPerIteration: 400,
};

/**
 * Steps sampled but not yet learned, at most: the in-queue, the batch being learned, the batch of a
 * waiting put, a concat buffer short of a batch, and the fragments in flight or arrived at the gather.
 */
const MAX_AHEAD = (QUEUE + 2) * TRAIN_BATCH + (TRAIN_BATCH - 1) + (W * IN_FLIGHT + 1) * ENVS * FRAGMENT;

async function runAsync(algorithm: 'impala' | 'appo', backend: 'local' | 'farm', extra: Record<string, unknown> = {}) {
  const algo = algorithms[algorithm]!;
  const config = algo.config({ ...small, ...extra });
  const { graph } = await buildAlgorithmPlan(algo, config as never, { name: `e2e-${algorithm}` });
  return withRuntime({ graph } as never, backend, async (rt) => {
    // Every actor starts from the same seeded weights; read them before the plan runs.
    const [initial] = await callEach<Float32Array[]>(rt as never, 'learner', 1, 'getWeights');
    const results = (await rt.take(4)) as ResultDict[];
    const workerWeights = await callEach<Float32Array[]>(rt as never, 'workers', W, 'getWeights');
    return { results, workerWeights, initial: initial! };
  });
}

function checkLearnerReport(results: readonly ResultDict[], numSgdIter = 1): void {
  const last = results.at(-1)!;
  const info = last.info as Record<string, unknown>;
  const trained = info['num_steps_trained'] as number;
  assert.ok(trained >= TRAIN_BATCH, `trained ${trained}`);
  assert.equal(trained % TRAIN_BATCH, 0, 'each learner pass trains one whole batch');
  assert.equal(info['num_steps_trained_this_iter'], TRAIN_BATCH);
  assert.ok(last.timesteps_total - trained / numSgdIter <= MAX_AHEAD, `sampled ${last.timesteps_total} runs ahead of learned ${trained / numSgdIter} by more than ${MAX_AHEAD}`);
  const busy = info['learner_busy_fraction'] as number;
  assert.ok(busy > 0 && busy <= 1, `busy fraction ${busy}`);
  const queue = info['learner_queue'] as { size_count: number; size_mean: number; size_quantiles: number[] };
  assert.ok(queue.size_count > 0 && queue.size_quantiles.length === 5, JSON.stringify(queue));
  assert.ok(queue.size_quantiles.every((q) => q >= 0 && q <= QUEUE));
  for (const t of ['learner_grad_time_ms', 'learner_load_wait_time_ms', 'learner_enqueue_wait_time_ms']) assert.ok(t in last.timers, `timer ${t}`);
  assert.ok((info['num_weight_broadcasts'] as number) > 0, 'the learner weights were broadcast');
  const stats = (info['learner'] as { default_policy: { learner_stats: Record<string, number> } }).default_policy.learner_stats;
  assert.ok(Number.isFinite(stats['total_loss']) && Number.isFinite(stats['vf_loss']));
}

/** A worker's weights were replaced by a learner's version (not the shared initial ones any more). */
function assertWorkersUpdated(workerWeights: Float32Array[][], initial: Float32Array[]): void {
  const differs = (w: Float32Array[]) => w.some((a, i) => a.some((x, j) => x !== initial[i]![j]));
  assert.ok(workerWeights.some(differs), 'at least one worker received trained weights');
}

onBothBackends('IMPALA: the learner trains from its own loop while workers sample; weights reach the workers', async (backend) => {
  const { results, workerWeights, initial } = await runAsync('impala', backend);
  checkLearnerReport(results);
  assertWorkersUpdated(workerWeights, initial);
});

onBothBackends('APPO: target-network updates, several passes per batch, V-trace on and off', async (backend) => {
  for (const vtrace of [true, false]) {
    const { results } = await runAsync('appo', backend, { vtrace, numSgdIter: 2 });
    checkLearnerReport(results, 2);
    const info = results.at(-1)!.info as Record<string, number>;
    assert.ok(info['num_target_updates']! > 0, 'the target network was updated');
    const stats = (results.at(-1)!.info['learner'] as { default_policy: { learner_stats: Record<string, number> } }).default_policy.learner_stats;
    assert.ok(Number.isFinite(stats['kl']), 'APPO reports the KL to its target network');
  }
});
