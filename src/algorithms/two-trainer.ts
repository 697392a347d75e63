/**
 * The paper's composed trainers (RLlib's examples/two_trainer_workflow.py, spec §3.1): a PPO policy and
 * a DQN policy act in one multi-agent env (even agents → `ppo_policy`, odd → `dqn_policy`) and learn
 * in one plan. The shared rollouts are duplicated; the DQN branch selects its policy's experience,
 * stores it, and (round-robin with storing) replays, trains and refreshes its target network; the PPO
 * branch selects its own, concatenates a train batch, standardizes advantages and trains. The two
 * branches run under async `concurrently`; iterations are anchored on the DQN branch's train steps.
 */
import { z } from 'zod';
import { concurrently } from '../dsl/concurrently.js';
import type { Stream } from '../dsl/stream.js';
import { concatBatches, selectExperiences, standardizeFields } from '../rl/ops/batching.js';
import { standardMetricsReporting, type ResultDict } from '../rl/ops/metrics.js';
import { multiAgentRollouts, trainPolicies } from '../rl/ops/multi-agent.js';
import { replay, storeToReplayBuffer, trainingIntensityWeights, updateTargetNetwork } from '../rl/ops/replay.js';
import type { PolicySpec } from '../rl/multi-agent-api.js';
import { commonConfig, parseConfig, type Algorithm } from './common.js';
import { multiAgentConfig, multiAgentWorkerGroups } from './multi-agent.js';

export const twoTrainerConfigSchema = z
  .object({
    ...commonConfig,
    env: multiAgentConfig.env,
    policies: z.tuple([z.string().min(1), z.string().min(1)]).default(['ppo_policy', 'dqn_policy']).describe('[PPO policy id, DQN policy id]'),
    policyMapping: multiAgentConfig.policyMapping,
    policiesToTrain: multiAgentConfig.policiesToTrain,
    numWorkers: commonConfig.numWorkers.default(1),
    rolloutFragmentLength: commonConfig.rolloutFragmentLength.default(50),
    hidden: commonConfig.hidden.default([64, 64]).describe("hidden layer sizes of the PPO policy's MLPs"),
    // PPO branch (RLlib's PPO defaults, except the batch sizes the example sets)
    ppoTrainBatchSize: z.number().int().positive().default(200).describe('env steps per PPO train batch'),
    lr: commonConfig.lr.default(1e-3).describe('PPO learning rate (Adam)'),
    lambda: z.number().min(0).max(1).default(0.95).describe('PPO: GAE lambda'),
    numSgdIter: z.number().int().positive().default(10).describe('PPO: SGD epochs over each train batch'),
    sgdMinibatchSize: z.number().int().positive().default(128).describe('PPO: minibatch size of each SGD step'),
    clipParam: z.number().positive().default(0.3).describe('PPO clip range of the probability ratio'),
    vfClipParam: z.number().positive().default(10).describe('PPO: clip range of the value function update'),
    vfLossCoeff: z.number().min(0).default(1).describe('PPO: value loss weight'),
    entropyCoeff: z.number().min(0).default(0).describe('PPO: entropy bonus weight'),
    klCoeff: z.number().min(0).default(0.2).describe('PPO: KL penalty coefficient'),
    klTarget: z.number().positive().default(0.01).describe('PPO: target KL per update'),
    // DQN branch (RLlib's DQN defaults, except the replay batch the example sets)
    dqnLr: z.number().positive().default(5e-4).describe('DQN learning rate (Adam)'),
    dqnHidden: z.array(z.number().int().positive()).default([256]).describe("hidden layer sizes of the DQN policy's Q network"),
    dqnGamma: z.number().min(0).max(1).default(0.99).describe('DQN discount factor'),
    dueling: z.boolean().default(true).describe('DQN: dueling head'),
    doubleQ: z.boolean().default(true).describe('DQN: double Q'),
    nStep: z.number().int().min(1).default(1).describe('DQN: steps per transition'),
    bufferSize: z.number().int().positive().default(50_000).describe('DQN replay buffer capacity (transitions)'),
    learningStarts: z.number().int().min(0).default(1000).describe('DQN: env steps stored before replay starts'),
    replayBatchSize: z.number().int().positive().default(64).describe('DQN: rows per replayed batch'),
    targetNetworkUpdateFreq: z.number().int().positive().default(500).describe('DQN: env steps between target network updates'),
    initialEpsilon: z.number().min(0).max(1).default(1).describe('DQN ε-greedy: ε at the start'),
    finalEpsilon: z.number().min(0).max(1).default(0.02).describe('DQN ε-greedy: ε after epsilonTimesteps'),
    epsilonTimesteps: z.number().int().min(0).default(10_000).describe('DQN ε-greedy: env steps over which ε falls linearly'),
    trainingIntensity: z.number().positive().optional().describe('DQN: replayed rows per sampled env step (default: one replay per stored fragment, as RLlib\'s example)'),
  })
  .strict();
export type TwoTrainerConfig = z.infer<typeof twoTrainerConfigSchema>;

/** The policy map: a PPO actor-critic and a DQN Q policy, from the config's two sets of keys. */
export function twoTrainerPolicies(c: TwoTrainerConfig): Record<string, PolicySpec> {
  const [ppoId, dqnId] = c.policies;
  const ppo: PolicySpec = {
    config: { hidden: c.hidden, activation: c.activation, vfShareLayers: c.vfShareLayers, lr: c.lr, gradClip: c.gradClip, loss: { kind: 'ppo', clipParam: c.clipParam, vfClipParam: c.vfClipParam, vfLossCoeff: c.vfLossCoeff, entropyCoeff: c.entropyCoeff, klCoeff: c.klCoeff, klTarget: c.klTarget } },
    gamma: c.gamma,
    lambda: c.lambda,
    useGae: true,
    useCritic: true,
  };
  const exploration = { kind: 'epsilonGreedy', initialEpsilon: c.initialEpsilon, finalEpsilon: c.finalEpsilon, epsilonTimesteps: c.epsilonTimesteps } as const;
  const dqn: PolicySpec = {
    config: { kind: 'q', hidden: c.dqnHidden, activation: c.activation, dueling: c.dueling, doubleQ: c.doubleQ, lr: c.dqnLr, adamEpsilon: 1e-8, gradClip: 40, gamma: c.dqnGamma, nStep: c.nStep, exploration },
    gamma: c.dqnGamma,
    lambda: 1,
    useGae: false,
    useCritic: false,
  };
  return { [ppoId]: ppo, [dqnId]: dqn };
}

export function twoTrainerPlan(config: TwoTrainerConfig): Stream<ResultDict> {
  const [ppoId, dqnId] = config.policies;
  const { workers, learner } = multiAgentWorkerGroups(config, twoTrainerPolicies(config));
  const buffer = { local: { name: 'dqn-replay', config: { capacity: config.bufferSize, learningStarts: config.learningStarts, replayBatchSize: config.replayBatchSize } } };
  const [r1, r2] = multiAgentRollouts(workers, { mode: 'bulkSync' }).duplicate(2);
  const dqnStore = storeToReplayBuffer(r1!.forEach(selectExperiences([dqnId])), buffer);
  const dqnTrain = updateTargetNetwork(trainPolicies(replay(buffer), learner, workers, { numSgdIter: 1, sgdMinibatchSize: 0 }), learner, { freq: config.targetNetworkUpdateFreq });
  const weights = trainingIntensityWeights({ ...config, trainBatchSize: config.replayBatchSize });
  const dqn = concurrently([dqnStore, dqnTrain], { mode: 'roundRobin', weights, outputIndexes: [1] });
  const ppoBatches = r2!.forEach(selectExperiences([ppoId])).combine(concatBatches(config.ppoTrainBatchSize)).forEach(standardizeFields(['advantages']));
  const ppo = trainPolicies(ppoBatches, learner, workers, { numSgdIter: config.numSgdIter, sgdMinibatchSize: config.sgdMinibatchSize });
  return standardMetricsReporting(concurrently([ppo, dqn], { mode: 'async', outputIndexes: [1] }), workers, config);
}

/**
 * The `two-trainer` algorithm: PPO and DQN policies trained together in one multi-agent plan (the paper's composed trainers).
 * Build its plan with `buildAlgorithmPlan`, train it with `Trainer`, or run it as `rlflow train two-trainer`.
 */
export const twoTrainer: Algorithm<TwoTrainerConfig> = {
  name: 'two-trainer',
  description: 'PPO and DQN policies trained together in one multi-agent plan (the paper\u2019s composed trainers)',
  schema: twoTrainerConfigSchema,
  config: (input) => parseConfig('two-trainer', twoTrainerConfigSchema, input),
  plan: twoTrainerPlan,
};
