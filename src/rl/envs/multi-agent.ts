/**
 * The multi-agent environment contract: the parallel API of PettingZoo and RLlib's `MultiAgentEnv`.
 * Observations, actions, rewards, terminateds, truncateds and infos are dicts keyed by agent id;
 * `terminateds.__all__` / `truncateds.__all__` end the episode for everyone. Each agent has its own
 * spaces. Agents may join (an id appears in `observations` for the first time) and leave (its
 * `terminateds` or `truncateds` entry turns true; it is then never asked to act again in this episode).
 *
 * `makeMultiAgent(envId, n)` turns any registered single-agent env into N independent copies, one per
 * agent (RLlib's `make_multi_agent`): the episode ends when every copy has ended, and agents whose copy
 * ended leave early. The multi-agent registry and the built-in games live in multi-agent-registry.ts.
 */
import { makeEnv } from './registry.js';
import type { Action, BoxSpace, Env, Space } from './types.js';

/** The key of `terminateds`/`truncateds` that ends the episode for every agent. */
export const ALL_AGENTS = '__all__';

/** An agent's id in a multi-agent env. */
export type AgentId = string;

/** A dict keyed by agent id. */
export type AgentDict<T> = Readonly<Record<AgentId, T>>;

/** What `MultiAgentEnv.reset` returns: the first observations and infos of the agents that act first. */
export interface MultiAgentResetResult {
  /** The first observation of every agent that acts at the first step. */
  readonly observations: AgentDict<Float32Array>;
  readonly infos: AgentDict<Record<string, unknown>>;
}

/** What `MultiAgentEnv.step` returns: per-agent observations, rewards, end flags (with `__all__`) and infos. */
export interface MultiAgentStepResult {
  /**
   * The agents that act next, with their observations; an agent that just ended is here too, with its
   * last observation (and `terminateds`/`truncateds` true), but is not asked to act again.
   */
  readonly observations: AgentDict<Float32Array>;
  /** Reward of each agent for the step just taken. */
  readonly rewards: AgentDict<number>;
  /** Per agent, plus `__all__`: the agent (or the episode) reached a terminal state. */
  readonly terminateds: AgentDict<boolean>;
  /** Per agent, plus `__all__`: the agent (or the episode) was cut short (time limit). */
  readonly truncateds: AgentDict<boolean>;
  readonly infos: AgentDict<Record<string, unknown>>;
}

/**
 * A multi-agent environment (parallel API). `step(actions)` takes one action for every agent that was
 * in the latest `observations` and has not ended; after `__all__` is true, call `reset` again.
 */
export interface MultiAgentEnv {
  readonly id: string;
  /** Every agent id that may ever appear, in a stable order (PettingZoo's `possible_agents`). */
  readonly possibleAgents: readonly AgentId[];
  /** The observation space of `agent`. */
  observationSpace(agent: AgentId): BoxSpace;
  /** The action space of `agent`. */
  actionSpace(agent: AgentId): Space;
  /** Starts an episode; `seed` reseeds the environment's RNG. */
  reset(options?: { readonly seed?: number }): MultiAgentResetResult;
  /** Takes one step with an action for every agent that is due to act. */
  step(actions: AgentDict<Action>): MultiAgentStepResult;
}

/** Creates a fresh multi-agent environment; `config` is plain data from the user's config. */
export type MultiAgentEnvFactory = (config: Readonly<Record<string, unknown>>) => MultiAgentEnv;

/** An agent was asked for, or sent, something the contract does not allow. */
export class MultiAgentEnvError extends Error {
  override readonly name = 'MultiAgentEnvError';
}

/**
 * N independent copies of a single-agent env, agent ids `'0' … 'N-1'` (RLlib's `make_multi_agent`).
 * An agent whose copy ends leaves the episode; `__all__` is set when every copy has ended. Reset with a
 * seed reseeds copy i with `seed + i`, so copies differ but the whole is reproducible.
 */
export class IndependentCopiesEnv implements MultiAgentEnv {
  readonly id: string;
  readonly possibleAgents: readonly AgentId[];
  private readonly envs: Env[];
  private readonly done: boolean[];
  /** Whether copy i ended in a terminal state (not by truncation). */
  private readonly terminal: boolean[];
  private needsReset = true;

  constructor(
    readonly singleAgentId: string,
    numAgents: number,
    envConfig: Readonly<Record<string, unknown>> = {},
    id = `MultiAgent(${singleAgentId}×${numAgents})`,
  ) {
    if (!Number.isInteger(numAgents) || numAgents < 1) throw new MultiAgentEnvError(`${id}: numAgents must be a positive integer, got ${String(numAgents)}`);
    this.id = id;
    this.envs = Array.from({ length: numAgents }, () => makeEnv(singleAgentId, envConfig));
    this.possibleAgents = this.envs.map((_, i) => String(i));
    this.done = this.envs.map(() => false);
    this.terminal = this.envs.map(() => false);
  }

  private indexOf(agent: AgentId): number {
    const i = this.possibleAgents.indexOf(agent);
    if (i < 0) throw new MultiAgentEnvError(`${this.id}: unknown agent '${agent}' (agents: ${this.possibleAgents.join(', ')})`);
    return i;
  }

  observationSpace(agent: AgentId): BoxSpace {
    return this.envs[this.indexOf(agent)]!.observationSpace;
  }

  actionSpace(agent: AgentId): Space {
    return this.envs[this.indexOf(agent)]!.actionSpace;
  }

  reset(options: { readonly seed?: number } = {}): MultiAgentResetResult {
    const observations: Record<AgentId, Float32Array> = {};
    const infos: Record<AgentId, Record<string, unknown>> = {};
    this.envs.forEach((env, i) => {
      const r = env.reset(options.seed === undefined ? {} : { seed: options.seed + i });
      observations[String(i)] = Float32Array.from(r.observation);
      infos[String(i)] = r.info;
      this.done[i] = false;
      this.terminal[i] = false;
    });
    this.needsReset = false;
    return { observations, infos };
  }

  step(actions: AgentDict<Action>): MultiAgentStepResult {
    if (this.needsReset) throw new MultiAgentEnvError(`${this.id}: step() before reset() (or after the episode ended)`);
    const observations: Record<AgentId, Float32Array> = {};
    const rewards: Record<AgentId, number> = {};
    const terminateds: Record<AgentId, boolean> = {};
    const truncateds: Record<AgentId, boolean> = {};
    const infos: Record<AgentId, Record<string, unknown>> = {};
    for (const agent of Object.keys(actions)) {
      const i = this.indexOf(agent);
      if (this.done[i]) throw new MultiAgentEnvError(`${this.id}: agent '${agent}' already ended this episode and may not act`);
    }
    this.envs.forEach((env, i) => {
      if (this.done[i]) return;
      const agent = String(i);
      const action = actions[agent];
      if (action === undefined) throw new MultiAgentEnvError(`${this.id}: no action for agent '${agent}'`);
      const r = env.step(action);
      observations[agent] = Float32Array.from(r.observation);
      rewards[agent] = r.reward;
      terminateds[agent] = r.terminated;
      truncateds[agent] = r.truncated;
      infos[agent] = r.info;
      if (r.terminated || r.truncated) this.done[i] = true;
      if (r.terminated) this.terminal[i] = true;
    });
    const all = this.done.every(Boolean);
    // The episode ends with the last copy: terminated when every copy reached a terminal state, else truncated.
    terminateds[ALL_AGENTS] = all && this.terminal.every(Boolean);
    truncateds[ALL_AGENTS] = all && !terminateds[ALL_AGENTS];
    if (all) this.needsReset = true;
    return { observations, rewards, terminateds, truncateds, infos };
  }
}

/**
 * A factory of N independent copies of the registered single-agent env `envId` (RLlib's
 * `make_multi_agent`). Config key `numAgents` overrides `numAgents`; the other keys go to every copy.
 *
 * @example
 *   registerMultiAgentEnv('MultiPendulum', makeMultiAgent('Pendulum-v1', 3));
 */
export function makeMultiAgent(envId: string, numAgents = 2): MultiAgentEnvFactory {
  return (config) => {
    const { numAgents: n = numAgents, ...rest } = config as { numAgents?: unknown } & Record<string, unknown>;
    if (typeof n !== 'number') throw new MultiAgentEnvError(`makeMultiAgent(${envId}): config key "numAgents" must be a number, got ${JSON.stringify(n)}`);
    return new IndependentCopiesEnv(envId, n, rest);
  };
}
