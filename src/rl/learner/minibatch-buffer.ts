/**
 * RLlib's `MinibatchBuffer` (spec §2.6): a ring of `size` slots in front of the learner's in-queue, so
 * each batch is learned `numPasses` times, interleaved with up to `size − 1` other batches. A slot whose
 * passes are used up is refilled from the queue; the passes a refilled slot gets start at
 * `initNumPasses` and grow by one per refill up to `numPasses` (RLlib's ramp, used by its multi-GPU
 * learner; the plain learner thread starts at `numPasses`).
 */

export interface MinibatchBufferOptions {
  /** Slots in the ring (RLlib's minibatch_buffer_size, default 1). */
  readonly size: number;
  /** Times each batch is learned (RLlib's num_sgd_iter for IMPALA/APPO, default 1). */
  readonly numPasses: number;
  /** Passes of the first refill (default `numPasses`). */
  readonly initNumPasses?: number;
}

function positiveInt(name: string, v: number): number {
  if (!Number.isInteger(v) || v < 1) throw new Error(`MinibatchBuffer: ${name} must be a positive integer, got ${String(v)}`);
  return v;
}

/**
 * A ring of batch slots in front of the learner's in-queue (RLlib's `MinibatchBuffer`): each batch is learned
 * up to `numPasses` times, interleaved with the other slots' batches.
 */
export class MinibatchBuffer<T> {
  private readonly slots: Array<T | undefined>;
  private readonly ttl: number[];
  private readonly size: number;
  private readonly numPasses: number;
  private curMaxTtl: number;
  private idx = 0;

  constructor(options: MinibatchBufferOptions) {
    this.size = positiveInt('size', options.size);
    this.numPasses = positiveInt('numPasses', options.numPasses);
    this.curMaxTtl = positiveInt('initNumPasses', options.initNumPasses ?? options.numPasses);
    this.slots = new Array<T | undefined>(this.size).fill(undefined);
    this.ttl = new Array<number>(this.size).fill(0);
  }

  /**
   * The next batch to learn on: the current slot's, refilled with `take()` when its passes are used up.
   * `released` is true on the batch's last pass.
   */
  async get(take: () => Promise<T>): Promise<{ readonly item: T; readonly released: boolean }> {
    const i = this.idx;
    if (this.ttl[i]! <= 0) {
      this.slots[i] = await take();
      this.ttl[i] = this.curMaxTtl;
      if (this.curMaxTtl < this.numPasses) this.curMaxTtl++;
    }
    const item = this.slots[i] as T;
    this.ttl[i]!--;
    const released = this.ttl[i]! <= 0;
    if (released) this.slots[i] = undefined;
    this.idx = (i + 1) % this.size;
    return { item, released };
  }
}
