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

export const DONE: unique symbol = Symbol.for('rlflow.done') as never;
export type Done = typeof DONE;

/** An item on its way through the driver, with the actor that produced it (if any). */
export interface Envelope<T = unknown> {
  readonly value: T;
  readonly source: ActorRef | undefined;
}

export type PullResult<T = unknown> = Envelope<T> | NotReady | Done;

export interface Operator<T = unknown> {
  pull(block: boolean): Promise<PullResult<T>>;
}

export function isItem<T>(r: PullResult<T>): r is Envelope<T> {
  return r !== NOT_READY && r !== DONE;
}
