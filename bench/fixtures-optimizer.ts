/**
 * The actor and actor-side stages of the optimizer benchmark's fusion part (bench/optimizer.ts). Kept
 * in a module of their own with no side effects on import, because every farm worker imports it to
 * load them. The stages are deliberately cheap and deterministic: the benchmark measures what a stage
 * boundary costs (a driver↔actor round trip), not the stages' work.
 */
import { actorClass, actorStage } from '../src/dsl/index.js';
import type { ActorContext } from '../src/ir/contract.js';

/** Yields `index·10⁹ + k` for k = 0, 1, 2, … forever: distinct integers per actor. */
export const Sequence = actorClass(
  import.meta.url,
  class Sequence {
    constructor(readonly ctx: ActorContext) {}
    *items(): Generator<number> {
      for (let k = 0; ; k++) yield this.ctx.index * 1e9 + k;
    }
  },
  { items: 'number' },
);

export const addOne = actorStage(import.meta.url, (x: number) => x + 1, { in: 'number', out: 'number' });
export const triple = actorStage(import.meta.url, (x: number) => x * 3, { in: 'number', out: 'number' });
/** Drops one item in four (3·(k+1) mod 4 cycles through 3, 2, 1, 0). */
export const dropEveryFourth = actorStage(import.meta.url, (x: number) => x % 4 !== 0, { in: 'number' });
export const halve = actorStage(import.meta.url, (x: number) => x / 2, { in: 'number', out: 'number' });

/** What the four stages make of source item `x`, or undefined when the filter drops it (the bench's self-check). */
export function expectedOutput(x: number): number | undefined {
  const y = (x + 1) * 3;
  return y % 4 !== 0 ? y / 2 : undefined;
}
