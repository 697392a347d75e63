/**
 * The replay actor: `ReplayBuffers` in their own actor (RLlib's ReplayActor), so a plan can shard its
 * replay memory over several processes (Ape-X). Its `items()` stream is the endless `replay()`: a
 * replayed batch, or `null` while fewer than `learningStarts` steps are stored (the `replay` operator
 * drops those). Other actors' batches come in through `addBatch`, priorities through `updatePriorities`.
 *
 * NOTE: an actor runs its calls one at a time, so `items()` must never wait for data to arrive (that
 * would block the very `addBatch` calls it waits for); before learning starts it sleeps 1 ms and
 * answers `null`, which bounds the polling to about one request per millisecond per shard.
 */
import { actorClass } from '../../dsl/define.js';
import type { ActorContext } from '../../ir/contract.js';
import type { AnyBatch } from '../data/sample-batch.js';
import { ReplayBuffers, type PriorityUpdate, type ReplayBuffersConfig, type ReplayBuffersState, type ReplayStats } from './replay-buffers.js';

class ReplayActorImpl {
  readonly buffers: ReplayBuffers;

  constructor(
    readonly ctx: ActorContext,
    config: ReplayBuffersConfig,
  ) {
    this.buffers = new ReplayBuffers(config);
  }

  async *items(): AsyncGenerator<AnyBatch | null> {
    for (;;) {
      const batch = this.buffers.replay(() => this.ctx.random());
      if (batch === null) await this.ctx.delay(1);
      yield batch;
    }
  }

  /** Stores a batch; returns the env steps stored so far. */
  addBatch(batch: AnyBatch): number {
    this.buffers.add(batch);
    return this.buffers.stats().numAdded;
  }

  replay(): AnyBatch | null {
    return this.buffers.replay(() => this.ctx.random());
  }

  /**
   * Sets the priorities of replayed rows. Rows this shard does not hold are skipped: their batch was
   * replayed by this shard's previous process, which crashed (a restarted shard starts empty), and
   * the learner's answer arrived after the restart. Their count comes back (0 in a run without faults).
   */
  updatePriorities(update: PriorityUpdate): number {
    let stale = 0;
    const current: Record<string, PriorityUpdate[string]> = {};
    for (const [pid, { batchIndexes, tdErrors }] of Object.entries(update)) {
      const buffer = this.buffers.policyBuffer(pid);
      if (!buffer) {
        stale += batchIndexes.length;
        continue;
      }
      const size = buffer.size;
      const keep: number[] = [];
      for (let k = 0; k < batchIndexes.length; k++) if (batchIndexes[k]! < size) keep.push(k);
      stale += batchIndexes.length - keep.length;
      current[pid] = keep.length === batchIndexes.length ? { batchIndexes, tdErrors } : { batchIndexes: Int32Array.from(keep, (k) => batchIndexes[k]!), tdErrors: Float32Array.from(keep, (k) => tdErrors[k]!) };
    }
    this.buffers.updatePriorities(current);
    return stale;
  }

  stats(): ReplayStats {
    return this.buffers.stats();
  }

  /**
   * Counters always; the stored rows too with `contents` (or `replay`, as a trainer checkpoint asks
   * every actor, when the run's `storeBufferInCheckpoints` is on).
   */
  getState(options: { readonly contents?: boolean; readonly replay?: boolean } = {}): ReplayBuffersState {
    return this.buffers.getState({ contents: options.contents ?? options.replay ?? false });
  }

  setState(state: ReplayBuffersState): void {
    this.buffers.setState(state);
  }
}

/** The replay actor class: `actors(ReplayActor, { count: shards, args: [bufferConfig] })`. */
export const ReplayActor = actorClass(import.meta.url, ReplayActorImpl, { items: 'AnyBatch | null' });
export type { ReplayActorImpl };
