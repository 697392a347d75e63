/**
 * The rollout worker actor: a vectorized environment and a policy, in one process. `sample()` steps
 * `numEnvs` env copies `rolloutFragmentLength` times with batched forward passes (the first-order
 * speed lever, spec/limits.md §4): `ctx.vectorBatch` rows per pass, as the `batch` pass chose from the
 * cost model (all copies in one pass when the group declares no vectorizable work), then postprocesses
 * the fragment (GAE, bootstrapped on truncation and at the fragment's cut). A learner is the same class with `numEnvs: 0`: it only learns
 * (minibatch SGD), computes or applies gradients, and hands out weights.
 *
 * Its policy starts from a seed shared by every worker of the run (derived from the root seed), so
 * all workers and the learner begin with identical weights without a first broadcast.
 */
import { actorClass } from '../dsl/define.js';
import type { ActorContext } from '../ir/contract.js';
import { createRng, deriveSeed } from '../rng/index.js';
import { createSampleBatch, postprocessAdvantages, SB, type SampleBatch } from './data/index.js';
import { createFilter, type FilterState, type ObservationFilter, type RunningStatState } from './data/filters.js';
import { createVectorEnv, loadEnv, makeEnv } from './envs/index.js';
import type { Space, VectorEnv } from './envs/types.js';
import { createPolicy, sgdEpochs } from './policy/index.js';
import type { Policy } from './policy/types.js';
import { BATCH_INDEXES } from './replay/prioritized.js';
import type { EpisodeMetrics, GlobalVars, GradientsResult, LearnResult, RolloutWorkerApi, RolloutWorkerConfig, SgdOptions, WorkerState } from './worker-api.js';

function actionWidth(space: Space): number {
  return space.kind === 'discrete' ? 1 : space.shape.reduce((a, b) => a * b, 1);
}

export class RolloutWorkerImpl implements RolloutWorkerApi {
  private policyPromise: Promise<Policy> | undefined;
  private policy: Policy | undefined;
  private env: VectorEnv | undefined;
  private readonly filter: ObservationFilter;
  protected readonly random: () => number;
  private globalVars: GlobalVars = { timestep: 0 };
  private finished: EpisodeMetrics[] = [];
  /** Running return and length of the episode in progress in each env copy. */
  private episodeReward = new Float64Array(0);
  private episodeLength = new Int32Array(0);
  private episodeIds = new Int32Array(0);
  private nextEpisode = 0;
  private observationSpace: Space | undefined;
  private actionSpace: Space | undefined;

  constructor(
    readonly ctx: ActorContext,
    readonly config: RolloutWorkerConfig,
  ) {
    this.random = createRng(deriveSeed(ctx.seed, 'actions'));
    this.filter = createFilter(config.observationFilter);
  }

  /** Spaces come from one throwaway env, so a learner (no envs) knows them too. */
  private spaces(): { observation: Space; action: Space } {
    if (!this.observationSpace || !this.actionSpace) {
      const probe = makeEnv(this.config.env, this.config.envConfig);
      this.observationSpace = probe.observationSpace;
      this.actionSpace = probe.actionSpace;
    }
    return { observation: this.observationSpace, action: this.actionSpace };
  }

  /** The policy, built on first use (subclasses such as the async learner reach it here). */
  protected async ready(): Promise<Policy> {
    this.policyPromise ??= (async () => {
      // A user's env is registered by its own module; a worker process must import it first.
      if (this.config.envModule !== undefined) await loadEnv({ id: this.config.env, module: this.config.envModule }, this.config.envConfig);
      const { observation, action } = this.spaces();
      // The device the place pass chose: a GPU-placed learner loads tfjs-node-gpu or fails; CPU workers never take the GPU.
      const policy = await createPolicy(observation, action, this.config.policy, deriveSeed(this.ctx.rootSeed, 'policy'), { device: this.ctx.device, workerIndex: this.ctx.index });
      this.policy = policy;
      return policy;
    })();
    return this.policyPromise;
  }

  private vectorEnv(): VectorEnv {
    if (!this.env) {
      const num = this.config.numEnvs;
      if (num < 1) throw new Error(`worker ${this.ctx.group}[${this.ctx.index}] has no environments (numEnvs ${num}): it is a learner and cannot sample`);
      this.env = createVectorEnv(this.config.env, { num, config: this.config.envConfig, seed: this.ctx.seed });
      this.env.reset(this.ctx.seed);
      this.filter.apply(this.env.observations, num, true);
      this.episodeReward = new Float64Array(num);
      this.episodeLength = new Int32Array(num);
      this.episodeIds = Int32Array.from({ length: num }, () => this.newEpisodeId());
    }
    return this.env;
  }

  private newEpisodeId(): number {
    return this.ctx.index * 1_000_000 + this.nextEpisode++;
  }

  async *items(): AsyncGenerator<SampleBatch> {
    for (;;) yield await this.sample();
  }

  /**
   * Rows per policy forward pass: the group's `vectorBatch` (the `batch` pass's choice, 1 in an
   * unoptimized plan that declares vectorizable inference), or all env copies in one call when the
   * group declared none.
   */
  private rowsPerCall(n: number): number {
    const b = this.ctx.vectorBatch;
    if (b === undefined) return n;
    if (!Number.isInteger(b) || b < 1) {
      throw new Error(`worker ${this.ctx.group}[${this.ctx.index}]: vectorBatch must be a positive integer (rows per policy forward pass), got ${String(b)}`);
    }
    return Math.min(b, n);
  }

  /**
   * One fragment of `rolloutFragmentLength` steps per env copy. Rows are grouped by env copy, each in
   * time order (the layout GAE expects).
   *
   * NOTE: every value is written straight to its final row (env copy i at step s is row i·T + s), in
   * plain index loops: no time-major scratch to reorder afterwards, no `subarray` views and nothing else
   * allocated per step except what the policy's `computeActions` returns. Sampling is inference-bound
   * (spec/limits.md §4), so the worker's own work per step has to stay a few µs (bench/sampling.ts).
   */
  async sample(): Promise<SampleBatch> {
    const policy = await this.ready();
    const env = this.vectorEnv();
    const n = env.num;
    const T = this.config.rolloutFragmentLength;
    const obsDim = env.obsDim;
    const discrete = env.actionSpace.kind === 'discrete';
    const actDim = discrete ? 1 : actionWidth(env.actionSpace);
    const rows = n * T;
    const obs = new Float32Array(rows * obsDim);
    const actions = discrete ? new Int32Array(rows) : new Float32Array(rows * actDim);
    const rewards = new Float32Array(rows);
    const terminateds = new Uint8Array(rows);
    const truncateds = new Uint8Array(rows);
    const logp = new Float32Array(rows);
    const vf = new Float32Array(rows);
    const epsId = new Int32Array(rows);
    const t = new Int32Array(rows);
    const bootstrap = new Float32Array(rows);
    let distInputs: Float32Array | undefined;
    let distWidth = 0;
    // Off-policy policies postprocess the fragment themselves (n-step transitions): they need s', not GAE's bootstraps.
    const newObs = policy.postprocess ? new Float32Array(rows * obsDim) : undefined;
    const options = { explore: this.config.explore, random: this.random, timestep: this.globalVars.timestep };
    const { episodeIds, episodeLength, episodeReward } = this;
    const chunk = this.rowsPerCall(n);
    // Whole-step actions for env.step when inference is split; one call's own output otherwise.
    const stepActions = chunk < n ? (discrete ? new Int32Array(n) : new Float32Array(n * actDim)) : undefined;
    let stepOut: Int32Array | Float32Array | undefined;

    for (let step = 0; step < T; step++) {
      const envObs = env.observations;
      for (let i = 0; i < n; i++) {
        const src = i * obsDim;
        const dst = (i * T + step) * obsDim;
        for (let j = 0; j < obsDim; j++) obs[dst + j] = envObs[src + j]!;
      }
      // Per-step inference in calls of `chunk` rows (ActorContext.vectorBatch): each call's outputs go
      // straight to their rows. Chunks take the env rows in order with one shared random stream, so
      // a policy that draws per row in row order picks the same actions whatever the chunk size.
      for (let c0 = 0; c0 < n; c0 += chunk) {
        const m = Math.min(chunk, n - c0);
        // A view per chunk (not per row); computeActions allocates its outputs per call anyway.
        const out = policy.computeActions(m === n ? envObs : envObs.subarray(c0 * obsDim, (c0 + m) * obsDim), m, options);
        if (!distInputs) {
          distWidth = out.distInputs.length / m;
          distInputs = new Float32Array(rows * distWidth);
        }
        const outDist = out.distInputs;
        const outActions = out.actions;
        const outLogp = out.logp;
        const outVf = out.vfPreds;
        for (let k = 0; k < m; k++) {
          const i = c0 + k;
          const r = i * T + step;
          for (let j = 0; j < distWidth; j++) distInputs[r * distWidth + j] = outDist[k * distWidth + j]!;
          if (discrete) actions[r] = outActions[k]!;
          else for (let j = 0; j < actDim; j++) actions[r * actDim + j] = outActions[k * actDim + j]!;
          logp[r] = outLogp[k]!;
          vf[r] = outVf[k]!;
          epsId[r] = episodeIds[i]!;
          t[r] = episodeLength[i]!;
        }
        if (stepActions) stepActions.set(outActions, c0 * actDim);
        else stepOut = outActions;
      }
      env.step(stepActions ?? stepOut!);
      const envRewards = env.rewards;
      const envTerminateds = env.terminateds;
      const envTruncateds = env.truncateds;
      let anyTruncated = false;
      for (let i = 0; i < n; i++) {
        const r = i * T + step;
        rewards[r] = envRewards[i]!;
        terminateds[r] = envTerminateds[i]!;
        truncateds[r] = envTruncateds[i]!;
        if (envTruncateds[i] && !envTerminateds[i]) anyTruncated = true;
      }
      // Truncated episodes bootstrap from the value of their final observation (filtered, not updated).
      if (anyTruncated && !newObs) {
        const finals = Float32Array.from(env.finalObservations);
        this.filter.apply(finals, n, false);
        const values = policy.value(finals, n);
        for (let i = 0; i < n; i++) if (envTruncateds[i] && !envTerminateds[i]) bootstrap[i * T + step] = values[i]!;
      }
      for (let i = 0; i < n; i++) {
        episodeReward[i]! += envRewards[i]!;
        episodeLength[i]!++;
        if (envTerminateds[i] || envTruncateds[i]) {
          this.finished.push({ reward: episodeReward[i]!, length: episodeLength[i]! });
          episodeReward[i] = 0;
          episodeLength[i] = 0;
          episodeIds[i] = this.newEpisodeId();
        }
      }
      this.filter.apply(env.observations, n, true);
      if (newObs) this.recordNextObs(env, newObs, step, T);
    }
    // The fragment cuts episodes still running: bootstrap them from the value of the next observation.
    const next = newObs ? undefined : policy.value(env.observations, n);
    for (let i = 0; next && i < n; i++) {
      const last = i * T + T - 1;
      if (!terminateds[last] && !truncateds[last]) bootstrap[last] = next[i]!;
    }
    const envId = new Int32Array(rows);
    for (let i = 0; i < n; i++) envId.fill(this.ctx.index * 10_000 + i, i * T, (i + 1) * T);
    const batch = createSampleBatch(
      {
        [SB.OBS]: obs,
        [SB.ACTIONS]: actions,
        [SB.REWARDS]: rewards,
        [SB.TERMINATEDS]: terminateds,
        [SB.TRUNCATEDS]: truncateds,
        [SB.ACTION_LOGP]: logp,
        [SB.ACTION_DIST_INPUTS]: distInputs!,
        [SB.VF_PREDS]: vf,
        [SB.EPS_ID]: epsId,
        [SB.ENV_ID]: envId,
        [SB.T]: t,
        bootstrapValue: bootstrap,
        ...(newObs ? { [SB.NEXT_OBS]: newObs } : {}),
      },
      { [SB.OBS]: obsDim, [SB.ACTION_DIST_INPUTS]: distWidth, ...(discrete ? {} : { [SB.ACTIONS]: actDim }), ...(newObs ? { [SB.NEXT_OBS]: obsDim } : {}) },
    );
    if (policy.postprocess) return policy.postprocess(batch);
    return postprocessAdvantages(batch, { gamma: this.config.gamma, lambda: this.config.lambda, useGae: this.config.useGae, useCritic: this.config.useCritic });
  }

  /** s' of each env copy after `step`: the (filtered) final observation where the episode ended, else the next one. */
  private recordNextObs(env: VectorEnv, newObs: Float32Array, step: number, T: number): void {
    const { obsDim, num } = env;
    const finals = Float32Array.from(env.finalObservations);
    this.filter.apply(finals, num, false);
    for (let i = 0; i < num; i++) {
      const src = env.terminateds[i] || env.truncateds[i] ? finals : env.observations;
      newObs.set(src.subarray(i * obsDim, (i + 1) * obsDim), (i * T + step) * obsDim);
    }
  }

  async setWeights(weights: readonly Float32Array[], globalVars?: GlobalVars): Promise<void> {
    (await this.ready()).setWeights(weights);
    if (globalVars) this.globalVars = globalVars;
  }

  async getWeights(): Promise<Float32Array[]> {
    return (await this.ready()).getWeights();
  }

  async learnOnBatch(batch: SampleBatch, options: SgdOptions): Promise<LearnResult> {
    const policy = await this.ready();
    const stats = options.numSgdIter > 1 || options.sgdMinibatchSize > 0 ? sgdEpochs(policy, batch, { ...options, random: this.random }) : policy.learnOnBatch(batch);
    // Q policies: the TD errors of the replayed rows, with their buffer slots, for prioritized replay.
    const td = policy.lastTdErrors && batch.columns[BATCH_INDEXES] ? { tdErrors: policy.lastTdErrors, batchIndexes: batch.columns[BATCH_INDEXES] as Int32Array } : {};
    return { stats, weights: policy.getWeights(), count: batch.count, ...td };
  }

  /** Copies the learner's online weights into its target network (Q policies). */
  async updateTargetNetwork(): Promise<void> {
    const policy = await this.ready();
    if (!policy.updateTarget) throw new Error(`worker ${this.ctx.group}[${this.ctx.index}]: its policy has no target network (updateTargetNetwork is for Q policies)`);
    policy.updateTarget();
  }

  async computeGradients(batch: SampleBatch): Promise<GradientsResult> {
    const { grads, stats } = (await this.ready()).computeGradients(batch);
    return { grads, stats, count: batch.count };
  }

  async applyGradients(grads: readonly Float32Array[]): Promise<Float32Array[]> {
    const policy = await this.ready();
    policy.applyGradients(grads);
    return policy.getWeights();
  }

  async updateKl(sampledKl: number): Promise<number> {
    return (await this.ready()).updateKl(sampledKl);
  }

  getMetrics(): EpisodeMetrics[] {
    const out = this.finished;
    this.finished = [];
    return out;
  }

  /** The observation statistics gathered since the last sync, then clears them (RLlib's get_filters(flush_after)). */
  flushFilter(): { readonly state: FilterState; readonly delta: RunningStatState } {
    const state = this.filter.toState();
    return { state, delta: this.filter.flushDelta() };
  }

  /** Replaces the observation filter's statistics with the merged master copy (RLlib's sync_filters). */
  syncFilter(master: FilterState): void {
    this.filter.sync(master);
  }

  async getState(): Promise<WorkerState> {
    return { policy: (await this.ready()).getState(), filter: this.filter.toState(), globalVars: this.globalVars };
  }

  async setState(state: WorkerState): Promise<void> {
    (await this.ready()).setState(state.policy);
    if (state.filter) this.filter.restore(state.filter);
    this.globalVars = state.globalVars;
  }
}

/** The rollout worker actor class: `actors(RolloutWorker, { count, args: [config] })`. */
export const RolloutWorker = actorClass(import.meta.url, RolloutWorkerImpl, { items: 'SampleBatch' });
