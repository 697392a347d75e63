/**
 * The multi-agent rollout worker actor: `numEnvs` copies of a multi-agent env and a policy map, in one
 * process. Each env step, the acting agents of all copies are grouped by the policy their agent maps to
 * (the policy-mapping function, loaded from its module, decides once per agent and episode), and each
 * policy computes its agents' actions in one batched forward pass. A fragment is `rolloutFragmentLength`
 * env steps per copy; it comes out as a `MultiAgentBatch` whose `count` is env steps and whose policy
 * batches hold one row per agent step, grouped by (env copy, agent) in time order and postprocessed with
 * that policy's own settings (GAE for actor-critic policies).
 *
 * A learner is the same class with `numEnvs: 0`: it trains the policies in `policiesToTrain` on the
 * batches it is sent and hands out their weights. It reuses the single-agent pieces: the policies
 * (src/rl/policy), `postprocessAdvantages` and `sgdEpochs`.
 */
import { actorClass } from '../dsl/define.js';
import type { ActorContext } from '../ir/contract.js';
import { createRng, deriveSeed } from '../rng/index.js';
import { createMultiAgentBatch, createSampleBatch, isMultiAgentBatch, postprocessAdvantages, SB, type AnyBatch, type MultiAgentBatch, type SampleBatch } from './data/index.js';
import { ALL_AGENTS, loadMultiAgentEnv, type AgentId, type MultiAgentEnv } from './envs/index.js';
import type { Action, BoxSpace, Space } from './envs/types.js';
import type { MultiAgentLearnResult, MultiAgentWorkerApi, MultiAgentWorkerConfig, MultiAgentWorkerState, PolicyMappingFn, PolicySpec, PolicyWeights } from './multi-agent-api.js';
import { createPolicy, sgdEpochs } from './policy/index.js';
import { BATCH_INDEXES } from './replay/prioritized.js';
import type { PriorityUpdate } from './replay/replay-buffers.js';
import type { LearnerStats, Policy, PolicyState } from './policy/types.js';
import { loadPolicyMapping } from './policy-mapping.js';
import type { EpisodeMetrics, GlobalVars, SgdOptions } from './worker-api.js';

/** The rows one agent produced in one env copy during the current fragment (JS arrays: few rows per step). */
interface Trajectory {
  readonly policyId: string;
  /** Distinct per (worker, env copy, agent): segments of different agents never merge in GAE. */
  readonly envId: number;
  readonly obs: number[];
  /** s' of each row (Q policies' n-step transitions need it). */
  readonly newObs: number[];
  readonly actions: number[];
  readonly rewards: number[];
  readonly terminateds: number[];
  readonly truncateds: number[];
  readonly logp: number[];
  readonly vf: number[];
  readonly distInputs: number[];
  readonly epsId: number[];
  readonly t: number[];
  readonly bootstrap: number[];
}

/** One env copy and its episode in progress. */
interface EnvSlot {
  readonly env: MultiAgentEnv;
  /** Observations of the agents that act next. */
  obs: Record<AgentId, Float32Array>;
  episodeId: number;
  length: number;
  /** The policy of each agent seen in this episode. */
  policyOf: Map<AgentId, string>;
  /** Each agent's return in this episode. */
  rewardOf: Map<AgentId, number>;
  /** Agents whose own episode ended (they leave). */
  ended: Set<AgentId>;
  /** Each agent's step count in this episode (the `t` column). */
  stepOf: Map<AgentId, number>;
  /** This fragment's trajectory of each agent. */
  trajectories: Map<AgentId, Trajectory>;
}

function actionWidth(space: Space): number {
  return space.kind === 'discrete' ? 1 : space.shape.reduce((a, b) => a * b, 1);
}

class MultiAgentRolloutWorkerImpl implements MultiAgentWorkerApi {
  private readyPromise: Promise<void> | undefined;
  private readonly policies = new Map<string, Policy>();
  private mapping: PolicyMappingFn | undefined;
  private probe: MultiAgentEnv | undefined;
  private slots: EnvSlot[] = [];
  private readonly random: () => number;
  private globalVars: GlobalVars = { timestep: 0 };
  private finished: EpisodeMetrics[] = [];
  private nextEpisode = 0;
  private readonly toTrain: ReadonlySet<string>;

  constructor(
    readonly ctx: ActorContext,
    readonly config: MultiAgentWorkerConfig,
  ) {
    this.random = createRng(deriveSeed(ctx.seed, 'actions'));
    const ids = Object.keys(config.policies);
    if (ids.length === 0) throw new Error('multi-agent worker: the policy map is empty; give at least one policy id → spec');
    for (const id of config.policiesToTrain ?? []) {
      if (!config.policies[id]) throw new Error(`multi-agent worker: policiesToTrain names '${id}', which is not in the policy map (${ids.join(', ')})`);
    }
    this.toTrain = new Set(config.policiesToTrain ?? ids);
  }

  /** Loads the env module and the mapping, then builds every policy (same seed per policy id on every worker). */
  private async ready(): Promise<void> {
    this.readyPromise ??= (async () => {
      const ref = this.config.envModule === undefined ? this.config.env : { id: this.config.env, module: this.config.envModule };
      this.probe = await loadMultiAgentEnv(ref, this.config.envConfig);
      this.mapping = await loadPolicyMapping(this.config.policyMapping);
      for (const [id, spec] of Object.entries(this.config.policies)) {
        const { observation, action } = this.spacesFor(id, spec);
        const policy = await createPolicy(observation, action, spec.config, deriveSeed(this.ctx.rootSeed, 'policy', id), { device: this.ctx.device, workerIndex: this.ctx.index });
        this.policies.set(id, policy);
      }
      for (let i = 0; i < this.config.numEnvs; i++) {
        const env = i === 0 ? this.probe : await loadMultiAgentEnv(ref, this.config.envConfig);
        const slot: EnvSlot = { env, obs: {}, episodeId: 0, length: 0, policyOf: new Map(), rewardOf: new Map(), ended: new Set(), stepOf: new Map(), trajectories: new Map() };
        this.startEpisode(slot, deriveSeed(this.ctx.seed, 'env', i));
        this.slots.push(slot);
      }
    })();
    return this.readyPromise;
  }

  /** A policy's spaces: from its spec, else from the first agent that maps to it in a first episode, else the first agent's. */
  private spacesFor(id: string, spec: PolicySpec): { observation: BoxSpace; action: Space } {
    const env = this.probe!;
    const agents = env.possibleAgents;
    const mapped = agents.find((agent, agentIndex) => this.mapping!(agent, { episodeId: 0, agentIndex, workerIndex: this.ctx.index }) === id) ?? agents[0]!;
    return { observation: spec.observationSpace ?? env.observationSpace(mapped), action: spec.actionSpace ?? env.actionSpace(mapped) };
  }

  private startEpisode(slot: EnvSlot, seed?: number): void {
    slot.obs = { ...slot.env.reset(seed === undefined ? {} : { seed }).observations };
    slot.episodeId = this.ctx.index * 1_000_000 + this.nextEpisode++;
    slot.length = 0;
    slot.policyOf = new Map();
    slot.rewardOf = new Map();
    slot.ended = new Set();
    slot.stepOf = new Map();
  }

  private policyOf(slot: EnvSlot, agent: AgentId): string {
    let id = slot.policyOf.get(agent);
    if (id === undefined) {
      const agentIndex = slot.env.possibleAgents.indexOf(agent);
      id = this.mapping!(agent, { episodeId: slot.episodeId, agentIndex, workerIndex: this.ctx.index });
      if (!this.policies.has(id)) {
        throw new Error(`policy mapping returned '${String(id)}' for agent '${agent}', which is not in the policy map (${[...this.policies.keys()].join(', ')})`);
      }
      slot.policyOf.set(agent, id);
    }
    return id;
  }

  private trajectory(slot: EnvSlot, slotIndex: number, agent: AgentId, policyId: string): Trajectory {
    let tr = slot.trajectories.get(agent);
    if (!tr || tr.policyId !== policyId) {
      // NOTE: a new episode may map the agent to another policy; its old rows were flushed at the episode's end.
      const agentIndex = Math.max(0, slot.env.possibleAgents.indexOf(agent));
      tr = { policyId, envId: this.ctx.index * 100_000 + slotIndex * 1_000 + agentIndex, obs: [], newObs: [], actions: [], rewards: [], terminateds: [], truncateds: [], logp: [], vf: [], distInputs: [], epsId: [], t: [], bootstrap: [] };
      slot.trajectories.set(agent, tr);
    }
    return tr;
  }

  async *items(): AsyncGenerator<MultiAgentBatch> {
    for (;;) yield await this.sample();
  }

  async sample(): Promise<MultiAgentBatch> {
    await this.ready();
    if (this.config.numEnvs < 1) throw new Error(`worker ${this.ctx.group}[${this.ctx.index}] has no environments (numEnvs ${this.config.numEnvs}): it is a learner and cannot sample`);
    const done: Trajectory[] = [];
    const options = { explore: this.config.explore, random: this.random, timestep: this.globalVars.timestep };
    for (let step = 0; step < this.config.rolloutFragmentLength; step++) {
      // 1. Who acts, grouped by policy: one forward pass per policy over every env copy.
      const groups = new Map<string, Array<{ slot: number; agent: AgentId }>>();
      this.slots.forEach((slot, s) => {
        for (const agent of Object.keys(slot.obs)) {
          if (slot.ended.has(agent)) continue;
          const id = this.policyOf(slot, agent);
          let g = groups.get(id);
          if (!g) groups.set(id, (g = []));
          g.push({ slot: s, agent });
        }
      });
      const actions = this.slots.map(() => ({}) as Record<AgentId, Action>);
      for (const [id, members] of groups) {
        const policy = this.policies.get(id)!;
        const dim = (policy.observationSpace as BoxSpace).shape.reduce((a, b) => a * b, 1);
        const obs = new Float32Array(members.length * dim);
        members.forEach((m, k) => obs.set(this.slots[m.slot]!.obs[m.agent]!, k * dim));
        const out = policy.computeActions(obs, members.length, options);
        const actDim = actionWidth(policy.actionSpace);
        const distWidth = out.distInputs.length / members.length;
        members.forEach((m, k) => {
          const slot = this.slots[m.slot]!;
          const tr = this.trajectory(slot, m.slot, m.agent, id);
          for (let j = 0; j < dim; j++) tr.obs.push(obs[k * dim + j]!);
          for (let j = 0; j < actDim; j++) tr.actions.push(out.actions[k * actDim + j]!);
          for (let j = 0; j < distWidth; j++) tr.distInputs.push(out.distInputs[k * distWidth + j]!);
          tr.logp.push(out.logp[k]!);
          tr.vf.push(out.vfPreds[k]!);
          tr.epsId.push(slot.episodeId);
          const t = slot.stepOf.get(m.agent) ?? 0;
          tr.t.push(t);
          slot.stepOf.set(m.agent, t + 1);
          tr.rewards.push(0);
          tr.terminateds.push(0);
          tr.truncateds.push(0);
          tr.bootstrap.push(0);
          actions[m.slot]![m.agent] = policy.actionSpace.kind === 'discrete' ? out.actions[k]! : Float32Array.from(out.actions.subarray(k * actDim, (k + 1) * actDim));
        });
      }
      // 2. Step every copy; rewards go to each agent's latest row (an agent that waits collects them there).
      const truncatedFinals: Array<{ tr: Trajectory; obs: Float32Array }> = [];
      this.slots.forEach((slot, s) => {
        const r = slot.env.step(actions[s]!);
        slot.length++;
        const all = r.terminateds[ALL_AGENTS] === true || r.truncateds[ALL_AGENTS] === true;
        // s' of every agent that acted: its observation after the step (its final one when it ended; its
        // latest when it has to wait for its next turn).
        for (const agent of Object.keys(actions[s]!)) {
          const tr = slot.trajectories.get(agent)!;
          const dim = tr.obs.length / tr.rewards.length;
          const next = r.observations[agent] ?? tr.obs.slice(tr.obs.length - dim);
          for (let j = 0; j < dim; j++) tr.newObs.push(next[j]!);
        }
        for (const [agent, reward] of Object.entries(r.rewards)) {
          slot.rewardOf.set(agent, (slot.rewardOf.get(agent) ?? 0) + reward);
          const tr = slot.trajectories.get(agent);
          if (tr && tr.rewards.length > 0) tr.rewards[tr.rewards.length - 1]! += reward;
        }
        for (const [agent, tr] of slot.trajectories) {
          if (tr.rewards.length === 0 || slot.ended.has(agent)) continue;
          const terminated = r.terminateds[agent] === true || (all && r.terminateds[ALL_AGENTS] === true && r.truncateds[agent] !== true);
          const truncated = !terminated && (r.truncateds[agent] === true || all);
          if (!terminated && !truncated) continue;
          const last = tr.rewards.length - 1;
          if (terminated) tr.terminateds[last] = 1;
          else {
            tr.truncateds[last] = 1;
            const final = r.observations[agent];
            // Bootstrap a cut-short agent from V(its final observation); without one, from its latest.
            if (final) truncatedFinals.push({ tr, obs: final });
            else tr.bootstrap[last] = tr.vf[last]!;
          }
          slot.ended.add(agent);
        }
        if (all) {
          this.finishEpisode(slot, done);
          this.startEpisode(slot);
        } else {
          slot.obs = { ...r.observations };
        }
      });
      this.bootstrapFrom(truncatedFinals, (tr) => tr.truncateds.length - 1);
    }
    // 3. The fragment cuts running trajectories: bootstrap them from V(next observation).
    const cut: Array<{ tr: Trajectory; obs: Float32Array }> = [];
    for (const slot of this.slots) {
      for (const [agent, tr] of slot.trajectories) {
        const last = tr.rewards.length - 1;
        if (last < 0 || tr.terminateds[last] || tr.truncateds[last]) continue;
        const next = slot.obs[agent];
        if (next) cut.push({ tr, obs: next });
        else tr.bootstrap[last] = tr.vf[last]!;
      }
      done.push(...slot.trajectories.values());
      slot.trajectories = new Map();
    }
    this.bootstrapFrom(cut, (tr) => tr.rewards.length - 1);
    return this.toBatch(done, this.config.rolloutFragmentLength * this.slots.length);
  }

  /** Writes V(obs) of each trajectory's policy into its bootstrap column at `row(tr)`, one forward pass per policy. */
  private bootstrapFrom(items: ReadonlyArray<{ tr: Trajectory; obs: Float32Array }>, row: (tr: Trajectory) => number): void {
    const byPolicy = new Map<string, Array<{ tr: Trajectory; obs: Float32Array }>>();
    for (const item of items) {
      let g = byPolicy.get(item.tr.policyId);
      if (!g) byPolicy.set(item.tr.policyId, (g = []));
      g.push(item);
    }
    for (const [id, group] of byPolicy) {
      const policy = this.policies.get(id)!;
      const dim = group[0]!.obs.length;
      const obs = new Float32Array(group.length * dim);
      group.forEach((g, k) => obs.set(g.obs, k * dim));
      const values = policy.value(obs, group.length);
      group.forEach((g, k) => (g.tr.bootstrap[row(g.tr)] = values[k]!));
    }
  }

  /** Records the episode's metrics and moves its trajectories to `done`. */
  private finishEpisode(slot: EnvSlot, done: Trajectory[]): void {
    const policyRewards: Record<string, number[]> = {};
    let total = 0;
    for (const [agent, reward] of slot.rewardOf) {
      total += reward;
      const id = slot.policyOf.get(agent);
      if (id !== undefined) (policyRewards[id] ??= []).push(reward);
    }
    this.finished.push({ reward: total, length: slot.length, policyRewards });
    done.push(...slot.trajectories.values());
    slot.trajectories = new Map();
  }

  private toBatch(trajectories: readonly Trajectory[], envSteps: number): MultiAgentBatch {
    const byPolicy = new Map<string, Trajectory[]>();
    for (const tr of trajectories) {
      if (tr.rewards.length === 0) continue;
      let g = byPolicy.get(tr.policyId);
      if (!g) byPolicy.set(tr.policyId, (g = []));
      g.push(tr);
    }
    const batches: Record<string, SampleBatch> = {};
    for (const [id, group] of byPolicy) {
      const policy = this.policies.get(id)!;
      const spec = this.config.policies[id]!;
      const rows = group.reduce((n, tr) => n + tr.rewards.length, 0);
      const obsDim = group[0]!.obs.length / group[0]!.rewards.length;
      const distWidth = group[0]!.distInputs.length / group[0]!.rewards.length;
      const discrete = policy.actionSpace.kind === 'discrete';
      const actDim = actionWidth(policy.actionSpace);
      const cat = <A extends Float32Array | Int32Array | Uint8Array>(make: new (n: number) => A, pick: (tr: Trajectory) => number[], width = 1): A => {
        const out = new make(rows * width);
        let at = 0;
        for (const tr of group) {
          out.set(pick(tr), at);
          at += pick(tr).length;
        }
        return out;
      };
      const envId = new Int32Array(rows);
      let at = 0;
      for (const tr of group) {
        envId.fill(tr.envId, at, at + tr.rewards.length);
        at += tr.rewards.length;
      }
      const batch = createSampleBatch(
        {
          [SB.OBS]: cat(Float32Array, (tr) => tr.obs, obsDim),
          [SB.ACTIONS]: discrete ? cat(Int32Array, (tr) => tr.actions) : cat(Float32Array, (tr) => tr.actions, actDim),
          [SB.REWARDS]: cat(Float32Array, (tr) => tr.rewards),
          [SB.TERMINATEDS]: cat(Uint8Array, (tr) => tr.terminateds),
          [SB.TRUNCATEDS]: cat(Uint8Array, (tr) => tr.truncateds),
          [SB.ACTION_LOGP]: cat(Float32Array, (tr) => tr.logp),
          [SB.ACTION_DIST_INPUTS]: cat(Float32Array, (tr) => tr.distInputs, distWidth),
          [SB.VF_PREDS]: cat(Float32Array, (tr) => tr.vf),
          [SB.EPS_ID]: cat(Int32Array, (tr) => tr.epsId),
          [SB.ENV_ID]: envId,
          [SB.T]: cat(Int32Array, (tr) => tr.t),
          [SB.BOOTSTRAP_VALUE]: cat(Float32Array, (tr) => tr.bootstrap),
          ...(policy.postprocess ? { [SB.NEXT_OBS]: cat(Float32Array, (tr) => tr.newObs, obsDim) } : {}),
        },
        { [SB.OBS]: obsDim, [SB.ACTION_DIST_INPUTS]: distWidth, ...(discrete ? {} : { [SB.ACTIONS]: actDim }), ...(policy.postprocess ? { [SB.NEXT_OBS]: obsDim } : {}) },
      );
      // Off-policy policies postprocess their rows themselves (Q: n-step transitions); actor-critics get GAE.
      batches[id] = policy.postprocess ? policy.postprocess(batch) : postprocessAdvantages(batch, { gamma: spec.gamma, lambda: spec.lambda, useGae: spec.useGae, useCritic: spec.useCritic });
    }
    return createMultiAgentBatch(batches, envSteps);
  }

  async setWeights(weights: PolicyWeights, globalVars?: GlobalVars): Promise<void> {
    await this.ready();
    for (const [id, w] of Object.entries(weights)) this.policy(id).setWeights(w);
    if (globalVars) this.globalVars = globalVars;
  }

  private policy(id: string): Policy {
    const p = this.policies.get(id);
    if (!p) throw new Error(`unknown policy '${id}' (policy map: ${[...this.policies.keys()].join(', ')})`);
    return p;
  }

  async getWeights(policyIds?: readonly string[]): Promise<PolicyWeights> {
    await this.ready();
    return Object.fromEntries((policyIds ?? [...this.policies.keys()]).map((id) => [id, this.policy(id).getWeights()]));
  }

  async learnOnBatch(batch: AnyBatch, options: SgdOptions): Promise<MultiAgentLearnResult> {
    await this.ready();
    if (!isMultiAgentBatch(batch)) throw new Error('a multi-agent learner trains on MultiAgentBatches (policy id → batch); got a plain SampleBatch');
    const started = performance.now();
    const stats: Record<string, LearnerStats> = {};
    const weights: Record<string, Float32Array[]> = {};
    const priorities: Record<string, PriorityUpdate[string]> = {};
    const agentStepsByPolicy: Record<string, number> = {};
    let agentSteps = 0;
    for (const [id, b] of Object.entries(batch.policyBatches)) {
      if (!this.toTrain.has(id) || b.count === 0) continue;
      const policy = this.policy(id);
      stats[id] = options.numSgdIter > 1 || options.sgdMinibatchSize > 0 ? sgdEpochs(policy, b, { ...options, random: this.random }) : policy.learnOnBatch(b);
      weights[id] = policy.getWeights();
      agentSteps += b.count;
      agentStepsByPolicy[id] = b.count;
      const slots = b.columns[BATCH_INDEXES];
      if (policy.lastTdErrors && slots) priorities[id] = { batchIndexes: slots as Int32Array, tdErrors: policy.lastTdErrors };
    }
    const td = Object.keys(priorities).length > 0 ? { priorities } : {};
    return { stats, weights, count: batch.count, agentSteps, agentStepsByPolicy, learnMs: performance.now() - started, ...td };
  }

  async updateTargetNetwork(policyIds?: readonly string[]): Promise<void> {
    await this.ready();
    const ids = policyIds ?? [...this.policies].filter(([, p]) => p.updateTarget).map(([id]) => id);
    for (const id of ids) {
      const policy = this.policy(id);
      if (!policy.updateTarget) throw new Error(`policy '${id}' has no target network (updateTargetNetwork is for Q policies)`);
      policy.updateTarget();
    }
  }

  async updateKl(sampledKls: Readonly<Record<string, number>>): Promise<Record<string, number>> {
    await this.ready();
    return Object.fromEntries(Object.entries(sampledKls).map(([id, kl]) => [id, this.policy(id).updateKl(kl)]));
  }

  getMetrics(): EpisodeMetrics[] {
    const out = this.finished;
    this.finished = [];
    return out;
  }

  async getState(): Promise<MultiAgentWorkerState> {
    await this.ready();
    return { policies: Object.fromEntries([...this.policies].map(([id, p]) => [id, p.getState()])), globalVars: this.globalVars };
  }

  async setState(state: MultiAgentWorkerState): Promise<void> {
    await this.ready();
    for (const [id, s] of Object.entries(state.policies)) this.policy(id).setState(s);
    this.globalVars = state.globalVars;
  }

  async getPolicyState(policyId: string): Promise<PolicyState> {
    await this.ready();
    return this.policy(policyId).getState();
  }

  async setPolicyState(policyId: string, state: PolicyState): Promise<void> {
    await this.ready();
    this.policy(policyId).setState(state);
  }
}

/** The multi-agent rollout worker actor class: `actors(MultiAgentRolloutWorker, { count, args: [config] })`. */
export const MultiAgentRolloutWorker = actorClass(import.meta.url, MultiAgentRolloutWorkerImpl, { items: 'MultiAgentBatch' });
export type { MultiAgentRolloutWorkerImpl };
