/**
 * Replay operators (RLlib's replay_ops, spec §2.3), written as plain-data stage definitions so a
 * compiled plan is fully described by its IR:
 * - `storeToReplayBuffer`: a pass-through that stores each batch in a local buffer, or in one replay
 *   actor chosen uniformly at random (Ape-X's shards);
 * - `replay`: a source of replayed batches, not ready until `learningStarts` steps were stored: from a
 *   local buffer, or from replay actors with `numAsync` requests in flight per actor;
 * - `learnOnReplayed`: one learner update per replayed batch, weights (with the `timestep` global var
 *   that drives the workers' ε schedule) to every worker;
 * - `updatePriorities`: the learner's TD errors back to the local buffer, or to the replay actor the
 *   batch came from (its source actor, carried by the item through queues and the learner call);
 * - `updateTargetNetwork`: the learner copies its online weights to its target network every `freq`
 *   sampled or trained steps;
 * - `trainingIntensityWeights`: round-robin weights that make replayed steps per sampled step equal
 *   a training intensity (RLlib's calculate_rr_weights).
 *
 * Local buffers belong to one run: they are found by name in a registry keyed by the run's metrics
 * (one per running plan), so the store and replay branches share a buffer without a closure.
 */
import { actorStage, actorStageFactory, type ActorGroup } from '../../dsl/define.js';
import { fromActors } from '../../dsl/par-stream.js';
import { fromIterable } from '../../dsl/sources.js';
import type { Stream } from '../../dsl/stream.js';
import { NOT_READY, type MetricsView, type NotReady, type StageContext } from '../../ir/contract.js';
import { PlanError } from '../../ir/errors.js';
import { DEFAULT_POLICY_ID } from '../data/multi-agent.js';
import type { AnyBatch } from '../data/sample-batch.js';
import { ReplayBuffers, type ReplayBuffersConfig, type ReplayBuffersState } from '../replay/replay-buffers.js';
import type { ReplayActorImpl } from '../replay/replay-actor.js';
import type { LearnResult, SgdOptions, WorkerGroup } from '../worker-api.js';
import { STEPS_SAMPLED, STEPS_TRAINED } from './internal.js';
import { globalVars, recordLearnerStats } from './stages/training.js';

/** A replay buffer on the driver: its name (unique in the plan) and its plain-data config. */
export interface LocalReplaySpec {
  readonly name: string;
  readonly config: ReplayBuffersConfig;
}

/** A group of replay actors (replay-actor.ts). */
export type ReplayGroup = ActorGroup<ReplayActorImpl, [ReplayBuffersConfig]>;

/** Where replayed data lives: a local buffer, or replay actors. */
export type ReplayTarget = { readonly local: LocalReplaySpec } | { readonly actors: ReplayGroup };

/** Counter of target network updates, and the step count at the last one (RLlib's names). */
export const NUM_TARGET_UPDATES = 'num_target_updates';
export const LAST_TARGET_UPDATE_TS = 'last_target_update_ts';

const localBuffers = new WeakMap<MetricsView, Map<string, ReplayBuffers>>();
/** States restored into a run before its buffers exist (a resumed run restores before its first pull). */
const pendingStates = new WeakMap<MetricsView, Map<string, ReplayBuffersState>>();

/**
 * The state of every local buffer of a run, by name (counters; rows too with `contents`): what a
 * trainer checkpoint stores for DQN-style plans, whose buffers live on the driver.
 */
export function localReplayState(ctx: { readonly metrics: MetricsView }, options: { readonly contents?: boolean } = {}): Record<string, ReplayBuffersState> {
  const byName = localBuffers.get(ctx.metrics);
  const out: Record<string, ReplayBuffersState> = Object.fromEntries(pendingStates.get(ctx.metrics) ?? []);
  for (const [name, buffers] of byName ?? []) out[name] = buffers.getState(options);
  return out;
}

/** Restores `localReplayState`'s result into a run: at once into existing buffers, else when each is first used. */
export function restoreLocalReplay(ctx: { readonly metrics: MetricsView }, states: Readonly<Record<string, ReplayBuffersState>>): void {
  const byName = localBuffers.get(ctx.metrics);
  for (const [name, state] of Object.entries(states)) {
    const buffers = byName?.get(name);
    if (buffers) buffers.setState(state);
    else {
      let pending = pendingStates.get(ctx.metrics);
      if (!pending) pendingStates.set(ctx.metrics, (pending = new Map()));
      pending.set(name, state);
    }
  }
}

/**
 * The run's local buffer `spec.name` (made from `spec.config` at first use). NOTE: keyed by the run's
 * metrics object, which every stage of one running plan shares and no other run sees.
 */
export function localReplayBuffers(ctx: { readonly metrics: MetricsView }, spec: LocalReplaySpec): ReplayBuffers {
  let byName = localBuffers.get(ctx.metrics);
  if (!byName) localBuffers.set(ctx.metrics, (byName = new Map()));
  let buffers = byName.get(spec.name);
  if (!buffers) {
    byName.set(spec.name, (buffers = new ReplayBuffers(spec.config)));
    const restored = pendingStates.get(ctx.metrics)?.get(spec.name);
    if (restored) {
      buffers.setState(restored);
      pendingStates.get(ctx.metrics)!.delete(spec.name);
    }
  }
  return buffers;
}

export const storeLocal = actorStageFactory(
  import.meta.url,
  (spec: LocalReplaySpec) =>
    function storeToReplayBuffer(batch: AnyBatch, ctx: StageContext): AnyBatch {
      localReplayBuffers(ctx, spec).add(batch);
      return batch;
    },
  { in: 'SampleBatch', out: 'SampleBatch' },
);

export const storeToActors = actorStageFactory(
  import.meta.url,
  (group: string) =>
    async function storeToReplayActors(batch: AnyBatch, ctx: StageContext): Promise<AnyBatch> {
      const shards = ctx.actors(group);
      await ctx.call(shards[Math.floor(ctx.random() * shards.length)]!, 'addBatch', batch);
      return batch;
    },
  { in: 'SampleBatch', out: 'SampleBatch' },
);

/** Stores every batch (and passes it on) into a local buffer or a random replay actor. */
export function storeToReplayBuffer<B extends AnyBatch>(stream: Stream<B>, target: ReplayTarget): Stream<B> {
  if ('local' in target) return stream.forEach(storeLocal.with(target.local)) as Stream<B>;
  return stream.forEach(storeToActors.with(target.actors.name)) as Stream<B>;
}

export const replayLocal = actorStageFactory(
  import.meta.url,
  (spec: LocalReplaySpec) =>
    function* replayFromBuffer(ctx: StageContext): Generator<AnyBatch | NotReady> {
      const buffers = localReplayBuffers(ctx, spec);
      const random = () => ctx.random();
      for (;;) yield buffers.replay(random) ?? NOT_READY;
    },
  { out: 'SampleBatch' },
);

export const isReplayed = actorStage(import.meta.url, function isReplayed(batch: AnyBatch | null): boolean {
  return batch !== null;
});

/**
 * A shard's `null` (fewer than its `learningStarts` steps stored) first answers NOT_READY, then, when
 * the same item is retried, passes on to be dropped by `isReplayed`. NOTE: a filter alone keeps pulling
 * its gather until a batch arrives, so before learning starts a blocking pull of the replay branch never
 * returned and a round-robin `concurrently` (Ape-X with a training intensity) never got back to its
 * store branch, which is what would end the wait: RLlib's gather_async yields NotReady here instead.
 */
export const notReadyBeforeLearning = actorStage(
  import.meta.url,
  function notReadyBeforeLearning(batch: AnyBatch | null, ctx: StageContext): AnyBatch | null | NotReady {
    if (batch !== null) return batch;
    const refused = ctx.state.get<boolean>('refused') ?? false;
    ctx.state.set('refused', !refused);
    return refused ? null : NOT_READY;
  },
);

/**
 * Replayed batches: not ready while fewer than `learningStarts` steps are stored. From replay actors,
 * `numAsync` requests stay in flight per actor and each item's source is the actor that replayed it.
 */
export function replay(source: ReplayTarget, options: { readonly numAsync?: number } = {}): Stream<AnyBatch> {
  if ('local' in source) return fromIterable(replayLocal.with(source.local), { type: 'SampleBatch', name: `replay-${source.local.name}` });
  // NOTE: batchMs 0 (one batch per reply) keeps the `batch` pass from batching replies: a reply window
  // would make a shard sample hundreds of batches ahead, with stale priorities, and starve the other shards.
  return (fromActors(source.actors).gatherAsync({ inFlight: options.numAsync ?? 4, batchMs: 0 }) as Stream<AnyBatch | null>).forEach(notReadyBeforeLearning).filter(isReplayed) as Stream<AnyBatch>;
}

const ONE_STEP: SgdOptions = { numSgdIter: 1, sgdMinibatchSize: 0 };

export const learnArgs = actorStage(import.meta.url, function learnArgs(batch: AnyBatch): unknown[] {
  return [batch, ONE_STEP];
});

export const recordLearn = actorStage(
  import.meta.url,
  function recordLearn(result: LearnResult, ctx: StageContext): LearnResult {
    ctx.metrics.inc(STEPS_TRAINED, result.count);
    recordLearnerStats(ctx, result.stats);
    return result;
  },
  { in: 'LearnResult', out: 'LearnResult' },
);

export const weightsWithGlobalVars = actorStage(import.meta.url, function weightsWithGlobalVars(result: LearnResult, ctx: StageContext): unknown[] {
  return [result.weights, globalVars(ctx.metrics)];
});

/**
 * One gradient step on each replayed batch (RLlib's TrainOneStep on replay), then the new weights and
 * the global vars (the ε schedule's timestep) to every worker. Keeps each item's source actor, so a
 * later `updatePriorities` can answer the replay actor that sampled the batch.
 */
export function learnOnReplayed(replayed: Stream<AnyBatch>, learner: WorkerGroup, workers?: WorkerGroup): Stream<LearnResult> {
  const learned = replayed
    .callActor(learner, 'learnOnBatch', { args: learnArgs, keepSource: true, out: 'LearnResult' })
    .forEach(recordLearn);
  return workers ? learned.callActors(workers, 'setWeights', { args: weightsWithGlobalVars }) : learned;
}

export const updateLocalPriorities = actorStageFactory(
  import.meta.url,
  (spec: LocalReplaySpec) =>
    function updatePriorities(result: LearnResult, ctx: StageContext): LearnResult {
      if (result.tdErrors && result.batchIndexes) localReplayBuffers(ctx, spec).updatePriorities({ [DEFAULT_POLICY_ID]: { batchIndexes: result.batchIndexes, tdErrors: result.tdErrors } });
      return result;
    },
  { in: 'LearnResult', out: 'LearnResult' },
);

export const updateSourcePriorities = actorStage(
  import.meta.url,
  async function updatePriorities(result: LearnResult, ctx: StageContext): Promise<LearnResult> {
    if (!ctx.sourceActor) throw new PlanError('updatePriorities: the learner result has no source replay actor (replay from actors, and keep the source through the learner call)');
    if (result.tdErrors && result.batchIndexes) await ctx.call(ctx.sourceActor, 'updatePriorities', { [DEFAULT_POLICY_ID]: { batchIndexes: result.batchIndexes, tdErrors: result.tdErrors } });
    return result;
  },
  { in: 'LearnResult', out: 'LearnResult' },
);

/** Sends each learner result's TD errors, as new priorities, to the buffer its batch was replayed from. */
export function updatePriorities(learned: Stream<LearnResult>, target: ReplayTarget): Stream<LearnResult> {
  return 'local' in target ? learned.forEach(updateLocalPriorities.with(target.local)) : learned.forEach(updateSourcePriorities);
}

export const targetUpdater = actorStageFactory(
  import.meta.url,
  (options: { readonly learner: string; readonly freq: number; readonly by: 'sampled' | 'trained' }) =>
    // The step count at the last update lives in the node store, so a checkpoint keeps the schedule.
    async function updateTargetNetwork<T>(item: T, ctx: StageContext): Promise<T> {
      const steps = ctx.metrics.get(options.by === 'trained' ? STEPS_TRAINED : STEPS_SAMPLED);
      if (steps - (ctx.state.get<number>('lastUpdateSteps') ?? 0) >= options.freq) {
        ctx.state.set('lastUpdateSteps', steps);
        // Not awaited: the learner runs it before its next learn call either way, and the driver goes on
        // meanwhile (one round trip less per step for SAC/DDPG/TD3, which update targets every step).
        ctx.tellAll(options.learner, 'updateTargetNetwork');
        ctx.metrics.inc(NUM_TARGET_UPDATES);
        ctx.metrics.info[LAST_TARGET_UPDATE_TS] = steps;
      }
      return item;
    },
);

/**
 * The learner refreshes its target network once `freq` env steps were sampled (DQN) or trained
 * (Ape-X, `by: 'trained'`) since the last refresh.
 */
export function updateTargetNetwork<T>(stream: Stream<T>, learner: { readonly name: string }, options: { readonly freq: number; readonly by?: 'sampled' | 'trained' }): Stream<T> {
  if (!Number.isInteger(options.freq) || options.freq < 1) throw new PlanError(`updateTargetNetwork needs a positive integer freq, got ${options.freq}`);
  return stream.forEach(targetUpdater.with({ learner: learner.name, freq: options.freq, by: options.by ?? 'sampled' })) as Stream<T>;
}

/**
 * Round-robin weights `[store, replay]` giving `trainingIntensity` replayed steps per sampled step
 * (RLlib's calculate_rr_weights): one stored fragment of `rolloutFragmentLength × numEnvs × numWorkers`
 * steps per turn, and the fraction of a `trainBatchSize` replay that makes up the ratio. Without an
 * intensity: `[1, 1]`, one replay per stored fragment.
 */
export function trainingIntensityWeights(config: { readonly trainingIntensity?: number | undefined; readonly trainBatchSize: number; readonly rolloutFragmentLength: number; readonly numEnvsPerWorker?: number; readonly numWorkers?: number }): [number, number] {
  const ti = config.trainingIntensity;
  if (ti === undefined) return [1, 1];
  if (!(ti > 0)) throw new PlanError(`trainingIntensity must be > 0, got ${ti}`);
  const sampledPerTurn = config.rolloutFragmentLength * (config.numEnvsPerWorker ?? 1) * (config.numWorkers ?? 1);
  const native = config.trainBatchSize / sampledPerTurn;
  const ratio = ti / native;
  // Both weights ≥ 1 where possible: sample less often rather than train a fraction of a batch.
  return ratio >= 1 ? [1, ratio] : [1 / ratio, 1];
}
