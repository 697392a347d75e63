/**
 * Actors and stages of the demo plan (`rlflow demo`): Monte Carlo estimation of π. Each sampler actor
 * draws points in the unit square from its own seeded stream; an actor-side stage counts how many fall
 * inside the quarter circle, so only two numbers per batch cross the process boundary. Kept in a module
 * of its own because worker processes import it.
 */
import { actorClass, actorStage } from '../../dsl/define.js';
import type { ActorContext } from '../../ir/contract.js';

/** A batch of sampled points, columnar: x[i], y[i]. */
export interface Points {
  readonly x: Float64Array;
  readonly y: Float64Array;
}

/** Hits inside the quarter circle out of `n` points, from actor `worker`. */
export interface HitCount {
  readonly hits: number;
  readonly n: number;
  readonly worker: number;
}

export const PiSampler = actorClass(
  import.meta.url,
  class PiSampler {
    constructor(
      readonly ctx: ActorContext,
      readonly batchSize: number,
    ) {}

    *items(): Generator<Points> {
      for (;;) {
        const x = new Float64Array(this.batchSize);
        const y = new Float64Array(this.batchSize);
        for (let i = 0; i < this.batchSize; i++) {
          x[i] = this.ctx.random();
          y[i] = this.ctx.random();
        }
        yield { x, y };
      }
    }
  },
  { items: 'Points' },
);

export const countHits = actorStage(
  import.meta.url,
  function countHits(p: Points, ctx: { actorContext: ActorContext }): HitCount {
    let hits = 0;
    for (let i = 0; i < p.x.length; i++) if (p.x[i]! * p.x[i]! + p.y[i]! * p.y[i]! <= 1) hits++;
    return { hits, n: p.x.length, worker: ctx.actorContext.index };
  },
  { in: 'Points', out: 'HitCount' },
);
