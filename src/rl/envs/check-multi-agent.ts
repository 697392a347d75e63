/**
 * The multi-agent env checker: runs an environment through random episodes and reports every way it
 * breaks the parallel-API contract (multi-agent.ts) that a rollout worker would otherwise trip over
 * later, far from the cause: agent ids outside `possibleAgents`, observations outside an agent's
 * space or not finite, missing `__all__` flags, non-numeric rewards, an ended agent asked to act again,
 * and different trajectories from the same seed. Use it on your own env before training on it.
 */
import { contains, sample } from './spaces.js';
import { ALL_AGENTS, type AgentId, type MultiAgentEnv } from './multi-agent.js';
import type { Action } from './types.js';
import { createRng } from '../../rng/index.js';
// One error for every env check, single- or multi-agent: `problems` lists each violation found.
import { EnvCheckError } from './check-env.js';

/** Options of `checkMultiAgentEnv`: how many steps to run and the seed. */
export interface MultiAgentCheckOptions {
  /** Env steps to run (episodes are reset as they end; default 300). */
  readonly steps?: number;
  /** Seed of the resets and of the random actions (default 0). */
  readonly seed?: number;
}

/** What `checkMultiAgentEnv` found on success: steps and episodes run, and the agents seen acting. */
export interface MultiAgentCheckReport {
  readonly steps: number;
  readonly episodes: number;
  /** Every agent that acted at least once. */
  readonly agentsSeen: readonly AgentId[];
}

type Trace = number[];

/**
 * Checks `env`; returns what it ran, or throws `EnvCheckError` naming every problem.
 *
 * @example
 *   checkMultiAgentEnv(makeMultiAgentEnv('RockPaperScissors-v0'));
 */
export function checkMultiAgentEnv(env: MultiAgentEnv, options: MultiAgentCheckOptions = {}): MultiAgentCheckReport {
  const steps = options.steps ?? 300;
  const seed = options.seed ?? 0;
  const problems: string[] = [];
  const add = (p: string): void => {
    if (problems.length < 20 && !problems.includes(p)) problems.push(p);
  };
  const agents = env.possibleAgents;
  if (!Array.isArray(agents) || agents.length === 0) add('possibleAgents must be a non-empty array of agent ids');
  else {
    if (new Set(agents).size !== agents.length) add(`possibleAgents has duplicates: ${agents.join(', ')}`);
    for (const a of agents) {
      if (typeof a !== 'string' || a.length === 0 || a === ALL_AGENTS) add(`agent id ${JSON.stringify(a)} is not allowed (non-empty strings other than '${ALL_AGENTS}')`);
      try {
        const o = env.observationSpace(a);
        if (o.kind !== 'box') add(`agent '${a}': the observation space must be a Box`);
        env.actionSpace(a);
      } catch (e) {
        add(`agent '${a}': its spaces cannot be read: ${(e as Error).message}`);
      }
    }
  }
  if (problems.length) throw new EnvCheckError(env.id, problems);

  const run = (): { trace: Trace; report: MultiAgentCheckReport } => {
    const random = createRng(seed);
    const trace: Trace = [];
    const seen = new Set<AgentId>();
    let episodes = 0;
    let acting = checkObservations(env, env.reset({ seed }).observations, add, 'reset', trace);
    const ended = new Set<AgentId>();
    for (let t = 0; t < steps; t++) {
      const actions: Record<AgentId, Action> = {};
      for (const a of acting) {
        actions[a] = sample(env.actionSpace(a), random);
        seen.add(a);
      }
      let r;
      try {
        r = env.step(actions);
      } catch (e) {
        add(`step ${t}: step() threw: ${(e as Error).message}`);
        break;
      }
      const where = `step ${t}`;
      for (const key of ['observations', 'rewards', 'terminateds', 'truncateds', 'infos'] as const) {
        if (typeof r[key] !== 'object' || r[key] === null) add(`${where}: '${key}' must be a dict keyed by agent id`);
      }
      if (problems.length) break;
      for (const flags of ['terminateds', 'truncateds'] as const) {
        if (typeof r[flags][ALL_AGENTS] !== 'boolean') add(`${where}: ${flags} must have a boolean '${ALL_AGENTS}' entry`);
        for (const [a, v] of Object.entries(r[flags])) if (typeof v !== 'boolean') add(`${where}: ${flags}['${a}'] must be a boolean, got ${JSON.stringify(v)}`);
      }
      for (const [a, v] of Object.entries(r.rewards)) {
        if (!agents.includes(a)) add(`${where}: reward for unknown agent '${a}'`);
        if (typeof v !== 'number' || !Number.isFinite(v)) add(`${where}: reward of agent '${a}' must be a finite number, got ${String(v)}`);
        else trace.push(v);
      }
      const observed = checkObservations(env, r.observations, add, where, trace);
      for (const a of observed) if (ended.has(a)) add(`${where}: agent '${a}' ended earlier in this episode but is observed again`);
      for (const a of Object.keys(r.terminateds)) if (a !== ALL_AGENTS && (r.terminateds[a] || r.truncateds[a])) ended.add(a);
      for (const a of Object.keys(r.truncateds)) if (a !== ALL_AGENTS && r.truncateds[a]) ended.add(a);
      if (r.terminateds[ALL_AGENTS] || r.truncateds[ALL_AGENTS]) {
        episodes++;
        ended.clear();
        acting = checkObservations(env, env.reset().observations, add, `reset after ${where}`, trace);
      } else {
        acting = observed.filter((a) => !r.terminateds[a] && !r.truncateds[a]);
        if (acting.length === 0) add(`${where}: no agent is left to act but '${ALL_AGENTS}' is not set`);
      }
      if (problems.length) break;
    }
    return { trace, report: { steps, episodes, agentsSeen: [...seen].sort() } };
  };

  const first = run();
  if (problems.length) throw new EnvCheckError(env.id, problems);
  const second = run();
  const diverged = first.trace.findIndex((v, i) => !Object.is(v, second.trace[i]));
  if (diverged >= 0 || first.trace.length !== second.trace.length) {
    add(`not reproducible: two runs from reset({ seed: ${seed} }) with the same actions differ (at value ${diverged >= 0 ? diverged : first.trace.length}); seed every random draw from reset's seed`);
  }
  if (problems.length) throw new EnvCheckError(env.id, problems);
  return first.report;
}

/** Checks an observation dict; returns its agent ids (in `possibleAgents` order). */
function checkObservations(env: MultiAgentEnv, observations: unknown, add: (p: string) => void, where: string, trace: Trace): AgentId[] {
  if (typeof observations !== 'object' || observations === null) {
    add(`${where}: observations must be a dict keyed by agent id`);
    return [];
  }
  const out: AgentId[] = [];
  for (const [a, obs] of Object.entries(observations as Record<string, unknown>)) {
    if (!env.possibleAgents.includes(a)) {
      add(`${where}: observation for agent '${a}', which is not in possibleAgents`);
      continue;
    }
    const space = env.observationSpace(a);
    if (!(obs instanceof Float32Array)) add(`${where}: observation of agent '${a}' must be a Float32Array`);
    else if (!obs.every(Number.isFinite)) add(`${where}: observation of agent '${a}' has NaN or infinite values`);
    else if (!contains(space, obs)) add(`${where}: observation of agent '${a}' is outside its observation space (shape [${space.shape.join(', ')}])`);
    else trace.push(...obs);
    out.push(a);
  }
  return env.possibleAgents.filter((a) => out.includes(a));
}
