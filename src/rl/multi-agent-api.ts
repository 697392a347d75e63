/**
 * The multi-agent rollout worker's contract, as types (the multi-agent twin of worker-api.ts): its
 * config (a policy map, a policy-mapping function given as a module reference, the policies to train),
 * the per-policy weights, learn results and state it exchanges, and the methods the multi-agent RL
 * operators call. `MultiAgentRolloutWorker` (multi-agent-worker.ts) implements it.
 */
import type { ActorGroup } from '../dsl/define.js';
import type { AnyBatch, MultiAgentBatch } from './data/sample-batch.js';
import type { BoxSpace, Space } from './envs/types.js';
import type { AnyPolicyConfig, LearnerStats, PolicyState } from './policy/types.js';
import type { PriorityUpdate } from './replay/replay-buffers.js';
import type { EpisodeMetrics, GlobalVars, SgdOptions } from './worker-api.js';

/**
 * One entry of the policy map: what a policy is and how its experience is postprocessed. Policies of
 * one map may come from different algorithms: an actor-critic (`pg`, `a2c`, `ppo` losses; GAE with
 * `gamma`/`lambda`) next to a Q policy (`config.kind: 'q'`; n-step transitions with its own γ).
 */
export interface PolicySpec {
  readonly config: AnyPolicyConfig;
  /** Actor-critic postprocessing (GAE); a Q policy postprocesses with its own config. */
  readonly gamma: number;
  readonly lambda: number;
  readonly useGae: boolean;
  readonly useCritic: boolean;
  /** Spaces of the agents this policy controls; default: those of the first agent mapped to it. */
  readonly observationSpace?: BoxSpace;
  readonly actionSpace?: Space;
}

/**
 * Where the policy-mapping function lives, so every worker process can load it: the module's URL and
 * the export's name (no `module`: a built-in of policy-mapping.ts). Without `args` the export is the
 * mapping function itself; with `args` it is a factory called once with them (plain data) that returns
 * the mapping function.
 *
 * @example
 *   // my-mapping.ts
 *   export function myMapping(agentId: string): string { return agentId === 'hero' ? 'learner' : 'frozen'; }
 *   // plan
 *   policyMapping: { module: import.meta.url, name: 'myMapping' }
 */
export interface PolicyMappingRef {
  readonly module?: string;
  readonly name: string;
  readonly args?: readonly unknown[];
}

/** What a policy-mapping function learns about the agent it maps. */
export interface MappingContext {
  /** The episode (unique per worker and env copy); an agent keeps its policy for the whole episode. */
  readonly episodeId: number;
  /** The agent's position in the env's `possibleAgents`. */
  readonly agentIndex: number;
  readonly workerIndex: number;
}

/** Maps an agent to a policy id of the policy map, once per agent and episode (RLlib's policy_mapping_fn). */
export type PolicyMappingFn = (agentId: string, context: MappingContext) => string;

/** Everything a multi-agent rollout worker (or learner) is built from: plain data. */
export interface MultiAgentWorkerConfig {
  /** Registered multi-agent env id, e.g. `MultiAgentCartPole`. */
  readonly env: string;
  /** URL of the module that registers `env`, for your own environments. */
  readonly envModule?: string;
  readonly envConfig: Readonly<Record<string, unknown>>;
  /** Env copies per worker; 0 for a learner. */
  readonly numEnvs: number;
  /** Env steps per env copy in one `sample()`. */
  readonly rolloutFragmentLength: number;
  /** The policy map: policy id → spec. */
  readonly policies: Readonly<Record<string, PolicySpec>>;
  readonly policyMapping: PolicyMappingRef;
  /** Policies `learnOnBatch` updates (default: all); the others act but never learn here. */
  readonly policiesToTrain?: readonly string[];
  /** Sample with exploration (stochastic actions). */
  readonly explore: boolean;
}

/** Weights of several policies, keyed by policy id. */
export type PolicyWeights = Readonly<Record<string, Float32Array[]>>;

export interface MultiAgentLearnResult {
  /** Learner statistics of every policy trained on this batch. */
  readonly stats: Readonly<Record<string, LearnerStats>>;
  /** The trained policies' new weights, ready to broadcast. */
  readonly weights: PolicyWeights;
  /** Env steps of the batch. */
  readonly count: number;
  /** Rows trained on, summed over the trained policies. */
  readonly agentSteps: number;
  /** Rows trained on, per trained policy. */
  readonly agentStepsByPolicy: Readonly<Record<string, number>>;
  /** Time the learner spent training (ms), measured where it trains. */
  readonly learnMs: number;
  /** Q policies on a replayed batch: TD error per row and the rows' replay slots, per policy (prioritized replay). */
  readonly priorities?: PriorityUpdate;
}

/** A multi-agent rollout worker's state (`getState`/`setState`): every policy's state and the global vars. */
export interface MultiAgentWorkerState {
  readonly policies: Readonly<Record<string, PolicyState>>;
  readonly globalVars: GlobalVars;
}

type Awaitable<T> = T | Promise<T>;

/** The methods of a multi-agent rollout worker (and learner) that the multi-agent RL operators call. */
export interface MultiAgentWorkerApi {
  /** Endless stream of `sample()` results (the worker's items). */
  items(): AsyncIterable<MultiAgentBatch>;
  /** One fragment: `rolloutFragmentLength` env steps per env copy, one postprocessed batch per policy. */
  sample(): Awaitable<MultiAgentBatch>;
  /** Sets the given policies' weights (others keep theirs). */
  setWeights(weights: PolicyWeights, globalVars?: GlobalVars): Awaitable<void>;
  /** Weights of the given policies (default: all). */
  getWeights(policyIds?: readonly string[]): Awaitable<PolicyWeights>;
  /** Minibatch SGD for every policy of the batch that is in `policiesToTrain`. */
  learnOnBatch(batch: AnyBatch, options: SgdOptions): Awaitable<MultiAgentLearnResult>;
  /** Q policies: copies the online weights into the target network, for the given policies (default: every Q policy). */
  updateTargetNetwork(policyIds?: readonly string[]): Awaitable<void>;
  /** PPO's adaptive KL update per policy from its sampled KL; returns the new coefficients. */
  updateKl(sampledKls: Readonly<Record<string, number>>): Awaitable<Record<string, number>>;
  /** Drains the episodes finished since the last call (with per-policy rewards). */
  getMetrics(): Awaitable<EpisodeMetrics[]>;
  /** Every policy's state and the global vars, for checkpoints. */
  getState(): Awaitable<MultiAgentWorkerState>;
  /** Restores a state from `getState`. */
  setState(state: MultiAgentWorkerState): Awaitable<void>;
  /** One policy's state, for a per-policy checkpoint. */
  getPolicyState(policyId: string): Awaitable<PolicyState>;
  /** Restores one policy's state (from `getPolicyState`). */
  setPolicyState(policyId: string, state: PolicyState): Awaitable<void>;
}

/** An actor group of multi-agent rollout workers (or their learner: one worker with no envs). */
export type MultiAgentWorkerGroup = ActorGroup<MultiAgentWorkerApi, [MultiAgentWorkerConfig]>;
