/** The algorithm registry: name → schema, defaults and plan. */
import { a2c } from './a2c.js';
import { a3c } from './a3c.js';
import type { Algorithm } from './common.js';
import { maPpo } from './ma-ppo.js';
import { pg } from './pg.js';
import { twoTrainer } from './two-trainer.js';
import { ppo } from './ppo.js';
import { apex } from './apex.js';
import { dqn } from './dqn.js';
import { simpleQ } from './simple-q.js';

export const algorithms: Readonly<Record<string, Algorithm<never>>> = { pg, a2c, a3c, ppo, simpleq: simpleQ, dqn, apex, 'ma-ppo': maPpo, 'two-trainer': twoTrainer } as unknown as Record<string, Algorithm<never>>;

export { pg, a2c, a3c, ppo, maPpo, twoTrainer };
export { apex, dqn, simpleQ };
export type { Algorithm };
export * from './tuned.js';
export { buildAlgorithmPlan, type BuiltPlan } from './build.js';
