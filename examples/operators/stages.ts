/**
 * Actor class and actor-side stages used by the examples of docs/operators.md (run them all with
 * `node --import tsx examples/operators/tour.ts`). Worker processes import this module, so it only
 * defines things and does no work when imported.
 */
import { actorClass, actorStage, actorStageFactory, type ActorContext, type ActorStageContext } from '../../src/index.js';

/**
 * Plays a script: actor `i` plays `scripts[i]`, a list of `<ms><value>` tokens such as `'10a 20b'`
 * ("wait 10 ms, yield 'a'; wait 20 ms, yield 'b'; end"). Waits are counted from the moment the actor
 * is asked for the item, in virtual time on the `local` backend. Records what `record` is sent.
 */
export const Scripted = actorClass(
  import.meta.url,
  class Scripted {
    readonly seen: unknown[] = [];
    constructor(
      readonly ctx: ActorContext,
      readonly scripts: string[],
    ) {}

    async *items(): AsyncGenerator<string> {
      for (const token of (this.scripts[this.ctx.index] ?? '').split(' ').filter(Boolean)) {
        const [, ms, value] = /^(\d+)(.*)$/.exec(token)!;
        await this.ctx.delay(Number(ms));
        yield value!;
      }
    }

    record(x: unknown): number {
      this.seen.push(x);
      return this.seen.length;
    }

    seenSoFar(): unknown[] {
      return this.seen;
    }

    fail(message: string): never {
      throw new Error(message);
    }
  },
  { items: 'string' },
);

export const upper = actorStage(import.meta.url, (x: string) => x.toUpperCase(), { in: 'string', out: 'string' });

export const isVowel = actorStage(import.meta.url, (x: string) => 'aeiou'.includes(x), { in: 'string' });

export const twice = actorStage(import.meta.url, (x: string) => [x, x], { in: 'string', out: 'string' });

/** A factory: `suffix.with('!')` builds the per-shard function on each actor. */
export const suffix = actorStageFactory(import.meta.url, (s: string) => (x: string) => x + s, { in: 'string', out: 'string' });

/** A stateful factory: numbers the items of each shard separately (`a#1`, `b#2`, …). */
export const numbered = actorStageFactory(import.meta.url, () => {
  let k = 0;
  return (x: string) => `${x}#${++k}`;
});

/** A whole-stream transform: joins consecutive pairs; an odd last item is yielded alone. */
export const pairs = actorStage(import.meta.url, async function* pairs(items: AsyncIterable<string>): AsyncGenerator<string> {
  let held: string | undefined;
  for await (const x of items) {
    if (held === undefined) held = x;
    else {
      yield held + x;
      held = undefined;
    }
  }
  if (held !== undefined) yield held;
});

/** Labels an item with the actor that processed it: `w[1]:x`. */
export const where = actorStage(import.meta.url, (x: string, ctx: ActorStageContext) => `${ctx.actorContext.group}[${ctx.actorContext.index}]:${x}`, {
  in: 'string',
  out: 'string',
});
