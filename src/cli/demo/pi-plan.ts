/**
 * The demo plan: sampler actors → actor-side hit counting → async gather → a running estimate on the
 * driver. It is the smallest plan that shows the whole path (actors, an actor-side stage, a gather, a
 * driver stage with shared metrics) and runs identically on both backends.
 */
import { actors } from '../../dsl/define.js';
import { fromActors } from '../../dsl/par-stream.js';
import type { Stream } from '../../dsl/stream.js';
import { PiSampler, countHits, type HitCount } from './pi-actors.js';

export interface PiEstimate {
  readonly estimate: number;
  readonly points: number;
  readonly fromWorker: number;
}

export function piPlan(options: { readonly workers: number; readonly batchSize: number }): Stream<PiEstimate> {
  const samplers = actors(PiSampler, { count: options.workers, args: [options.batchSize], name: 'samplers' });
  return fromActors(samplers)
    .forEach(countHits)
    .gatherAsync({ inFlight: 2 })
    .forEach(
      function accumulate(c: HitCount, ctx) {
        const hits = ctx.metrics.inc('hits', c.hits);
        const points = ctx.metrics.inc('points', c.n);
        return { estimate: (4 * hits) / points, points, fromWorker: c.worker };
      },
      { out: 'PiEstimate' },
    );
}
