/**
 * Gathers turn actor-side chains into driver streams.
 *
 * - `gatherSync` / `batchAcrossShards`: barrier rounds. Each round asks every live shard for one item
 *   and waits for all of them; results come in shard order. The next round is requested only when the
 *   consumer pulls again (no prefetch), so work downstream never overlaps sampling.
 * - `gatherAsync`: keeps `inFlight` requests outstanding per shard, emits items in completion order,
 *   and immediately re-requests from the shard that answered. A non-blocking pull answers NOT_READY
 *   when no reply has arrived; a blocking one sleeps until one does.
 *
 * A shard that ends is dropped; the gather ends when every shard has ended.
 */
import { K } from '../../ir/kinds.js';
import { NOT_READY } from '../../ir/contract.js';
import type { RuntimeContext } from '../context.js';
import { DONE, type Envelope, type Operator, type PullResult } from '../protocol.js';
import { registerOperator, type OperatorArgs } from '../registry.js';
import { ShardReader } from '../shard-reader.js';

function readers(args: OperatorArgs, batchMs: number): ShardReader[] {
  return args.chains.flatMap((chain) => chain.shards.map((index) => new ShardReader(args.rt, { group: chain.group, index }, chain, batchMs)));
}

/** One item per shard and round, each shard's extra items kept for its next rounds. */
class BarrierRounds {
  private readonly live: Array<{ reader: ShardReader; buffer: unknown[] }>;
  constructor(all: ShardReader[]) {
    this.live = all.map((reader) => ({ reader, buffer: [] }));
  }

  async round(): Promise<Envelope[] | undefined> {
    if (this.live.length === 0) return undefined;
    const results = await Promise.all(
      this.live.map(async (shard) => {
        while (shard.buffer.length === 0 && !shard.reader.done) shard.buffer.push(...(await shard.reader.next()).items);
        return shard.buffer.length ? ({ value: shard.buffer.shift(), source: shard.reader.actor } as Envelope) : undefined;
      }),
    );
    const items: Envelope[] = [];
    for (let k = this.live.length - 1; k >= 0; k--) if (!results[k] && this.live[k]!.reader.done) this.live.splice(k, 1);
    for (const r of results) if (r) items.push(r);
    return items.length ? items : this.live.length ? this.round() : undefined;
  }
}

registerOperator(K.batchAcrossShards.kind, (args): Operator => {
  const rounds = new BarrierRounds(readers(args, 0));
  return {
    async pull(): Promise<PullResult> {
      const items = await rounds.round();
      return items ? { value: items.map((e) => e.value), source: undefined } : DONE;
    },
  };
});

registerOperator(K.gatherSync.kind, (args): Operator => {
  const rounds = new BarrierRounds(readers(args, 0));
  const buffer: Envelope[] = [];
  return {
    async pull(): Promise<PullResult> {
      if (buffer.length === 0) buffer.push(...((await rounds.round()) ?? []));
      return buffer.shift() ?? DONE;
    },
  };
});

class AsyncGather implements Operator {
  private readonly all: ShardReader[];
  private readonly inFlight = new Map<ShardReader, number>();
  /** Replies in arrival order. */
  private readonly arrived: Array<{ reader: ShardReader; items: unknown[] } | { error: unknown }> = [];
  private readonly buffer: Envelope[] = [];
  private started = false;
  private wake: (() => void) | undefined;

  constructor(
    private readonly rt: RuntimeContext,
    args: OperatorArgs,
    private readonly perShard: number,
    batchMs: number,
  ) {
    this.all = readers(args, batchMs);
  }

  private submit(reader: ShardReader): void {
    this.inFlight.set(reader, (this.inFlight.get(reader) ?? 0) + 1);
    reader.next().then(
      (reply) => {
        this.inFlight.set(reader, this.inFlight.get(reader)! - 1);
        this.arrived.push({ reader, items: reply.items });
        this.notify();
      },
      (error: unknown) => {
        this.inFlight.set(reader, this.inFlight.get(reader)! - 1);
        this.arrived.push({ error });
        this.notify();
      },
    );
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
    // NOTE: the actor call's own progress bump happened a few microtasks before the reply reached
    // `arrived`; a branch that polled us in between saw NOT_READY, so signal again now that it is here.
    this.rt.progress.bump();
  }

  private pending(): number {
    let n = 0;
    for (const v of this.inFlight.values()) n += v;
    return n;
  }

  async pull(block: boolean): Promise<PullResult> {
    if (!this.started) {
      this.started = true;
      for (const reader of this.all) for (let k = 0; k < this.perShard; k++) this.submit(reader);
    }
    for (;;) {
      const item = this.buffer.shift();
      if (item) return item;
      const reply = this.arrived.shift();
      if (reply) {
        if ('error' in reply) throw reply.error;
        // Re-request at once from the shard that answered, keeping it busy while we work downstream.
        if (!reply.reader.done) this.submit(reply.reader);
        for (const value of reply.items) this.buffer.push({ value, source: reply.reader.actor });
        continue;
      }
      if (this.pending() === 0) return DONE;
      if (!block) return NOT_READY;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }
}

registerOperator(K.gatherAsync.kind, (args): Operator => new AsyncGather(args.rt, args, Number(args.node.params['inFlight']), Number(args.node.params['batchMs'] ?? 0)));
