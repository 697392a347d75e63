/**
 * IMPALA, end to end (RLlib's plan, reference §3.1; paper §4.8), with the learner thread as an actor:
 *
 *   B = ParallelRollouts(async, num_async=2)        fromActors(workers).gatherAsync({ inFlight: 2 })
 *         .cb(ConcatBatches(train_batch_size))         .combine(makeConcatBatches(TRAIN_BATCH))
 *   E = B.fe(Enqueue(L.inqueue))                       .enqueue(learnerIn)
 *         .zip.fe(BroadcastUpdateLearnerWeights)       .zipWithSourceActor().forEach(refresh cache).callSourceActor('setWeights')
 *   L = LearnerThread loop: inqueue → learn → outqueue dequeue(learnerIn).callActor(learner, 'learn').enqueue(learnerOut)
 *   D = Dequeue(L.outqueue).fe(record_steps_trained)   dequeue(learnerOut).forEach(record steps trained)
 *   Conc[async, out=[1]](E, D)                          concurrently([E, L, D], { mode: 'async', outputIndexes: [2] })
 *
 * RLlib's LearnerThread runs beside the plan; here its loop is a third branch of the union, so it is
 * driven by the same pull loop and its queues are plan queues. The learner is slower than sampling,
 * so the learner queue is the back-pressure point: sampling may run ahead of learning only by what
 * the queues, the concat buffer and the requests in flight can hold.
 */
import assert from 'node:assert/strict';
import { actors, compile, concurrently, dequeue, fromActors, queue } from '../../src/index.js';
import { DummyLearner, DummyRolloutWorker, makeConcatBatches, stepId, type LearnResult, type LearnerStats, type SampleBatch, type Weights, type WorkerStats } from '../fixtures/dummy-rl.js';
import type { Runtime } from '../../src/runtime/runtime.js';
import { assertIncreasing, callEach, onBothBackends, sum, withRuntime } from './helpers.js';

const W = 2;
const FRAGMENT = 10;
const FRAGMENTS = 40;
const TRAIN_BATCH = 40;
const IN_FLIGHT = 2;
const IN_QUEUE = 2;
const OUT_QUEUE = 1;
const BROADCAST_INTERVAL = 2;
const TOTAL_STEPS = W * FRAGMENTS * FRAGMENT;
const TRAIN_BATCHES = TOTAL_STEPS / TRAIN_BATCH;

/**
 * How far sampling can run ahead of learning: the learner-in queue and the batch held by a full
 * enqueue, the batch being learned, a partly filled concat buffer, and the fragments in flight or
 * arrived at the gather (one reply per request, plus the one being passed on).
 */
const MAX_AHEAD = (IN_QUEUE + 2) * TRAIN_BATCH + (TRAIN_BATCH - FRAGMENT) + (W * IN_FLIGHT + 1) * FRAGMENT;

interface Broadcast {
  readonly worker: number;
  readonly lastFragmentWorker: number;
  readonly version: number;
}

async function impalaPlan() {
  const workers = actors(DummyRolloutWorker, { count: W, name: 'workers', args: [{ fragment: FRAGMENT, limit: FRAGMENTS, delayMs: 5 }] });
  const learner = actors(DummyLearner, { name: 'learner', args: [{ learnMs: 30 }] });
  const learnerIn = queue<SampleBatch>('learner-in', { capacity: IN_QUEUE });
  const learnerOut = queue<LearnResult>('learner-out', { capacity: OUT_QUEUE });

  // The learner's latest weights (RLlib: the local worker the learner thread trains) and the cache
  // BroadcastUpdateLearnerWeights sends from.
  let latest: Weights = { version: 0, values: new Float32Array(4) };
  let weightsUpdated = false;
  let cached = latest;
  let sinceBroadcast = 0;
  const broadcasts: Broadcast[] = [];

  const enqueueOp = fromActors(workers)
    .gatherAsync({ inFlight: IN_FLIGHT })
    .combine(makeConcatBatches(TRAIN_BATCH))
    .enqueue(learnerIn)
    .zipWithSourceActor()
    .forEach(([worker, batch]: [{ index: number }, SampleBatch], ctx) => {
      // BroadcastUpdateLearnerWeights(broadcast_interval): refresh the cached weights when the learner
      // has new ones and enough batches went by; the source worker gets the cache either way.
      sinceBroadcast++;
      if (sinceBroadcast >= BROADCAST_INTERVAL && weightsUpdated) {
        cached = latest;
        weightsUpdated = false;
        sinceBroadcast = 0;
        ctx.metrics.inc('num_weight_broadcasts');
      }
      broadcasts.push({ worker: worker.index, lastFragmentWorker: batch.fragments.at(-1)!.worker, version: cached.version });
      return batch;
    })
    .callSourceActor('setWeights', { args: () => [cached] });

  const learnerOp = dequeue(learnerIn)
    .callActor(learner, 'learn')
    .forEach((r: LearnResult) => {
      latest = r.weights;
      weightsUpdated = true;
      return r;
    })
    .enqueue(learnerOut);

  const dequeueOp = dequeue(learnerOut).forEach((r: LearnResult, ctx) => {
    ctx.metrics.inc('num_steps_trained', r.count);
    return r;
  });

  const plan = await compile(concurrently([enqueueOp, learnerOp, dequeueOp], { mode: 'async', outputIndexes: [2] }), { name: 'impala' });
  return { plan, broadcasts };
}

async function progress(rt: Runtime<unknown>): Promise<{ sampled: number; learned: number }> {
  const [workerStats, [learnerStats]] = await Promise.all([callEach<WorkerStats>(rt, 'workers', W), callEach<LearnerStats>(rt, 'learner', 1)]);
  return { sampled: sum(workerStats.map((s) => s.sampledSteps)), learned: learnerStats!.learnedSteps };
}

onBothBackends('IMPALA: async sampling, concat, learner behind bounded queues, weights to source workers', async (backend) => {
  const { plan, broadcasts } = await impalaPlan();
  await withRuntime(plan, backend, async (rt) => {
    // Back-pressure: the learner (30 ms a batch) is much slower than sampling (2 workers, 5 ms a
    // fragment), yet sampling never runs ahead of learning by more than the plan can buffer.
    const first = await rt.take(3);
    const early = await progress(rt);
    assert.ok(early.learned >= 3 * TRAIN_BATCH, `learned ${early.learned}`);
    assert.ok(early.sampled - early.learned <= MAX_AHEAD, `sampled ${early.sampled} runs ahead of learned ${early.learned} by more than ${MAX_AHEAD}`);
    assert.ok(early.sampled < TOTAL_STEPS, `sampling was held back (sampled ${early.sampled} of ${TOTAL_STEPS})`);
    if (backend === 'local') {
      // On the virtual clock sampling is deterministic: it ran ahead until the learner queue was full.
      assert.ok(early.sampled - early.learned >= IN_QUEUE * TRAIN_BATCH, `sampling ran ahead: sampled ${early.sampled}, learned ${early.learned}`);
    }

    const outputs = [...first, ...(await rt.take(TRAIN_BATCHES - 3))] as LearnResult[];
    const end = await progress(rt);
    const [learnerStats] = await callEach<LearnerStats>(rt, 'learner', 1);
    const workerStats = await callEach<WorkerStats>(rt, 'workers', W);

    // The outputs are the learner's results, one per train batch, versions 1, 2, 3, ...
    assert.equal(outputs.length, TRAIN_BATCHES);
    assert.ok(outputs.every((r) => r.learner.group === 'learner' && r.count >= TRAIN_BATCH));
    assertIncreasing(outputs.map((r) => r.version), 'learner versions');
    assert.deepEqual(outputs.map((r) => r.version), Array.from({ length: TRAIN_BATCHES }, (_, k) => k + 1));

    // No step lost or duplicated: every sampled step is in exactly one learned batch.
    const allSteps = Array.from({ length: W }, (_, w) => Array.from({ length: FRAGMENTS * FRAGMENT }, (_, k) => stepId(w, Math.floor(k / FRAGMENT), FRAGMENT, k % FRAGMENT))).flat().sort((a, b) => a - b);
    assert.deepEqual(outputs.flatMap((r) => [...r.stepIds]).sort((a, b) => a - b), allSteps);
    assert.deepEqual([...learnerStats!.learnedStepIds].sort((a, b) => a - b), allSteps);
    assert.deepEqual(end, { sampled: TOTAL_STEPS, learned: TOTAL_STEPS });
    assert.equal(rt.metrics.get('num_steps_trained'), TOTAL_STEPS);

    // Weights go back to the worker whose fragment completed each train batch (the source actor of
    // the concat's output), and each worker sees the learner's versions in order.
    assert.equal(broadcasts.length, TRAIN_BATCHES);
    for (const b of broadcasts) assert.equal(b.worker, b.lastFragmentWorker);
    assert.ok(rt.metrics.get('num_weight_broadcasts') >= 1);
    for (const s of workerStats) {
      const received = s.log.flatMap((e) => (e.kind === 'weights' ? [e.version] : []));
      assert.deepEqual(received, broadcasts.filter((b) => b.worker === s.worker).map((b) => b.version), `worker ${s.worker} gets exactly the broadcasts meant for it`);
      for (let k = 1; k < received.length; k++) assert.ok(received[k]! >= received[k - 1]!, `worker ${s.worker}: versions ${received.join(', ')} never go back`);
      // A fragment is sampled with the weights the worker holds, never with newer ones than the learner's.
      for (const e of s.log) if (e.kind === 'sample') assert.ok(e.policyVersion <= TRAIN_BATCHES);
    }
  });
});
