/** Driver-side sources: plain-data items and (async) iterables produced by a stage function. */
import { K } from '../../ir/kinds.js';
import { DONE, NOT_READY, type Operator, type PullResult } from '../protocol.js';
import { registerOperator } from '../registry.js';

registerOperator(K.fromItems.kind, ({ node }): Operator => {
  const items = structuredClone(node.params['items'] as unknown[]);
  const repeat = node.params['repeat'] === true;
  let i = 0;
  return {
    async pull(): Promise<PullResult> {
      if (i >= items.length) {
        if (!repeat || items.length === 0) return DONE;
        i = 0;
      }
      return { value: structuredClone(items[i++]), source: undefined };
    },
  };
});

registerOperator(K.fromIterable.kind, ({ node, rt }): Operator => {
  let iterator: AsyncIterator<unknown> | Iterator<unknown> | undefined;
  let ended = false;
  return {
    async pull(): Promise<PullResult> {
      if (ended) return DONE;
      if (!iterator) {
        const fn = (await rt.stageFunction(node)) as (ctx: unknown) => unknown;
        const it = await rt.runUserCode(() => fn(rt.stageContext(node, () => undefined)));
        if (it && typeof it === 'object' && Symbol.asyncIterator in it) iterator = (it as AsyncIterable<unknown>)[Symbol.asyncIterator]();
        else if (it && typeof it === 'object' && Symbol.iterator in it) iterator = (it as Iterable<unknown>)[Symbol.iterator]();
        else throw new TypeError('the fromIterable function must return an (async) iterable');
      }
      const it = iterator;
      const r = await rt.runUserCode(() => it.next());
      if (r.done) {
        ended = true;
        return DONE;
      }
      // A source yields NOT_READY for "nothing right now" (RLlib's Replay before learning_starts).
      if (r.value === NOT_READY) return NOT_READY;
      return { value: r.value, source: undefined };
    },
  };
});
