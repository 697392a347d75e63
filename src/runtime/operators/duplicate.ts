/**
 * `duplicate(n)`: fan-out with one buffer per consumer. The parent is pulled on demand by whichever
 * consumer finds its buffer empty (one parent pull at a time); every item goes to every buffer. A
 * consumer that is `maxSkew` items ahead of the slowest sibling answers NOT_READY until the others catch
 * up, so buffers stay bounded.
 */
import { K } from '../../ir/kinds.js';
import { NOT_READY } from '../../ir/contract.js';
import { DONE, type Envelope, type Operator, type PullResult } from '../protocol.js';
import { registerOperator } from '../registry.js';

registerOperator(K.duplicate.kind, ({ node, inputs }): Operator[] => {
  const n = Number(node.params['n']);
  const maxSkew = Number(node.params['maxSkew']);
  const buffers: Envelope[][] = Array.from({ length: n }, () => []);
  const taken = new Array<number>(n).fill(0);
  let ended = false;
  let pulling: Promise<PullResult> | undefined;

  const pullParent = (block: boolean): Promise<PullResult> => {
    pulling ??= inputs[0]!.pull(block).then(
      (r) => {
        pulling = undefined;
        if (r === DONE) ended = true;
        else if (r !== NOT_READY) for (const b of buffers) b.push(r);
        return r;
      },
      (e: unknown) => {
        pulling = undefined;
        throw e;
      },
    );
    return pulling;
  };

  return Array.from({ length: n }, (_, i): Operator => ({
    async pull(block): Promise<PullResult> {
      for (;;) {
        const item = buffers[i]!.shift();
        if (item) {
          taken[i]!++;
          return item;
        }
        if (ended) return DONE;
        if (taken[i]! - Math.min(...taken) >= maxSkew) return NOT_READY;
        const r = await pullParent(block);
        if (r === NOT_READY) return NOT_READY;
      }
    },
  }));
});
