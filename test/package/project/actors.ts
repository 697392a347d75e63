// Actor code for plan.ts: worker processes import this module by URL.
import { actorClass, actorStage, type ActorContext } from 'rlflow';

export const Counter = actorClass(import.meta.url, class Counter {
  constructor(readonly ctx: ActorContext, readonly n: number) {}
  *items() {
    for (let k = 0; k < this.n; k++) yield this.ctx.index * 100 + k;
  }
}, { items: 'number' });

export const square = actorStage(import.meta.url, (x: number) => x * x, { in: 'number', out: 'number' });
