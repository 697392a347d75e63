/**
 * Restarting crashed actors, one policy for every backend that hosts actors in processes: `farm` (worker
 * processes on this machine) and `nats` (worker processes on other machines). A backend says how to
 * start an actor's process (an *incarnation*), how to stop one, and how to call one; this module decides
 * what a crash means (faults.ts): recreate the actor from its spec while restarts are left and its group
 * declares a `resync` hook (shard programs reinstalled, state re-synced from a live peer or a `from`
 * group, or from its last snapshot for a `resync.snapshot` group such as a learner), fail its in-flight calls as `dropped` once it is back, hold calls made meanwhile until it is,
 * and past the cap either fail the run or, with `ignoreWorkerFailures`, give the actor up (`abandoned`).
 */
import { formatActor, type ActorRef } from '../ir/contract.js';
import type { ActorSpec } from './actor-host.js';
import { RemoteCallError, type RemoteFailure } from './backend.js';
import type { FaultEvent, FaultPolicy } from './faults.js';

/** What the restart logic needs of one process of an actor (the first, or a recreation). */
export interface Incarnation {
  /** Set once this process died (or was declared stuck): why. */
  crashed: RemoteFailure | undefined;
  /** Set once this incarnation died: resolves true when the actor was recreated. */
  recovery: Promise<boolean> | undefined;
}

/** An actor under supervision: its spec, its current incarnation and its restart history. */
export interface Supervised<I extends Incarnation> {
  readonly ref: ActorRef;
  readonly spec: ActorSpec;
  current: I;
  restarts: number;
  /** Pending while the actor is being recreated: later calls wait for it, in order. */
  gate: Promise<void> | undefined;
  /** Given up for the rest of the run (`ignoreWorkerFailures`). */
  abandoned: boolean;
  /** `$install` calls (shard programs) to replay on a recreated actor. */
  readonly installs: unknown[][];
}

/** What a backend provides to the restart logic. */
export interface IncarnationHost<I extends Incarnation> {
  /** Starts a new process for the actor, sets `actor.current` to it and constructs the actor in it. */
  incarnate(actor: Supervised<I>, previous: I): Promise<void>;
  /** Stops an incarnation's process for good (it crashed, or its actor is given up). */
  dispose(inc: I): void;
  /** Calls a method on a given incarnation (no gate, no recovery). */
  callOn(actor: Supervised<I>, inc: I, method: string, args: readonly unknown[]): Promise<unknown>;
  /** Tells the runtime of a restart or a given-up actor. */
  report(event: FaultEvent): void;
  /** Whether the backend is closed (nothing is restarted then). */
  isClosed(): boolean;
}

/** A new supervised actor whose first incarnation `incarnate` will set. */
export function supervised<I extends Incarnation>(spec: ActorSpec): Supervised<I> {
  return { ref: { group: spec.group, index: spec.index }, spec, current: undefined as unknown as I, restarts: 0, gate: undefined, abandoned: false, installs: [] };
}

/** The restart policy of one backend's actors (see the module comment). */
export class Restarts<I extends Incarnation> {
  /** The supervised actors, by `formatActor`. */
  readonly actors = new Map<string, Supervised<I>>();
  /** The last snapshot of each actor (`snapshot()`), for groups restored from one (`resync.snapshot`). */
  private readonly snapshots = new Map<string, { readonly state: unknown }>();

  constructor(
    /** The run's fault policy (a backend object may receive the run's options after it was made). */
    public policy: FaultPolicy,
    private readonly host: IncarnationHost<I>,
  ) {}

  /** Remembers an actor's state (its group's `resync.get` result, at a checkpoint) to restore it from. */
  snapshot(actor: ActorRef, state: unknown): void {
    this.snapshots.set(formatActor(actor), { state });
  }

  /** Sends a call through the actor's gate: while it is being recreated, after that. */
  send(actor: Supervised<I>, fn: (inc: I) => Promise<unknown>): Promise<unknown> {
    if (actor.gate) return actor.gate.then(() => this.send(actor, fn));
    return fn(actor.current);
  }

  /** The error a call to `inc` fails with at once (actor given up, or this incarnation dead), if any. */
  refusal(actor: Supervised<I>, inc: I, method: string): RemoteCallError | undefined {
    if (actor.abandoned) return new RemoteCallError({ ...(inc.crashed ?? { name: 'ActorCrashedError', message: 'the actor was given up', stack: undefined }), crashed: true, abandoned: true }, actor.ref, method);
    if (inc.crashed) return new RemoteCallError(inc.crashed, actor.ref, method);
    return undefined;
  }

  /**
   * A call to `inc` failed because the process died: waits until it is known whether the actor comes
   * back, and returns the error the caller gets (`dropped` when recreated, `abandoned` when given up).
   */
  async lostCall(actor: Supervised<I>, inc: I, crash: RemoteFailure, method: string): Promise<RemoteCallError> {
    inc.crashed ??= crash;
    const recreated = await this.recover(actor, inc);
    return new RemoteCallError({ ...(inc.crashed ?? crash), crashed: true, ...(recreated ? { dropped: true } : {}), ...(actor.abandoned ? { abandoned: true } : {}) }, actor.ref, method);
  }

  /**
   * Recreates the actor after its incarnation `inc` died, once per incarnation. Resolves true when a
   * new process runs the actor, re-synced; false when the run must do without it (or fail).
   */
  recover(actor: Supervised<I>, inc: I): Promise<boolean> {
    inc.recovery ??= (async () => {
      const reason = inc.crashed?.message ?? 'the actor process died';
      if (this.host.isClosed() || actor.current !== inc) return false;
      const resync = actor.spec.resync;
      const fromSnapshot = resync !== undefined && !('stateless' in resync) && resync.snapshot === true;
      const snapshot = this.snapshots.get(formatActor(actor.ref));
      if (!resync || actor.restarts >= this.policy.maxActorRestarts || (fromSnapshot && !snapshot)) {
        // Say why it stays dead when restarts were asked for.
        const why =
          this.policy.maxActorRestarts === 0
            ? undefined
            : !resync
              ? `its group '${actor.ref.group}' declares no resync hook`
              : actor.restarts >= this.policy.maxActorRestarts
                ? `restarted ${actor.restarts} time(s) already (maxActorRestarts ${this.policy.maxActorRestarts})`
                : `no checkpoint was saved yet to restore it from (no other actor holds its state; save checkpoints with rlflow train --checkpoint-freq <n>, or Trainer.save() between iterations)`;
        if (why && inc.crashed) inc.crashed = { ...inc.crashed, message: `${inc.crashed.message}; not restarted: ${why}` };
        this.maybeAbandon(actor, reason);
        return false;
      }
      let opened: () => void = () => undefined;
      actor.gate = new Promise<void>((resolve) => (opened = resolve));
      actor.restarts++;
      try {
        this.host.dispose(inc);
        await this.host.incarnate(actor, inc);
        for (const args of actor.installs) await this.host.callOn(actor, actor.current, '$install', args);
        if (!('stateless' in resync)) {
          // A snapshot's state is from the last checkpoint: the actor's work since then is lost.
          const state = fromSnapshot ? snapshot!.state : await this.resyncState(actor, resync);
          await this.host.callOn(actor, actor.current, resync.set, [state]);
        }
        this.host.report({ type: 'restarted', actor: actor.ref, reason: fromSnapshot ? `${reason}; restored from its last snapshot` : reason });
        return true;
      } catch (e) {
        // The recreated actor failed too: report the original crash, with why the restart failed.
        const why = e instanceof RemoteCallError ? `${e.failure.name}: ${e.failure.message}` : String(e);
        const failed = actor.current;
        failed.crashed ??= { name: 'ActorCrashedError', message: `${reason}; restarting it failed: ${why}`, stack: undefined, crashed: true };
        if (failed !== inc) failed.recovery = Promise.resolve(false);
        this.maybeAbandon(actor, reason);
        return false;
      } finally {
        actor.gate = undefined;
        opened();
      }
    })();
    return inc.recovery;
  }

  /** Gives up an actor when `ignoreWorkerFailures` allows it: its group keeps at least one healthy actor. */
  private maybeAbandon(actor: Supervised<I>, reason: string): void {
    if (!this.policy.ignoreWorkerFailures || actor.abandoned) return;
    const healthyPeers = [...this.actors.values()].filter((w) => w !== actor && w.ref.group === actor.ref.group && !w.abandoned && !w.current.crashed);
    if (healthyPeers.length === 0) return;
    actor.abandoned = true;
    this.host.dispose(actor.current);
    this.host.report({ type: 'abandoned', actor: actor.ref, reason });
  }

  /** State for a recreated actor: from a live peer of its group, else from actor 0 of each `from` group. */
  private async resyncState(actor: Supervised<I>, resync: { readonly get: string; readonly from?: readonly string[] }): Promise<unknown> {
    const peers = [...this.actors.values()].filter((w) => w !== actor && w.ref.group === actor.ref.group && !w.abandoned && !w.current.crashed && !w.gate);
    const others = (resync.from ?? []).map((g) => this.actors.get(formatActor({ group: g, index: 0 }))).filter((w): w is Supervised<I> => w !== undefined && !w.current.crashed);
    let last: unknown = new Error(`no live actor to re-sync ${formatActor(actor.ref)} from (tried its peers${resync.from?.length ? ` and ${resync.from.join(', ')}` : ''})`);
    for (const source of [...peers, ...others]) {
      try {
        return await this.send(source, (inc) => this.host.callOn(source, inc, resync.get, []));
      } catch (e) {
        last = e;
      }
    }
    throw last;
  }
}
