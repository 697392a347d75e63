/**
 * The size of each RLlib 1.8.0 execution plan, for `rlflow loc`: non-blank, non-comment lines of the
 * plan function, signature included, docstring excluded — the "1.8.0 code only" column of
 * spec/rllib-reference.md §3.2 ("Size of each plan"), measured with Python's `ast` at tag ray-1.8.0.
 * Keyed by the name an rlflow algorithm would have; algorithms that share RLlib's plan share its row.
 */
export interface RllibPlanSize {
  /** `file:function` under rllib/ at ray-1.8.0. */
  readonly plan: string;
  readonly lines: number;
}

const DQN: RllibPlanSize = { plan: 'agents/dqn/dqn.py:execution_plan', lines: 67 };
const APEX: RllibPlanSize = { plan: 'agents/dqn/apex.py:apex_execution_plan', lines: 74 };
const IMPALA: RllibPlanSize = { plan: 'agents/impala/impala.py:execution_plan', lines: 24 };
const MARWIL: RllibPlanSize = { plan: 'agents/marwil/marwil.py:execution_plan', lines: 21 };

export const RLLIB_PLAN_SIZES: Readonly<Record<string, RllibPlanSize>> = {
  pg: { plan: 'agents/trainer_template.py:default_execution_plan', lines: 21 },
  a2c: { plan: 'agents/a3c/a2c.py:execution_plan', lines: 33 },
  a3c: { plan: 'agents/a3c/a3c.py:execution_plan', lines: 5 },
  ppo: { plan: 'agents/ppo/ppo.py:execution_plan', lines: 30 },
  // Multi-agent PPO is RLlib's PPO plan run with a `multiagent` config.
  mappo: { plan: 'agents/ppo/ppo.py:execution_plan', lines: 30 },
  impala: IMPALA,
  appo: IMPALA,
  dqn: DQN,
  r2d2: DQN,
  ddpg: DQN,
  td3: DQN,
  sac: DQN,
  maddpg: DQN,
  simpleq: { plan: 'agents/dqn/simple_q.py:execution_plan', lines: 31 },
  apex: APEX,
  apexdqn: APEX,
  apexddpg: APEX,
  marwil: MARWIL,
  bc: MARWIL,
  qmix: { plan: 'agents/qmix/qmix.py:execution_plan', lines: 17 },
  maml: { plan: 'agents/maml/maml.py:execution_plan', lines: 42 },
  mbmpo: { plan: 'agents/mbmpo/mbmpo.py:execution_plan', lines: 43 },
  dreamer: { plan: 'agents/dreamer/dreamer.py:execution_plan', lines: 14 },
  ddppo: { plan: 'agents/ppo/ddppo.py:execution_plan', lines: 76 },
  alphazero: { plan: 'contrib/alpha_zero/core/alpha_zero_trainer.py:execution_plan', lines: 25 },
  cql: { plan: 'agents/cql/cql.py:execution_plan', lines: 53 },
  slateq: { plan: 'agents/slateq/slateq.py:execution_plan', lines: 24 },
  twotrainer: { plan: 'examples/two_trainer_workflow.py:custom_training_workflow', lines: 45 },
};

/** RLlib's plan size for an rlflow algorithm name (`simple-q`, `simple_q` and `simpleq` alike). */
export function rllibPlanSize(algorithm: string): RllibPlanSize | undefined {
  return RLLIB_PLAN_SIZES[algorithm.toLowerCase().replace(/[-_\s]/g, '')];
}
