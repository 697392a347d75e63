/**
 * `concurrently`, both modes (see the DSL's concurrently.ts for the user-facing semantics).
 *
 * Round-robin: turns in stream order; a turn pulls up to the stream's weight (`'*'` pulls what is
 * ready, at most 100, without waiting). A NOT_READY ends the turn. A full cycle with nothing produced
 * sleeps until progress. A fractional weight is rounded at random once per turn (RLlib's randomized
 * rounding), with a stream of its own per (node name, stream index), derived from the plan's seed and
 * kept in the node store (so checkpoints continue it). NOTE: not the plan-wide driver stream: other nodes
 * draw from that one, so an optimizer pass that removes or adds such a node (`cleanup` removing a dead
 * union) would shift the draws and change the output order. Node names survive optimization.
 *
 * Async: one pull is outstanding on every stream at once and outputs are taken in completion order.
 * A stream that answered NOT_READY is parked until the plan makes progress, so an idle union sleeps
 * instead of spinning (RLlib's async union busy-waits; this one does not). An output that arrives while
 * nobody waits inside the union (it was polled and answered NOT_READY) counts as plan progress.
 *
 * Outputs of streams not in `outputIndexes` are dropped; those streams run for their side effects.
 */
import { K } from '../../ir/kinds.js';
import { NOT_READY } from '../../ir/contract.js';
import type { RuntimeContext } from '../context.js';
import { DONE, type Operator, type PullResult } from '../protocol.js';
import { registerOperator } from '../registry.js';
import type { NodeAttributes } from '../../ir/types.js';
import { createRng, deriveSeed } from '../../rng/index.js';

type Weight = number | '*';
const STAR_LIMIT = 100;

class RoundRobin implements Operator {
  private cursor = 0;
  private remaining: number | undefined;
  private readonly done: boolean[];
  private idleTurns = 0;
  private since: number;

  constructor(
    private readonly node: NodeAttributes,
    private readonly rt: RuntimeContext,
    private readonly children: readonly Operator[],
    private readonly weights: readonly Weight[],
    private readonly listed: ReadonlySet<number>,
  ) {
    this.done = children.map(() => false);
    this.since = rt.progress.version;
  }

  /** The size of stream `i`'s next turn; only a fractional weight draws (from stream `i`'s own RNG). */
  private turnSize(i: number, w: Weight): number {
    if (w === '*') return STAR_LIMIT;
    const whole = Math.floor(w);
    if (whole === w) return whole;
    const state = this.rt.nodeState(this.node);
    const key = `rounding/${i}`;
    const rng = createRng(deriveSeed(this.rt.seed, 'roundRobin', this.node.name, i));
    const saved = state.get<number>(key);
    if (saved !== undefined) rng.state = saved;
    const up = rng() < w - whole;
    state.set(key, rng.state);
    return whole + (up ? 1 : 0);
  }

  /** Ends the current turn; `idle` turns (NOT_READY) count towards sleeping, finished streams do not. */
  private endTurn(outcome: 'produced' | 'idle' | 'skip'): void {
    if (outcome === 'produced') this.idleTurns = 0;
    else if (outcome === 'idle') this.idleTurns++;
    this.remaining = undefined;
    this.cursor = (this.cursor + 1) % this.children.length;
  }

  async pull(block: boolean): Promise<PullResult> {
    for (;;) {
      const live = this.done.filter((d) => !d).length;
      if (live === 0) return DONE;
      if (this.idleTurns >= live) {
        // A whole cycle produced nothing: give up (nested) or sleep until something moves.
        this.idleTurns = 0;
        if (!block) return NOT_READY;
        await this.rt.waitForProgress(this.node, this.since);
      }
      const i = this.cursor;
      if (this.done[i]) {
        this.endTurn('skip');
        continue;
      }
      const w = this.weights[i]!;
      if (this.remaining === undefined) {
        this.remaining = this.turnSize(i, w);
        // NOTE: measured from the first turn of an idle streak, not from this turn: progress made while
        // an earlier stream of the streak was answering NOT_READY must wake the cycle, not be missed.
        if (this.idleTurns === 0) this.since = this.rt.progress.version;
        if (this.remaining === 0) {
          // A fractional weight rounded down to 0: this stream was not asked, so the turns before it no
          // longer make a full idle cycle (sleeping now could wait forever for progress nobody makes).
          this.idleTurns = 0;
          this.endTurn('skip');
          continue;
        }
      }
      const r = await this.children[i]!.pull(w !== '*');
      if (r === NOT_READY) {
        this.endTurn('idle');
        continue;
      }
      if (r === DONE) {
        this.done[i] = true;
        this.endTurn('skip');
        continue;
      }
      this.remaining--;
      this.idleTurns = 0;
      if (this.remaining === 0) this.endTurn('produced');
      if (this.listed.has(i)) return r;
    }
  }
}

class AsyncUnion implements Operator {
  private readonly outstanding: Array<boolean> ;
  private readonly parkedAt: Array<number | undefined>;
  private readonly done: boolean[];
  private readonly settled: Array<{ i: number; r: PullResult } | { i: number; error: unknown }> = [];
  private wake: (() => void) | undefined;

  constructor(
    private readonly node: NodeAttributes,
    private readonly rt: RuntimeContext,
    private readonly children: readonly Operator[],
    private readonly listed: ReadonlySet<number>,
  ) {
    this.outstanding = children.map(() => false);
    this.parkedAt = children.map(() => undefined);
    this.done = children.map(() => false);
  }

  private start(i: number): void {
    this.outstanding[i] = true;
    this.children[i]!.pull(true).then(
      (r) => this.settle({ i, r }),
      (error: unknown) => this.settle({ i, error }),
    );
  }

  private settle(s: { i: number; r: PullResult } | { i: number; error: unknown }): void {
    this.outstanding[s.i] = false;
    this.settled.push(s);
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
    // NOTE: an item (or an end, or an error) that settles while nobody waits inside this union — it was
    // polled with block = false, e.g. by a '*' round-robin stream, and answered NOT_READY — is data the
    // next pull will get: that is progress. Without the bump a consumer that finished an idle cycle (and
    // the stuck check) would not know, and an item taken from an upstream buffer involves no actor call,
    // so nothing else would bump: the plan was reported stuck while it could go on. A settled NOT_READY
    // is not progress (bumping on it would make parked streams spin).
    if (!wake && !('r' in s && s.r === NOT_READY)) this.rt.progress.bump();
  }

  async pull(block: boolean): Promise<PullResult> {
    for (;;) {
      const version = this.rt.progress.version;
      this.children.forEach((_, i) => {
        if (this.done[i] || this.outstanding[i]) return;
        const parked = this.parkedAt[i];
        if (parked !== undefined && parked === version) return;
        this.parkedAt[i] = undefined;
        this.start(i);
      });
      const s = this.settled.shift();
      if (s) {
        if ('error' in s) throw s.error;
        if (s.r === DONE) this.done[s.i] = true;
        else if (s.r === NOT_READY) this.parkedAt[s.i] = this.rt.progress.version;
        else if (this.listed.has(s.i)) return s.r;
        continue;
      }
      if (this.done.every((d) => d)) return DONE;
      if (!block) return NOT_READY;
      const anyOutstanding = this.outstanding.some((o) => o);
      const woken = new Promise<void>((resolve) => (this.wake = resolve));
      if (anyOutstanding) await Promise.race([woken, this.rt.progress.after(version)]);
      else await Promise.race([woken, this.rt.waitForProgress(this.node, version)]);
    }
  }
}

registerOperator(K.concurrently.kind, ({ node, inputs, rt }): Operator => {
  const listed = new Set<number>((node.params['outputIndexes'] as number[] | undefined) ?? inputs.map((_, i) => i));
  if (node.params['mode'] === 'async') return new AsyncUnion(node, rt, inputs, listed);
  const weights = (node.params['weights'] as Weight[] | undefined) ?? inputs.map(() => 1);
  return new RoundRobin(node, rt, inputs, weights, listed);
});
