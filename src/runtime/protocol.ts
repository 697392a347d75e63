/**
 * The pull protocol every driver-side operator implements. `pull(block)` resolves with the next item
 * (wrapped in an envelope that remembers which actor produced it), `NOT_READY` when nothing is available
 * right now (the caller moves on and retries after progress), or `DONE` at the end of the stream.
 * `block` only matters to sources that can wait for remote data (gathers): `false` asks them to answer
 * at once. Operators are never pulled concurrently: each has exactly one consumer.
 */
import { NOT_READY, type ActorRef, type NotReady } from '../ir/contract.js';

export { NOT_READY };
export type { NotReady };

/** Returned by `Operator.pull` at the end of the stream. */
export const DONE: unique symbol = Symbol.for('rlflow.done') as never;
export type Done = typeof DONE;

/** An item on its way through the driver, with the actor that produced it (if any). */
export interface Envelope<T = unknown> {
  readonly value: T;
  readonly source: ActorRef | undefined;
}

/** What `Operator.pull` resolves with: an item in its envelope, `NOT_READY`, or `DONE`. */
export type PullResult<T = unknown> = Envelope<T> | NotReady | Done;

/** A driver-side operator: the runtime form of one plan node output, pulled by its single consumer. */
export interface Operator<T = unknown> {
  /**
   * The next item, `NOT_READY` when none is available now, or `DONE` at the end. `block: false` asks
   * sources that wait for remote data (gathers) to answer at once.
   */
  pull(block: boolean): Promise<PullResult<T>>;
}

/** Whether a pull result is an item (neither `NOT_READY` nor `DONE`). */
export function isItem<T>(r: PullResult<T>): r is Envelope<T> {
  return r !== NOT_READY && r !== DONE;
}
