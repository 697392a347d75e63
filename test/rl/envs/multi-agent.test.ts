/**
 * The multi-agent env API: MultiAgentCartPole (independent copies, agents leave as their copy ends,
 * `__all__` at the last), the two games (payoffs, observations, truncation), the registry (user envs,
 * loading by module) and the checker (accepts every built-in, names each kind of contract violation).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  ALL_AGENTS,
  CartPoleEnv,
  EnvCheckError,
  MultiAgentEnvError,
  PAPER,
  ROCK,
  SCISSORS,
  UnknownEnvError,
  checkMultiAgentEnv,
  listMultiAgentEnvs,
  loadMultiAgentEnv,
  makeMultiAgent,
  makeMultiAgentEnv,
  registerMultiAgentEnv,
  rpsPayoff,
  unregisterMultiAgentEnv,
  type MultiAgentEnv,
} from '../../../src/rl/envs/index.js';
import { RelayEnv } from '../../fixtures/multi-agent-envs.js';

describe('MultiAgentCartPole', () => {
  test('4 independent CartPole copies; copy i reseeded with seed + i', () => {
    const env = makeMultiAgentEnv('MultiAgentCartPole');
    assert.deepEqual(env.possibleAgents, ['0', '1', '2', '3']);
    const { observations } = env.reset({ seed: 10 });
    for (let i = 0; i < 4; i++) {
      const single = new CartPoleEnv();
      assert.deepEqual([...observations[String(i)]!], [...single.reset({ seed: 10 + i }).observation]);
    }
  });

  test('agents leave when their copy ends; __all__ when the last one does; rewards per agent', () => {
    const env = makeMultiAgent('CartPole-v1', 2)({ numAgents: 3 });
    let obs = env.reset({ seed: 1 }).observations;
    const left = new Set<string>();
    let steps = 0;
    for (;;) {
      // Always push right: every pole falls within a few dozen steps.
      const actions = Object.fromEntries(Object.keys(obs).filter((a) => !left.has(a)).map((a) => [a, 1]));
      const r = env.step(actions);
      steps++;
      assert.deepEqual(Object.keys(r.rewards).sort(), Object.keys(actions).sort());
      for (const a of Object.keys(actions)) assert.equal(r.rewards[a], 1);
      for (const a of Object.keys(r.terminateds)) if (a !== ALL_AGENTS && r.terminateds[a]) left.add(a);
      obs = r.observations;
      if (r.terminateds[ALL_AGENTS] || r.truncateds[ALL_AGENTS]) {
        assert.equal(left.size, 3);
        assert.equal(r.terminateds[ALL_AGENTS], true);
        break;
      }
      assert.ok(left.size < 3, '__all__ is set as soon as every agent has left');
      assert.ok(steps < 200);
    }
    assert.throws(() => env.step({ '0': 1 }), MultiAgentEnvError);
  });

  test('an agent that ended may not act again', () => {
    const env = makeMultiAgent('CartPole-v1', 2)({ maxEpisodeSteps: 3 });
    env.reset({ seed: 0 });
    env.step({ '0': 0, '1': 0 });
    env.step({ '0': 0, '1': 0 });
    const r = env.step({ '0': 0, '1': 0 });
    assert.equal(r.truncateds['0'], true);
    assert.equal(r.truncateds[ALL_AGENTS], true);
    assert.equal(r.terminateds[ALL_AGENTS], false);
  });

  test('config errors name the key', () => {
    assert.throws(() => makeMultiAgentEnv('MultiAgentCartPole', { numAgents: 0 }), /numAgents must be a positive integer/);
    assert.throws(() => makeMultiAgentEnv('MultiAgentCartPole', { bogus: 1 }), /unknown config key "bogus"/);
  });
});

describe('RockPaperScissors-v0 (competitive)', () => {
  test('payoffs: paper beats rock, scissors beat paper, rock beats scissors; zero-sum', () => {
    assert.equal(rpsPayoff(PAPER, ROCK), 1);
    assert.equal(rpsPayoff(SCISSORS, PAPER), 1);
    assert.equal(rpsPayoff(ROCK, SCISSORS), 1);
    assert.equal(rpsPayoff(ROCK, PAPER), -1);
    assert.equal(rpsPayoff(PAPER, PAPER), 0);
    const env = makeMultiAgentEnv('RockPaperScissors-v0', { rounds: 3 });
    env.reset();
    const r = env.step({ player_0: PAPER, player_1: ROCK });
    assert.deepEqual(r.rewards, { player_0: 1, player_1: -1 });
  });

  test("each player observes the opponent's previous move; truncated after `rounds`", () => {
    const env = makeMultiAgentEnv('RockPaperScissors-v0', { rounds: 2 });
    const first = env.reset().observations;
    assert.deepEqual([...first.player_0!], [0, 0, 0, 1], 'no previous move');
    const r1 = env.step({ player_0: SCISSORS, player_1: ROCK });
    assert.deepEqual([...r1.observations.player_0!], [1, 0, 0, 0], 'opponent played rock');
    assert.deepEqual([...r1.observations.player_1!], [0, 0, 1, 0], 'opponent played scissors');
    assert.equal(r1.truncateds[ALL_AGENTS], false);
    const r2 = env.step({ player_0: ROCK, player_1: ROCK });
    assert.equal(r2.truncateds[ALL_AGENTS], true);
    assert.equal(r2.terminateds[ALL_AGENTS], false);
    assert.throws(() => env.step({ player_0: 0, player_1: 0 }), MultiAgentEnvError);
  });

  test('invalid actions are refused with the agent named', () => {
    const env = makeMultiAgentEnv('RockPaperScissors-v0');
    env.reset();
    assert.throws(() => env.step({ player_0: 3, player_1: 0 }), /agent 'player_0' needs an integer action in \[0, 3\)/);
    assert.throws(() => env.step({ player_0: 0 }), /agent 'player_1'/);
  });
});

describe('CoordinationGame-v0 (cooperative)', () => {
  test('everyone gets 1 when all signals match, else 0; observations show every previous signal and the own index', () => {
    const env = makeMultiAgentEnv('CoordinationGame-v0', { numAgents: 3, numActions: 2, rounds: 4 });
    assert.deepEqual(env.possibleAgents, ['agent_0', 'agent_1', 'agent_2']);
    const obs0 = env.reset().observations.agent_1!;
    assert.deepEqual([...obs0], [0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 1, 0]);
    assert.deepEqual(env.step({ agent_0: 1, agent_1: 1, agent_2: 1 }).rewards, { agent_0: 1, agent_1: 1, agent_2: 1 });
    const r = env.step({ agent_0: 1, agent_1: 0, agent_2: 1 });
    assert.deepEqual(r.rewards, { agent_0: 0, agent_1: 0, agent_2: 0 });
    assert.deepEqual([...r.observations.agent_2!], [0, 1, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1]);
  });
});

describe('multi-agent registry', () => {
  test('built-ins are listed; unknown ids fail naming the registered ones', () => {
    for (const id of ['MultiAgentCartPole', 'RockPaperScissors-v0', 'CoordinationGame-v0']) assert.ok(listMultiAgentEnvs().includes(id));
    assert.throws(() => makeMultiAgentEnv('Nope-v0'), (e: unknown) => e instanceof UnknownEnvError && /MultiAgentCartPole/.test(e.message));
  });

  test('user registration, refusal to overwrite, and loading by module', async () => {
    const ref = registerMultiAgentEnv('Relay-user-v0', () => new RelayEnv());
    assert.deepEqual(ref, { id: 'Relay-user-v0' });
    assert.throws(() => registerMultiAgentEnv('Relay-user-v0', () => new RelayEnv()), /already registered/);
    assert.ok(unregisterMultiAgentEnv('Relay-user-v0'));
    const env = await loadMultiAgentEnv({ id: 'Relay-test-v0', module: new URL('../../fixtures/multi-agent-envs.ts', import.meta.url).href });
    assert.equal(env.id, 'Relay-test-v0');
  });
});

describe('checkMultiAgentEnv', () => {
  test('every built-in and the joining/leaving user env pass', () => {
    for (const id of listMultiAgentEnvs().filter((i) => !i.includes('test'))) {
      const report = checkMultiAgentEnv(makeMultiAgentEnv(id), { steps: 200 });
      assert.ok(report.episodes > 0 || id === 'MultiAgentCartPole', `${id}: ${report.episodes} episodes`);
      assert.deepEqual(report.agentsSeen, [...makeMultiAgentEnv(id).possibleAgents].sort());
    }
    const relay = checkMultiAgentEnv(new RelayEnv(), { steps: 20 });
    assert.deepEqual(relay.agentsSeen, ['runner_0', 'runner_1']);
    assert.equal(relay.episodes, 4);
  });

  /** RelayEnv with one method replaced: each breaks one rule of the contract. */
  function broken(patch: (env: RelayEnv) => void): MultiAgentEnv {
    const env = new RelayEnv();
    patch(env);
    return env;
  }

  const cases: Array<[string, (env: RelayEnv) => void, RegExp]> = [
    ['unknown agent', (env) => ((env as { possibleAgents: string[] }).possibleAgents = ['runner_0']), /'runner_1', which is not in possibleAgents/],
    ['missing __all__', (env) => wrapStep(env, (r) => ({ ...r, terminateds: {} })), /terminateds must have a boolean '__all__'/],
    ['NaN reward', (env) => wrapStep(env, (r) => ({ ...r, rewards: Object.fromEntries(Object.keys(r.rewards).map((a) => [a, Number.NaN])) })), /must be a finite number/],
    ['observation outside its space', (env) => wrapStep(env, (r) => ({ ...r, observations: Object.fromEntries(Object.keys(r.observations).map((a) => [a, Float32Array.of(99, 0)])) })), /outside its observation space/],
    ['ended agent observed again', (env) => wrapStep(env, (r) => ({ ...r, observations: { ...r.observations, runner_0: Float32Array.of(0.5, 0) } })), /ended earlier in this episode/],
    ['not reproducible', (env) => wrapStep(env, (r) => ({ ...r, rewards: Object.fromEntries(Object.keys(r.rewards).map((a) => [a, Math.random()])) })), /not reproducible/],
  ];
  for (const [what, patch, message] of cases) {
    test(`finds: ${what}`, () => {
      assert.throws(() => checkMultiAgentEnv(broken(patch), { steps: 12 }), (e: unknown) => e instanceof EnvCheckError && message.test(e.message));
    });
  }
});

function wrapStep(env: RelayEnv, f: (r: ReturnType<RelayEnv['step']>) => ReturnType<RelayEnv['step']>): void {
  const step = env.step.bind(env);
  env.step = (actions) => f(step(actions));
}
