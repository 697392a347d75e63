/**
 * The `local` backend: every actor is an `ActorHost` in the driver's process, on a virtual clock.
 * Arguments and results are structured-cloned exactly as they would be between processes, so a plan
 * cannot come to depend on shared objects and behaves as it does on the farm backend, only
 * deterministically and steppably. Use it to debug a plan and in tests.
 */
import { formatActor, type ActorRef } from '../ir/contract.js';
import { ActorHost, type ActorSpec, type TimedReply } from './actor-host.js';
import { RemoteCallError, toRemoteFailure, type ActorBackend } from './backend.js';
import { VirtualClock } from './virtual-clock.js';

/**
 * The `local` backend: every actor runs in the driver's process on a virtual clock, with arguments and
 * results structured-cloned as between processes. Deterministic and steppable; use it to debug plans and in tests.
 */
export class LocalBackend implements ActorBackend {
  readonly name = 'local';
  readonly clock = new VirtualClock();
  private readonly hosts = new Map<string, ActorHost>();
  private pending = 0;

  async start(actors: readonly ActorSpec[]): Promise<void> {
    for (const spec of actors) {
      const host = new ActorHost(structuredClone(spec), this.clock);
      try {
        await host.start();
      } catch (e) {
        throw new RemoteCallError(toRemoteFailure(e), host.ref, 'constructor');
      }
      this.hosts.set(formatActor(host.ref), host);
    }
  }

  call(actor: ActorRef, method: string, args: readonly unknown[]): Promise<unknown> {
    return this.invoke(actor, method, args, (host, cloned) => host.handle(method, cloned));
  }

  async callTimed(actor: ActorRef, method: string, args: readonly unknown[]): Promise<TimedReply> {
    return this.invoke(actor, method, args, (host, cloned) => host.handleTimed(method, cloned));
  }

  private async invoke<T>(actor: ActorRef, method: string, args: readonly unknown[], handle: (host: ActorHost, args: readonly unknown[]) => Promise<T>): Promise<T> {
    const host = this.hosts.get(formatActor(actor));
    if (!host) throw new RemoteCallError(toRemoteFailure(new Error(`no actor ${formatActor(actor)}`)), actor, method);
    this.pending++;
    try {
      const result = await handle(host, structuredClone(args));
      return structuredClone(result);
    } catch (e) {
      throw new RemoteCallError(toRemoteFailure(e), actor, method);
    } finally {
      this.pending--;
    }
  }

  inFlight(): number {
    return this.pending;
  }

  hasPendingWork(): boolean {
    return this.clock.pendingTimers > 0;
  }

  /** Drops every actor. */
  async close(): Promise<void> {
    this.hosts.clear();
  }
}
