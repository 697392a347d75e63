/**
 * Ape-X, end to end, following RLlib's plan (reference §3.1; paper §4.7) with the learner thread as an
 * actor fed through a plan queue. Each RLlib step and what it became:
 *
 *   S = ParallelRollouts(async, num_async=2)          fromActors(workers).gatherAsync({ inFlight: 2 })
 *         .fe(StoreToReplayBuffer(actors=RA))            .callActor(replay, 'add')  — round-robin over the shards
 *                                                         instead of a random one, and it waits for the reply
 *                                                         (a receipt) where RLlib's add_batch.remote does not
 *         .zip.fe(UpdateWorkerWeights(L, delay))         .forEach(...)  — callActor re-tags the item with the
 *                                                         replay shard, so the receipt names the worker, and
 *                                                         the weights go to it with ctx.call(worker, 'setWeights')
 *   R = Replay(actors=RA, num_async=4)                fromActors(replay).gatherAsync({ inFlight: 4 })
 *                                                        .filter(b => b !== null)  — Replay drops "nothing yet"
 *         .zip.fe(Enqueue(L.inqueue))                    .zipWithSourceActor().enqueue(learnerIn)
 *   U = Dequeue(L.outqueue)                           dequeue(learnerIn).callActor(learner, 'learn')
 *                                                        — the learner thread's inqueue → learn → outqueue
 *                                                        round trip is one call; its reply carries
 *                                                        (shard, priorities, count) as the outqueue's items do
 *         .fe(update_prio_and_stats)                     .forEach(ctx.call(r.replayActor, 'updatePriorities'))
 *         .fe(UpdateTargetNetwork(freq, by_steps_trained)) .forEach(count, update target every TARGET_FREQ steps)
 *   Conc[async, out=[2]](S, R, U)                     concurrently([S, R, U], { mode: 'async', outputIndexes: [2] })
 */
import assert from 'node:assert/strict';
import { actors, compile, concurrently, dequeue, fromActors, queue } from '../../src/index.js';
import type { ActorRef } from '../../src/ir/contract.js';
import { DummyLearner, DummyReplayActor, DummyRolloutWorker, type LearnResult, type ReplayStats, type ReplayedBatch, type StoreReceipt, type Weights, type WorkerStats } from '../fixtures/dummy-rl.js';
import { assertIncreasing, callEach, onBothBackends, withRuntime } from './helpers.js';

const WORKERS = 2;
const SHARDS = 2;
const FRAGMENT = 4;
const LEARNING_STARTS = 16;
const MAX_WEIGHT_SYNC_DELAY = 8;
const TARGET_FREQ = 32;
const OUTPUTS = 16;

async function apexPlan() {
  const workers = actors(DummyRolloutWorker, { count: WORKERS, name: 'workers', args: [{ fragment: FRAGMENT, delayMs: 4 }] });
  const replay = actors(DummyReplayActor, { count: SHARDS, name: 'replay', args: [{ learningStarts: LEARNING_STARTS, replayFragments: 2, idleMs: 2 }] });
  const learner = actors(DummyLearner, { name: 'learner', args: [{ learnMs: 10 }] });
  const learnerIn = queue<[ActorRef, ReplayedBatch]>('learner-in', { capacity: 2 });

  // Driver-side records: fragment id → shard that stored it (when the receipt came back), and the
  // learner's latest weights (RLlib keeps them in the local worker the learner thread trains).
  const stored = new Map<string, number>();
  const storedBeforeLearned: boolean[] = [];
  let latest: Weights = { version: 0, values: new Float32Array(4) };
  let weightsUpdated = false;
  let cached = latest;
  const sinceSync = new Map<number, number>();
  const syncs: { worker: number; version: number; steps: number }[] = [];
  let stepsTrained = 0;
  let lastTargetUpdate = 0;

  const storeOp = fromActors(workers)
    .gatherAsync({ inFlight: 2 })
    .callActor(replay, 'add')
    .forEach(async (receipt: StoreReceipt, ctx) => {
      for (const f of receipt.fragments) stored.set(f.id, receipt.shard.index);
      // UpdateWorkerWeights(max_weight_sync_delay): after enough steps from a worker, send it the
      // learner's weights (refreshing the cache only when the learner has new ones).
      const worker = receipt.fragments[0]!.worker;
      const steps = (sinceSync.get(worker) ?? 0) + FRAGMENT * receipt.fragments.length;
      sinceSync.set(worker, steps);
      if (steps >= MAX_WEIGHT_SYNC_DELAY) {
        if (weightsUpdated) {
          weightsUpdated = false;
          cached = latest;
        }
        syncs.push({ worker, version: cached.version, steps });
        sinceSync.set(worker, 0);
        ctx.metrics.inc('num_weight_syncs');
        await ctx.call(ctx.actors('workers')[worker]!, 'setWeights', cached);
      }
      return receipt;
    });

  const replayOp = fromActors(replay)
    .gatherAsync({ inFlight: 4 })
    .filter((b: ReplayedBatch | null) => b !== null)
    .zipWithSourceActor()
    .enqueue(learnerIn);

  const updateOp = dequeue(learnerIn)
    .callActor(learner, 'learn', { args: ([shard, batch]: [ActorRef, ReplayedBatch]) => [batch, shard] })
    .forEach(async (r: LearnResult, ctx) => {
      // update_prio_and_stats: priorities back to the shard the batch was replayed from.
      storedBeforeLearned.push(r.fragments.every((id) => stored.get(id) === r.replayActor!.index));
      await ctx.call(r.replayActor!, 'updatePriorities', r.replayId, r.priorities);
      ctx.metrics.inc('num_steps_trained', r.count);
      stepsTrained += r.count;
      latest = r.weights;
      weightsUpdated = true;
      return r;
    })
    .forEach((r: LearnResult, ctx) => {
      // UpdateTargetNetwork(target_network_update_freq, by_steps_trained=True)
      if (stepsTrained - lastTargetUpdate >= TARGET_FREQ) {
        lastTargetUpdate = stepsTrained;
        ctx.metrics.inc('num_target_updates');
      }
      return r;
    });

  const plan = await compile(concurrently([storeOp, replayOp, updateOp], { mode: 'async', outputIndexes: [2] }), { name: 'apex' });
  return { plan, stored, storedBeforeLearned, syncs };
}

onBothBackends('Ape-X: store, replay and update branches over replay shard actors and a learner actor', async (backend) => {
  const { plan, stored, storedBeforeLearned, syncs } = await apexPlan();
  await withRuntime(plan, backend, async (rt) => {
    const outputs = (await rt.take(OUTPUTS)) as LearnResult[];
    // The store branch may go on a little in the background; the syncs recorded so far were sent
    // before the stats calls below, so the workers' records must include them.
    const syncsSent = syncs.length;
    const shards = await callEach<ReplayStats>(rt, 'replay', SHARDS);
    const workers = await callEach<WorkerStats>(rt, 'workers', WORKERS);

    // Only the update branch's (index 2) items come out: learner results, versions 1, 2, 3, ...
    assert.equal(outputs.length, OUTPUTS);
    for (const r of outputs) {
      assert.deepEqual(r.learner, { group: 'learner', index: 0 });
      assert.equal(r.replayActor?.group, 'replay');
      assert.match(r.replayId ?? '', /^r\d+:\d+$/);
    }
    assertIncreasing(outputs.map((r) => r.version), 'learner versions');
    assert.deepEqual(outputs.map((r) => r.version), Array.from({ length: OUTPUTS }, (_, k) => k + 1));

    // Every learned batch was stored (in the shard that replayed it) before it was replayed: the
    // driver had the store receipt when the learner's result came, and the shard's own records agree.
    assert.ok(storedBeforeLearned.length >= OUTPUTS && storedBeforeLearned.every(Boolean), `stored before learned: ${storedBeforeLearned.join(', ')}`);
    for (const r of outputs) {
      const shard = shards[r.replayActor!.index]!;
      const replayed = shard.replayed.find((x) => x.replayId === r.replayId);
      assert.ok(replayed, `${r.replayId} was replayed by shard ${shard.shard}`);
      assert.deepEqual(replayed.fragments, r.fragments);
      for (const id of r.fragments) assert.ok(shard.stored.includes(id), `${id} stored in shard ${shard.shard}`);
    }
    // Nothing was replayed before learning_starts steps were stored in that shard.
    for (const s of shards) if (s.replayed.length > 0) assert.ok(s.storedSteps >= LEARNING_STARTS);
    assert.ok([...stored.values()].every((shard) => shard >= 0 && shard < SHARDS));

    // Priorities reach the shard that produced the batch, once per learned batch.
    for (const s of shards) {
      assert.equal(s.foreignUpdates, 0, `shard ${s.shard} got priorities for batches it never replayed`);
      const updated = s.priorityUpdates.map((u) => u.replayId);
      assert.equal(new Set(updated).size, updated.length, `shard ${s.shard}: each batch's priorities are updated once`);
      const expected = outputs.filter((r) => r.replayActor!.index === s.shard).map((r) => r.replayId!);
      assert.deepEqual(updated.slice(0, expected.length), expected, `shard ${s.shard} got the priorities of the batches it replayed, in order`);
      for (const u of s.priorityUpdates) assert.ok(u.n > 0);
    }
    if (backend === 'local') {
      // Deterministic: both shards' batches were learned (so both got priorities back).
      assert.deepEqual(new Set(outputs.map((r) => r.replayActor!.index)), new Set([0, 1]));
    }
    // At most one more result than was taken may have been processed (the union keeps one pull going).
    const updates = shards.reduce((n, s) => n + s.priorityUpdates.length, 0);
    assert.ok(updates >= OUTPUTS && updates <= OUTPUTS + 1, `${updates} priority updates for ${OUTPUTS} outputs`);
    assert.equal(rt.metrics.get('num_steps_trained') >= OUTPUTS * 2 * FRAGMENT, true);
    assert.ok(rt.metrics.get('num_target_updates') >= 1);

    // Workers got the learner's weights every MAX_WEIGHT_SYNC_DELAY steps, versions never going back.
    assert.ok(syncs.length > 0);
    for (const s of syncs) assert.ok(s.steps >= MAX_WEIGHT_SYNC_DELAY);
    for (const w of workers) {
      const received = w.log.flatMap((e) => (e.kind === 'weights' ? [e.version] : []));
      const sent = syncs.filter((s) => s.worker === w.worker).map((s) => s.version);
      assert.deepEqual(received, sent.slice(0, received.length), `worker ${w.worker} got its syncs, in order`);
      assert.ok(received.length >= syncs.slice(0, syncsSent).filter((s) => s.worker === w.worker).length);
      for (let k = 1; k < received.length; k++) assert.ok(received[k]! >= received[k - 1]!);
    }
  });
});
