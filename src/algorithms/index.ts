/**
 * `rlflow/algorithms`: the algorithm registry (name → schema, defaults and plan), each algorithm, the
 * tuned examples, and what an algorithm of your own is built from (`commonConfig`, `workerGroups`,
 * `parseConfig`). See docs/algorithms/.
 *
 * @packageDocumentation
 */
import { a2c } from './a2c.js';
import { a3c } from './a3c.js';
import { appo } from './appo.js';
import type { Algorithm } from './common.js';
import { impala } from './impala.js';
import { maPpo } from './ma-ppo.js';
import { pg } from './pg.js';
import { twoTrainer } from './two-trainer.js';
import { ppo } from './ppo.js';
import { apex } from './apex.js';
import { dqn } from './dqn.js';
import { simpleQ } from './simpleq.js';
import { ddpg } from './ddpg.js';
import { sac } from './sac.js';
import { td3 } from './td3.js';

/** Every built-in algorithm by name (`rlflow train <name>`). */
export const algorithms: Readonly<Record<string, Algorithm<never>>> = { pg, a2c, a3c, ppo, impala, appo, simpleq: simpleQ, dqn, apex, sac, ddpg, td3, 'ma-ppo': maPpo, 'two-trainer': twoTrainer } as unknown as Record<string, Algorithm<never>>;

export { pg, a2c, a3c, ppo, impala, appo, maPpo, twoTrainer };
export { apex, dqn, simpleQ };
export { sac, ddpg, td3 };
export type { Algorithm };
export { commonConfig, commonSchema, faultOptions, parseConfig, workerGroups } from './common.js';
export * from './tuned.js';
export { buildAlgorithmPlan, type BuiltPlan } from './build.js';
