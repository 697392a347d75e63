/**
 * Entry point a farm worker process imports (through farm-child.cts): builds the process's one actor
 * host on the wall clock.
 */
import { ActorHost, type ActorSpec } from './actor-host.js';
import { RealClock } from './virtual-clock.js';

export async function createHost(spec: ActorSpec): Promise<ActorHost> {
  const host = new ActorHost(spec, new RealClock());
  await host.start();
  return host;
}
