/**
 * The interface every actor backend implements, so the runtime runs the same IR on in-process actors
 * (`local`) and on worker processes (`farm`). Errors cross it as plain data (`RemoteFailure`) and the
 * runtime turns them into `StageError`s that name the plan node, its source line and the actor.
 */
import type { ActorRef, Clock } from '../ir/contract.js';
import { FAILED_AT, type ActorSpec, type TimedReply } from './actor-host.js';
import type { FaultEvent, FaultOptions } from './faults.js';

/** An error thrown by actor code, as plain data (it may come from another process). */
export interface RemoteFailure {
  readonly name: string;
  readonly message: string;
  readonly stack: string | undefined;
  /** The actor's process died; the actor's state is lost. */
  readonly crashed: boolean;
  /** Id of the fused member stage that threw, when the failing segment ran several stages. */
  readonly at?: string;
  /**
   * The actor died with this call in flight and was recreated: the call's work is lost (dropped, never
   * replayed). Only set together with `crashed`.
   */
  readonly dropped?: boolean;
  /** The actor died and was given up for the rest of the run (`ignoreWorkerFailures`). */
  readonly abandoned?: boolean;
}

/**
 * An actor call that failed on the actor's side: carries the `RemoteFailure` (as plain data), the actor
 * and the method. The runtime turns it into a `StageError` that names the plan node.
 */
export class RemoteCallError extends Error {
  override name = 'RemoteCallError';
  constructor(
    readonly failure: RemoteFailure,
    readonly actor: ActorRef,
    readonly method: string,
  ) {
    super(`${failure.name}: ${failure.message}`);
  }
}

export function toRemoteFailure(e: unknown, crashed = false): RemoteFailure {
  if (e instanceof Error) {
    const at = (e as unknown as Record<string, unknown>)[FAILED_AT];
    return { name: e.name, message: e.message, stack: e.stack, crashed, ...(typeof at === 'string' ? { at } : {}) };
  }
  return { name: 'Error', message: String(e), stack: undefined, crashed };
}

/**
 * Where a plan's actors live: starts them, delivers method calls to them and reports their faults. The runtime
 * runs the same IR on any backend; rlflow ships `LocalBackend`, `FarmBackend` and `NatsBackend`.
 */
export interface ActorBackend {
  /** `local`, `farm`, or a custom backend's name. */
  readonly name: string;
  /** The driver's clock: virtual for `local`, wall-clock otherwise. */
  readonly clock: Clock;
  /** Creates and starts every actor; rejects naming the actor whose constructor failed. */
  start(actors: readonly ActorSpec[]): Promise<void>;
  /**
   * Calls a method on an actor. Calls to one actor run one at a time in the order they were made.
   * Rejects with `RemoteCallError`.
   */
  call(actor: ActorRef, method: string, args: readonly unknown[]): Promise<unknown>;
  /**
   * Optional, used only while a run is traced: as `call`, also reporting when the actor received,
   * started and finished the call. Without it, traces show calls as the driver saw them.
   */
  callTimed?(actor: ActorRef, method: string, args: readonly unknown[]): Promise<TimedReply>;
  /** Whether an actor is still part of the run (false once given up after a crash). Default: always. */
  healthy?(actor: ActorRef): boolean;
  /**
   * Remembers `state` (the result of the group's `resync.get`) as the actor's last snapshot: a group
   * whose `resync` has `snapshot: true` restores a recreated actor from it. Backends that restart no
   * actors leave it out.
   */
  snapshot?(actor: ActorRef, state: unknown): void;
  /** Optional: takes the run's fault options (`run(plan, { faults })`) when the backend object was made before the run. */
  useFaults?(faults: FaultOptions): void;
  /** Set by the runtime: told of every restart and abandoned actor, to count them in the metrics. */
  onFault?: (event: FaultEvent) => void;
  /** Number of calls sent and not yet answered. */
  inFlight(): number;
  /** Whether anything scheduled (a timer) can still happen without new calls. */
  hasPendingWork(): boolean;
  /** Stops every actor and releases the backend's resources (processes, connections). */
  close(): Promise<void>;
}
