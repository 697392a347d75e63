/** The algorithm registry: name → schema, defaults and plan. */
import { a2c } from './a2c.js';
import { a3c } from './a3c.js';
import { appo } from './appo.js';
import type { Algorithm } from './common.js';
import { impala } from './impala.js';
import { pg } from './pg.js';
import { ppo } from './ppo.js';

export const algorithms: Readonly<Record<string, Algorithm<never>>> = { pg, a2c, a3c, ppo, impala, appo } as unknown as Record<string, Algorithm<never>>;

export { pg, a2c, a3c, ppo, impala, appo };
export type { Algorithm };
export { faultOptions } from './common.js';
export * from './tuned.js';
export { buildAlgorithmPlan, type BuiltPlan } from './build.js';
