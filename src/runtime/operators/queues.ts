/**
 * Bounded queues. `enqueue` holds an item it cannot place and answers NOT_READY until there is room
 * (back-pressure that gives the turn to other branches instead of blocking them); `dequeue` answers
 * NOT_READY while the queue is empty, and DONE once it is empty and every enqueue feeding it has ended
 * (RLlib's Dequeue never ends; ending lets finite plans finish instead of getting stuck). Both wake
 * waiting branches through the progress signal.
 */
import { K } from '../../ir/kinds.js';
import { NOT_READY } from '../../ir/contract.js';
import { DONE, type Envelope, type Operator, type PullResult } from '../protocol.js';
import { registerOperator } from '../registry.js';

registerOperator(K.enqueue.kind, ({ node, inputs, rt }): Operator => {
  const queue = rt.queues.get(String(node.params['queue']))!;
  let held: Envelope | undefined;
  let ended = false;
  return {
    async pull(block): Promise<PullResult> {
      if (ended) return DONE;
      const item = held ?? (await inputs[0]!.pull(block));
      held = undefined;
      if (item === DONE) {
        ended = true;
        queue.producerEnded();
        rt.progress.bump();
        return DONE;
      }
      if (item === NOT_READY) return item;
      if (queue.full) {
        held = item;
        return NOT_READY;
      }
      queue.items.push(item);
      rt.progress.bump();
      return item;
    },
  };
});

registerOperator(K.dequeue.kind, ({ node, rt }): Operator => {
  const queue = rt.queues.get(String(node.params['queue']))!;
  return {
    async pull(): Promise<PullResult> {
      const item = queue.items.shift() as Envelope | undefined;
      if (!item) return queue.ended ? DONE : NOT_READY;
      rt.progress.bump();
      return item;
    },
  };
});
