/**
 * Property test of the multi-agent rollout worker (src/rl/multi-agent-worker.ts) on generated agent
 * schedules (test/fixtures ScheduleEnv): agents join and leave at drawn steps, end terminated, truncated
 * or only by `__all__`, episodes repeat, fragments cut them anywhere, over 1–2 env copies and 1–2
 * consecutive samples. For every sample, a reference model of the schedule says exactly which agent
 * steps happened; the policy batches must partition them (each row in the batch of its agent's policy,
 * none lost, none twice), with the right `t`, reward, flags, and env-step vs agent-step counts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { ActorContext } from '../../src/ir/contract.js';
import { agentSteps, SB, type SampleBatch } from '../../src/rl/data/index.js';
import type { MultiAgentWorkerConfig } from '../../src/rl/multi-agent-api.js';
import { MultiAgentRolloutWorker } from '../../src/rl/multi-agent-worker.js';
import { createRng, deriveSeed } from '../../src/rng/index.js';
import { schedule, type ScheduleConfig, type ScheduledAgent } from '../fixtures/multi-agent-envs.js';

const MAPPINGS = new URL('../fixtures/multi-agent-envs.ts', import.meta.url).href;

function context(seed: number): ActorContext {
  const s = deriveSeed(seed, 'workers', 0);
  return { group: 'workers', index: 0, ref: { group: 'workers', index: 0 }, seed: s, rootSeed: seed, device: 'cpu', vectorBatch: undefined, random: createRng(s), now: () => 0, delay: async () => undefined };
}

/** A schedule in which some agent acts at every step (agent 0 spans the episode; the others are drawn). */
const scheduleArb: fc.Arbitrary<ScheduleConfig> = fc.integer({ min: 1, max: 8 }).chain((length) =>
  fc.record({
    length: fc.constant(length),
    allEnd: fc.constantFrom<'terminated' | 'truncated'>('terminated', 'truncated'),
    agents: fc.tuple(
      fc.constantFrom<ScheduledAgent['end']>('terminated', 'truncated', 'none').map((end): ScheduledAgent => ({ join: 0, leave: length, end })),
      fc.array(
        fc
          .tuple(fc.integer({ min: 0, max: length - 1 }), fc.integer({ min: 1, max: length }), fc.constantFrom<ScheduledAgent['end']>('terminated', 'truncated', 'none'))
          .map(([join, span, end]): ScheduledAgent => {
            const leave = Math.min(length, join + span);
            return { join, leave, end: leave === length ? end : end === 'none' ? 'terminated' : end };
          }),
        { maxLength: 3 },
      ),
    ).map(([first, rest]) => [first, ...rest]),
  }),
);

/** Which policy `agent_i` maps to (the fixture's `byParity`). */
const policyOf = (i: number): string => (i % 2 === 0 ? 'even' : 'odd');

/** The model's row of one agent step: agent i acted at episode step tau (flags as the worker must set them). */
interface Row {
  readonly agent: number;
  readonly tau: number;
  readonly terminated: number;
  readonly truncated: number;
}

/** The agent steps of env steps [from, from + n) of one env copy (episodes repeat; each starts at step 0). */
function modelRows(cfg: ScheduleConfig, from: number, n: number): Row[] {
  const rows: Row[] = [];
  for (let s = from; s < from + n; s++) {
    const tau = s % cfg.length;
    cfg.agents.forEach((a, agent) => {
      if (!(a.join <= tau && tau < a.leave)) return;
      const last = tau === a.leave - 1;
      const end = a.end === 'none' ? cfg.allEnd : a.end;
      rows.push({ agent, tau, terminated: last && end === 'terminated' ? 1 : 0, truncated: last && end === 'truncated' ? 1 : 0 });
    });
  }
  return rows;
}

const key = (r: Row): string => `${r.agent}@${r.tau} term=${r.terminated} trunc=${r.truncated}`;

test('multi-agent worker: policy batches partition the agent steps of any join/leave schedule exactly', async () => {
  await fc.assert(
    fc.asyncProperty(
      scheduleArb,
      fc.integer({ min: 1, max: 12 }),
      fc.integer({ min: 1, max: 2 }),
      fc.integer({ min: 1, max: 2 }),
      fc.nat(1000),
      async (cfg, fragment, numEnvs, samples, seed) => {
        const config: MultiAgentWorkerConfig = {
          env: schedule.id,
          envModule: schedule.module!,
          envConfig: cfg as unknown as Record<string, unknown>,
          numEnvs,
          rolloutFragmentLength: fragment,
          policies: Object.fromEntries(['even', 'odd'].map((id) => [id, { config: { hidden: [4], activation: 'tanh', vfShareLayers: false, lr: 0.01, gradClip: undefined, loss: { kind: 'a2c', vfLossCoeff: 0.5, entropyCoeff: 0 } }, gamma: 0.9, lambda: 1, useGae: true, useCritic: true }])),
          policyMapping: { module: MAPPINGS, name: 'byParity', args: ['even', 'odd'] },
          explore: true,
        };
        const worker = new MultiAgentRolloutWorker.ctor(context(seed), config);
        for (let k = 0; k < samples; k++) {
          const b = await worker.sample();
          const model = modelRows(cfg, k * fragment, fragment);
          // Env steps vs agent steps.
          assert.equal(b.count, fragment * numEnvs, 'count is env steps (fragment × env copies)');
          assert.equal(agentSteps(b), model.length * numEnvs, 'agent steps: the model says');
          const got: string[] = [];
          for (const [id, pb] of Object.entries(b.policyBatches) as Array<[string, SampleBatch]>) {
            const col = (name: string): number[] => Array.from(pb.columns[name] ?? []);
            const obs = col(SB.OBS);
            const t = col(SB.T);
            const actions = col(SB.ACTIONS);
            const rewards = col(SB.REWARDS);
            const term = col(SB.TERMINATEDS);
            const trunc = col(SB.TRUNCATEDS);
            const envIds = col(SB.ENV_ID);
            const epsIds = col(SB.EPS_ID);
            assert.ok(pb.count > 0, `policy '${id}' has an empty batch`);
            const agentOfEnvId = new Map<number, number>();
            for (let r = 0; r < pb.count; r++) {
              const tau = Math.round(obs[2 * r]! * 10);
              const agent = obs[2 * r + 1]!;
              assert.equal(policyOf(agent), id, `agent_${agent}'s row is in policy '${id}'s batch`);
              assert.equal(t[r], tau - cfg.agents[agent]!.join, `t of agent_${agent} at episode step ${tau}`);
              assert.equal(rewards[r], 1 + actions[r]!, 'reward = 1 + action, on the row of the step');
              // One env id per (env copy, agent): never shared by two agents.
              const seen = agentOfEnvId.get(envIds[r]!);
              assert.ok(seen === undefined || seen === agent, `env id ${envIds[r]} holds rows of agent_${seen} and agent_${agent}`);
              agentOfEnvId.set(envIds[r]!, agent);
              // Rows of one (env id, episode) are consecutive steps in time order.
              if (r > 0 && envIds[r - 1] === envIds[r] && epsIds[r - 1] === epsIds[r]) assert.equal(t[r], t[r - 1]! + 1, 'rows of a trajectory are in time order');
              got.push(key({ agent, tau, terminated: term[r]!, truncated: trunc[r]! }));
            }
            assert.ok(agentOfEnvId.size <= numEnvs * cfg.agents.length);
          }
          const want = model.flatMap((row) => Array.from({ length: numEnvs }, () => key(row)));
          assert.deepStrictEqual([...got].sort(), [...want].sort(), 'the policy batches partition the agent steps exactly');
        }
      },
    ),
    { numRuns: 60, seed: 14, includeErrorInReport: true },
  );
});
