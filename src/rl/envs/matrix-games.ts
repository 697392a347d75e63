/**
 * Two small repeated games for multi-agent training, both in the parallel API (multi-agent.ts):
 *
 * - `RockPaperScissorsEnv` (competitive, zero-sum): two players pick rock, paper or scissors each
 *   round; the winner gets +1, the loser −1, a draw 0 (RLlib's `RockPaperScissors` example env). Each
 *   player observes the opponent's previous move, so a policy can learn to exploit a predictable one.
 * - `CoordinationGameEnv` (cooperative, shared reward): N agents each pick one of `numActions` signals;
 *   everyone gets +1 when all picked the same signal, else 0. Each agent observes every agent's
 *   previous signal, so the team can settle on one convention.
 *
 * Both run a fixed number of rounds and then truncate (there is no terminal state).
 */
import { createRng } from '../../rng/index.js';
import { readEnvConfig } from './in-place.js';
import { ALL_AGENTS, MultiAgentEnvError, type AgentDict, type AgentId, type MultiAgentEnv, type MultiAgentResetResult, type MultiAgentStepResult } from './multi-agent.js';
import { box, discrete } from './spaces.js';
import type { Action, BoxSpace, DiscreteSpace } from './types.js';

/** Rock's action index in `RockPaperScissorsEnv`. */
export const ROCK = 0;
/** Paper's action index in `RockPaperScissorsEnv`. */
export const PAPER = 1;
/** Scissors' action index in `RockPaperScissorsEnv`. */
export const SCISSORS = 2;

/** +1 when move `a` beats move `b`, −1 when it loses, 0 on a draw. */
export function rpsPayoff(a: number, b: number): number {
  if (a === b) return 0;
  return (a - b + 3) % 3 === 1 ? 1 : -1;
}

/** Shared plumbing of the two games: fixed agents, a round counter, action validation. */
abstract class RepeatedGame implements MultiAgentEnv {
  abstract readonly id: string;
  abstract readonly possibleAgents: readonly AgentId[];
  protected abstract readonly obsSpace: BoxSpace;
  protected abstract readonly actSpace: DiscreteSpace;
  protected round = 0;
  /** The game's seeded RNG (reseeded by `reset({ seed })`). */
  protected random: () => number;
  private needsReset = true;

  constructor(
    protected readonly rounds: number,
    seed: number,
  ) {
    this.random = createRng(seed);
  }

  observationSpace(agent: AgentId): BoxSpace {
    this.check(agent);
    return this.obsSpace;
  }

  actionSpace(agent: AgentId): DiscreteSpace {
    this.check(agent);
    return this.actSpace;
  }

  private check(agent: AgentId): void {
    if (!this.possibleAgents.includes(agent)) throw new MultiAgentEnvError(`${this.id}: unknown agent '${agent}' (agents: ${this.possibleAgents.join(', ')})`);
  }

  reset(options: { readonly seed?: number } = {}): MultiAgentResetResult {
    if (options.seed !== undefined) this.random = createRng(options.seed);
    this.round = 0;
    this.needsReset = false;
    this.start();
    return { observations: this.observe(), infos: Object.fromEntries(this.possibleAgents.map((a) => [a, {}])) };
  }

  step(actions: AgentDict<Action>): MultiAgentStepResult {
    if (this.needsReset) throw new MultiAgentEnvError(`${this.id}: step() before reset() (or after the episode ended)`);
    const moves = this.possibleAgents.map((agent) => {
      const a = actions[agent];
      if (typeof a !== 'number' || !Number.isInteger(a) || a < 0 || a >= this.actSpace.n) {
        throw new MultiAgentEnvError(`${this.id}: agent '${agent}' needs an integer action in [0, ${this.actSpace.n}), got ${String(a)}`);
      }
      return a;
    });
    const rewards = this.play(moves);
    this.round++;
    const over = this.round >= this.rounds;
    if (over) this.needsReset = true;
    const flags = (value: boolean): Record<AgentId, boolean> => ({ ...Object.fromEntries(this.possibleAgents.map((a) => [a, value])), [ALL_AGENTS]: value });
    return {
      observations: this.observe(),
      rewards: Object.fromEntries(this.possibleAgents.map((a, i) => [a, rewards[i]!])),
      terminateds: flags(false),
      truncateds: flags(over),
      infos: Object.fromEntries(this.possibleAgents.map((a) => [a, {}])),
    };
  }

  /** Called at reset: clears the remembered moves. */
  protected abstract start(): void;
  /** Plays one round; returns each agent's reward, in `possibleAgents` order. */
  protected abstract play(moves: readonly number[]): number[];
  /** Every agent's observation of the current round. */
  protected abstract observe(): Record<AgentId, Float32Array>;
}

/** One-hot of `move` in `out[offset …]`, with the last slot meaning "no move yet" (move = −1). */
function oneHot(out: Float32Array, offset: number, width: number, move: number): void {
  out[offset + (move < 0 ? width - 1 : move)] = 1;
}

/**
 * Iterated rock-paper-scissors between `player_0` and `player_1`. Observation: one-hot of the
 * opponent's previous move (4 slots: rock, paper, scissors, none yet). Config: `rounds` (10), `seed`.
 */
export class RockPaperScissorsEnv extends RepeatedGame {
  readonly id = 'RockPaperScissors-v0';
  readonly possibleAgents = ['player_0', 'player_1'] as const;
  protected readonly obsSpace = box(0, 1, [4]);
  protected readonly actSpace = discrete(3);
  private last = [-1, -1];

  constructor(config: Readonly<Record<string, unknown>> = {}) {
    const c = readEnvConfig('RockPaperScissors-v0', config, { rounds: 10 });
    super(c.rounds, c.seed);
  }

  protected start(): void {
    this.last = [-1, -1];
  }

  protected play(moves: readonly number[]): number[] {
    this.last = [moves[0]!, moves[1]!];
    const r = rpsPayoff(moves[0]!, moves[1]!);
    return [r, -r];
  }

  protected observe(): Record<AgentId, Float32Array> {
    const obs = (opponent: number): Float32Array => {
      const o = new Float32Array(4);
      oneHot(o, 0, 4, this.last[opponent]!);
      return o;
    };
    return { player_0: obs(1), player_1: obs(0) };
  }
}

/**
 * A cooperative coordination game: `numAgents` agents (`agent_0` …) each pick one of `numActions`
 * signals per round; all get +1 when every signal matches, else 0. Observation: for every agent, a
 * one-hot of its previous signal (numActions + 1 slots, the last meaning "none yet"), followed by a
 * one-hot of the observer's own index (so a shared policy can tell the agents apart). Config:
 * `numAgents` (2), `numActions` (3), `rounds` (10), `seed`.
 */
export class CoordinationGameEnv extends RepeatedGame {
  readonly id = 'CoordinationGame-v0';
  readonly possibleAgents: readonly AgentId[];
  protected readonly obsSpace: BoxSpace;
  protected readonly actSpace: DiscreteSpace;
  private readonly numAgents: number;
  private last: number[];

  constructor(config: Readonly<Record<string, unknown>> = {}) {
    const c = readEnvConfig('CoordinationGame-v0', config, { numAgents: 2, numActions: 3, rounds: 10 });
    for (const key of ['numAgents', 'numActions', 'rounds'] as const) {
      if (!Number.isInteger(c[key]) || c[key] < (key === 'rounds' ? 1 : 2)) throw new MultiAgentEnvError(`CoordinationGame-v0: config key "${key}" must be an integer >= ${key === 'rounds' ? 1 : 2}, got ${c[key]}`);
    }
    super(c.rounds, c.seed);
    this.numAgents = c.numAgents;
    this.possibleAgents = Array.from({ length: c.numAgents }, (_, i) => `agent_${i}`);
    this.obsSpace = box(0, 1, [c.numAgents * (c.numActions + 1) + c.numAgents]);
    this.actSpace = discrete(c.numActions);
    this.last = Array.from({ length: c.numAgents }, () => -1);
  }

  protected start(): void {
    this.last = this.last.map(() => -1);
  }

  protected play(moves: readonly number[]): number[] {
    this.last = [...moves];
    const agreed = moves.every((m) => m === moves[0]);
    return moves.map(() => (agreed ? 1 : 0));
  }

  protected observe(): Record<AgentId, Float32Array> {
    const width = this.actSpace.n + 1;
    const out: Record<AgentId, Float32Array> = {};
    this.possibleAgents.forEach((agent, self) => {
      const o = new Float32Array(this.obsSpace.shape[0]!);
      this.last.forEach((move, i) => oneHot(o, i * width, width, move));
      o[this.numAgents * width + self] = 1;
      out[agent] = o;
    });
    return out;
  }
}
