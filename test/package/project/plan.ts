// A plan file for `rlflow train plan.ts`.
import { actors, fromActors } from 'rlflow';
import { Counter, square } from './actors.js';

export function plan() {
  return fromActors(actors(Counter, { count: 2, args: [3] })).forEach(square).gatherSync();
}
