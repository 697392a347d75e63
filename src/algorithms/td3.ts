/**
 * TD3 (twin delayed DDPG; RLlib's TD3Trainer, DDPG with other defaults): twin critics and the minimum
 * of their targets, target-policy smoothing, an actor update every second critic update, Gaussian
 * exploration after 10k uniformly random steps. The plan is DDPG's (ddpg.ts).
 */
import { z } from 'zod';
import { parseConfig, type Algorithm } from './common.js';
import { ddpgConfig, ddpgPlan, type DdpgConfig } from './ddpg.js';

export const td3ConfigSchema = z
  .object({
    ...ddpgConfig,
    twinQ: ddpgConfig.twinQ.default(true),
    policyDelay: ddpgConfig.policyDelay.default(2),
    smoothTargetPolicy: ddpgConfig.smoothTargetPolicy.default(true),
    exploration: ddpgConfig.exploration.default('gaussian'),
    randomTimesteps: ddpgConfig.randomTimesteps.default(10_000),
    initialScale: ddpgConfig.initialScale.default(1),
    finalScale: ddpgConfig.finalScale.default(1),
    learningStarts: ddpgConfig.learningStarts.default(10_000),
    tau: ddpgConfig.tau.default(5e-3),
    trainBatchSize: ddpgConfig.trainBatchSize.default(100),
    l2Reg: ddpgConfig.l2Reg.default(0),
    bufferSize: ddpgConfig.bufferSize.default(1_000_000),
    prioritizedReplay: ddpgConfig.prioritizedReplay.default(false),
  })
  .strict();

/**
 * The `td3` algorithm: twin delayed DDPG (twin Q, target-policy smoothing, delayed actor updates).
 * Build its plan with `buildAlgorithmPlan`, train it with `Trainer`, or run it as `rlflow train td3`.
 */
export const td3: Algorithm<DdpgConfig> = {
  name: 'td3',
  description: 'twin delayed DDPG (twin Q, target-policy smoothing, delayed actor updates)',
  schema: td3ConfigSchema,
  config: (input) => parseConfig('td3', td3ConfigSchema, input),
  plan: ddpgPlan,
};
