/**
 * The paper's multi-agent composition (§6; RLlib's two_trainer_workflow.py, reference §3.1): one shared
 * experience stream, duplicated into a PPO-like and a DQN-like sub-flow that each train their own
 * policy, merged asynchronously. Each RLlib step and what it became:
 *
 *   R1, R2 = ParallelRollouts(bulk_sync)        fromActors(workers).batchAcrossShards().forEach(concatMultiAgent)
 *              .duplicate(2)                       .duplicate(2, { maxSkew: 1 })
 *   DQN = Conc[rr, out=[1]](
 *     R1.fe(SelectExperiences(["dqn"]))          r1.forEach(selectExperiences<MultiAgentRound>(['dqn']))
 *       .fe(StoreToReplayBuffer(buf)),             .forEach(buf.add)  (+ a transform that closes buf at the end)
 *     Replay(buf)                                 fromIterable(replay generator: NOT_READY until learning_starts)
 *       .fe(TrainOneStep(policies=["dqn"]))        .callActor(dqnLearner, 'learn')
 *       .fe(UpdateTargetNetwork(freq)))            .forEach(count target updates)
 *   PPO = R2.fe(SelectExperiences(["ppo"]))      r2.forEach(selectExperiences<MultiAgentRound>(['ppo']))
 *       .cb(ConcatBatches(200))                    .combine(makeConcatBatches(PPO_BATCH))
 *       .fe(TrainOneStep(policies=["ppo"]))        .callActor(ppoLearner, 'learn')
 *   Conc[async, out=[1]](PPO, DQN)              concurrently([ppo, dqn], { mode: 'async' })  — both outputs kept
 *
 * Each trainer is a learner actor of its own. The replay generator replays as many steps as were
 * stored (training intensity 1) and then ends, so the whole plan is finite and its outputs can be
 * checked completely.
 */
import assert from 'node:assert/strict';
import { actors, compile, concurrently, fromActors, fromIterable, NOT_READY } from '../../src/index.js';
import type { NotReady } from '../../src/ir/contract.js';
import {
  DummyLearner,
  DummyMultiAgentWorker,
  LocalReplayBuffer,
  concatMultiAgent,
  makeConcatBatches,
  selectExperiences,
  stepId,
  type LearnResult,
  type LearnerStats,
  type MultiAgentRound,
  type SampleBatch,
} from '../fixtures/dummy-rl.js';
import { assertIncreasing, callEach, drain, onBothBackends, withRuntime } from './helpers.js';

const W = 2;
const FRAGMENT = 5;
const ROUNDS = 12;
const POLICIES = ['ppo', 'dqn'];
const PPO_BATCH = 20;
const LEARNING_STARTS = 20;
const REPLAY_FRAGMENTS = 2;
const MAX_SKEW = 1;
const TARGET_FREQ = 30;
const STEPS_PER_POLICY = W * FRAGMENT * ROUNDS;

async function twoTrainerPlan() {
  const workers = actors(DummyMultiAgentWorker, { count: W, name: 'workers', args: [{ fragment: FRAGMENT, limit: ROUNDS, delayMs: [3, 4], policies: POLICIES }] });
  const ppoLearner = actors(DummyLearner, { name: 'ppoLearner', args: [{ learnMs: 6 }] });
  const dqnLearner = actors(DummyLearner, { name: 'dqnLearner', args: [{ learnMs: 2 }] });
  const buf = new LocalReplayBuffer(LEARNING_STARTS, REPLAY_FRAGMENTS);

  const seen = { ppo: 0, dqn: 0 };
  const skews: number[] = [];
  const selected: string[][] = [];
  const consume = (branch: 'ppo' | 'dqn') => (round: MultiAgentRound) => {
    seen[branch]++;
    skews.push(seen.ppo - seen.dqn);
    return round;
  };
  const keys = (round: MultiAgentRound) => {
    selected.push(Object.keys(round.policyBatches));
    return round;
  };

  const [r1, r2] = fromActors(workers).batchAcrossShards().forEach(concatMultiAgent).duplicate(2, { maxSkew: MAX_SKEW });

  const dqnStore = r1!
    .forEach(consume('dqn'))
    .forEach(selectExperiences<MultiAgentRound>(['dqn']))
    .forEach(keys)
    .forEach((round: MultiAgentRound) => {
      buf.add(round.policyBatches['dqn']!);
      return round;
    })
    .transform(async function* storeToReplayBuffer(rounds: AsyncIterable<MultiAgentRound>) {
      for await (const round of rounds) yield round;
      buf.closed = true;
    });
  // Replay(local_buffer): a batch when there is one, NOT_READY before learning_starts; ends once the
  // producer is done and as many steps were replayed as stored.
  const dqnReplay = fromIterable(function* replay(ctx) {
    while (!buf.closed || buf.replays * REPLAY_FRAGMENTS * FRAGMENT < buf.storedSteps) {
      yield buf.replay(() => ctx.random()) ?? NOT_READY;
    }
  } as (ctx: { random(): number }) => Iterable<SampleBatch | NotReady>)
    .callActor(dqnLearner, 'learn')
    .forEach((r: LearnResult, ctx) => {
      const trained = ctx.metrics.inc('agent_steps_trained_DQN', r.count);
      if (Math.floor(trained / TARGET_FREQ) > Math.floor((trained - r.count) / TARGET_FREQ)) ctx.metrics.inc('num_target_updates_DQN');
      return r;
    });
  const dqnTrain = concurrently([dqnStore, dqnReplay], { mode: 'roundRobin', outputIndexes: [1] });

  const ppoTrain = r2!
    .forEach(consume('ppo'))
    .forEach(selectExperiences<MultiAgentRound>(['ppo']))
    .forEach(keys)
    .forEach((round: MultiAgentRound) => round.policyBatches['ppo']!)
    .combine(makeConcatBatches(PPO_BATCH))
    .callActor(ppoLearner, 'learn')
    .forEach((r: LearnResult, ctx) => {
      ctx.metrics.inc('agent_steps_trained_PPO', r.count);
      return r;
    });

  const plan = await compile(concurrently([ppoTrain, dqnTrain], { mode: 'async' }), { name: 'two-trainer' });
  return { plan, buf, seen, skews, selected };
}

/** Every step id of one policy: policy `p`'s sub-batches get the offset `(p + 1) * 1e8`. */
function policySteps(policy: string): number[] {
  const p = POLICIES.indexOf(policy);
  return Array.from({ length: W }, (_, w) => Array.from({ length: ROUNDS * FRAGMENT }, (_, k) => stepId(w, Math.floor(k / FRAGMENT), FRAGMENT, k % FRAGMENT, p))).flat().sort((a, b) => a - b);
}

const sorted = (xs: Iterable<number>) => [...xs].sort((a, b) => a - b);

onBothBackends('two trainers (PPO + DQN) sharing one experience stream', async (backend) => {
  const { plan, buf, seen, skews, selected } = await twoTrainerPlan();
  await withRuntime(plan, backend, async (rt) => {
    const results = (await drain(rt)) as LearnResult[];
    const [ppoStats] = await callEach<LearnerStats>(rt, 'ppoLearner', 1);
    const [dqnStats] = await callEach<LearnerStats>(rt, 'dqnLearner', 1);

    // Results come from both trainers, each with its own increasing versions.
    const ppo = results.filter((r) => r.learner.group === 'ppoLearner');
    const dqn = results.filter((r) => r.learner.group === 'dqnLearner');
    assert.equal(ppo.length + dqn.length, results.length);
    assert.equal(ppo.length, STEPS_PER_POLICY / PPO_BATCH);
    assert.equal(dqn.length, STEPS_PER_POLICY / (REPLAY_FRAGMENTS * FRAGMENT));
    assertIncreasing(ppo.map((r) => r.version), 'PPO versions');
    assertIncreasing(dqn.map((r) => r.version), 'DQN versions');

    // Both sub-flows saw every rollout round, never more than MAX_SKEW rounds apart.
    assert.deepEqual(seen, { ppo: ROUNDS, dqn: ROUNDS });
    assert.ok(skews.every((s) => Math.abs(s) <= MAX_SKEW), `skews ${skews.join(' ')}`);
    // SelectExperiences kept one policy per branch.
    assert.equal(selected.length, 2 * ROUNDS);
    for (const k of selected) assert.equal(k.length, 1);

    // PPO trained on every PPO step exactly once, and on nothing else.
    assert.ok(ppoStats!.batches.every((b) => b.policy === 'ppo'));
    assert.deepEqual(sorted(ppoStats!.learnedStepIds), policySteps('ppo'));
    assert.deepEqual(sorted(ppo.flatMap((r) => [...r.stepIds])), policySteps('ppo'));
    // DQN stored every DQN step exactly once, and trained only on stored DQN steps (replayed at random).
    assert.deepEqual(sorted(buf.storedStepIds()), policySteps('dqn'));
    assert.ok(dqnStats!.batches.every((b) => b.policy === 'dqn'));
    const dqnSteps = new Set(policySteps('dqn'));
    assert.ok(dqnStats!.learnedStepIds.every((id) => dqnSteps.has(id)));
    assert.equal(dqnStats!.learnedSteps, STEPS_PER_POLICY);

    assert.equal(rt.metrics.get('agent_steps_trained_PPO'), STEPS_PER_POLICY);
    assert.equal(rt.metrics.get('agent_steps_trained_DQN'), STEPS_PER_POLICY);
    assert.equal(rt.metrics.get('num_target_updates_DQN'), Math.floor(STEPS_PER_POLICY / TARGET_FREQ));
  });
});
