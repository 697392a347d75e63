/** The algorithm registry: name → schema, defaults and plan. */
import { a2c } from './a2c.js';
import { a3c } from './a3c.js';
import type { Algorithm } from './common.js';
import { pg } from './pg.js';
import { ppo } from './ppo.js';
import { apex } from './apex.js';
import { dqn } from './dqn.js';
import { simpleQ } from './simpleq.js';
import { ddpg } from './ddpg.js';
import { sac } from './sac.js';
import { td3 } from './td3.js';

export const algorithms: Readonly<Record<string, Algorithm<never>>> = { pg, a2c, a3c, ppo, simpleq: simpleQ, dqn, apex, sac, ddpg, td3 } as unknown as Record<string, Algorithm<never>>;

export { pg, a2c, a3c, ppo };
export { apex, dqn, simpleQ };
export { sac, ddpg, td3 };
export type { Algorithm };
export * from './tuned.js';
export { buildAlgorithmPlan, type BuiltPlan } from './build.js';
