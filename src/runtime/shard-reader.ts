/**
 * Reading one shard of an actor-side chain. A chain is the list of actor-side nodes from `fromActors`
 * to a gather's input; each node is one *segment*, installed on the actor as a shard program. The first
 * segment pulls from the actor's `items()` (`$pull`); every later one transforms what the previous
 * returned (`$apply`), one round trip per segment. (The optimizer's fusion pass merges segments, so a
 * fused chain costs one round trip per pull.) Source pulls are sent at once, so several requests can be
 * in flight per actor, while the later segments run strictly in order.
 */
import type { ActorRef } from '../ir/contract.js';
import type { NodeAttributes } from '../ir/types.js';
import type { PullReply } from './actor-host.js';
import type { RuntimeContext } from './context.js';
import { programOps, type ShardChain } from './registry.js';

export interface ShardReply {
  readonly items: unknown[];
  readonly done: boolean;
}

export class ShardReader {
  private installed: Promise<unknown> | undefined;
  private tail: Promise<unknown> = Promise.resolve();
  /** Set once a reply said the shard has ended. */
  done = false;

  constructor(
    private readonly rt: RuntimeContext,
    readonly actor: ActorRef,
    private readonly chain: ShardChain,
    private readonly batchMs: number,
  ) {}

  private install(): Promise<unknown> {
    // Sent without waiting: the actor's mailbox runs them before any later pull.
    this.installed ??= Promise.all(
      this.chain.segments.map((seg) => this.rt.call(seg, this.actor, '$install', [seg.id, programOps(seg)])),
    );
    return this.installed;
  }

  /** One source pull carried through every segment: at least one item, or `done`. */
  request(): Promise<ShardReply> {
    const installed = this.install();
    const [first, ...rest] = this.chain.segments;
    const pulled = this.rt.call(first!, this.actor, '$pull', [first!.id, this.batchMs]) as Promise<PullReply>;
    // NOTE: awaited only once the earlier requests are through; until then a failure of this pull (or of
    // the install) must not count as an unhandled rejection, which would kill the process.
    pulled.catch(() => undefined);
    installed.catch(() => undefined);
    const result = this.tail.then(async (): Promise<ShardReply> => {
      await installed;
      const reply = await pulled;
      let done = reply.done;
      let items = reply.items;
      for (const seg of rest) {
        if (items.length === 0 && !done) break;
        // A segment may end the shard early (a transform that returned); later ones are then flushed.
        const applied = (await this.rt.call(seg, this.actor, '$apply', [seg.id, items, done])) as PullReply;
        items = applied.items;
        // A segment asked to finish says done unless it holds back a stage's error for the next
        // call (after delivering the items before it): then the shard has not ended yet.
        done = applied.done;
      }
      if (done) this.done = true;
      return { items, done };
    });
    this.tail = result.catch(() => undefined);
    return result;
  }

  /** Requests until the chain yields something or ends (segments may filter everything out). */
  async next(): Promise<ShardReply> {
    for (;;) {
      const reply = await this.request();
      if (reply.items.length > 0 || reply.done) return reply;
    }
  }
}

/** The chain ending at `end`, walking back through single-input actor-side nodes to `fromActors`. */
export function chainEndingAt(rt: RuntimeContext, end: string): ShardChain {
  const segments: NodeAttributes[] = [];
  let id: string | undefined = end;
  while (id !== undefined) {
    const node = rt.node(id);
    segments.unshift(node);
    const ins: string[] = rt.graph.inNeighbors(id);
    id = ins[0];
  }
  const first = segments[0]!;
  if (first.placement.on !== 'actors') throw new Error(`chain ending at ${end} does not start on actors`);
  return { group: first.placement.group, shards: (first.params['shards'] as number[] | undefined) ?? [], segments };
}
