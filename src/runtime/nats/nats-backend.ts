/**
 * The `nats` backend: actors live on other machines, hosted by `rlflow node` processes, and every call
 * is a NATS request whose arguments and result travel in the binary codec (typed arrays as raw bytes),
 * chunked beyond the server's max payload. The driver finds the nodes by discovery (discovery.ts), the
 * `place` pass decides which node runs which actor (`ActorSpec.host`), and this backend sends each
 * node its actors. Calls to one actor keep their order: NATS delivers one connection's messages in
 * order and the node hands them to the actor's worker process as they arrive.
 *
 * Liveness both ways: the driver pings every node it uses; a node that stops answering counts as the
 * crash of all its actors (their calls fail with a crash, as on farm). The pings also renew the node's
 * lease on the driver's actors, so a node stops them when the driver goes away.
 */
import { createInbox, nuid, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import { formatActor, type ActorRef } from '../../ir/contract.js';
import type { ActorSpec } from '../actor-host.js';
import { RemoteCallError, toRemoteFailure, type ActorBackend, type RemoteFailure } from '../backend.js';
import { RealClock } from '../virtual-clock.js';
import { Reassembler } from './chunks.js';
import { decode } from './codec.js';
import { moduleDigest } from './identity.js';
import { nodeSubject, send, type ModuleDigest, type NodeInfo, type Reply, type Request } from './wire.js';

/** Options of `NatsBackend`: the NATS connection, the discovered nodes and liveness settings. */
export interface NatsBackendOptions {
  /** An open connection to the NATS server the nodes use. */
  readonly connection: NatsConnection;
  /** The nodes to run actors on (from `discoverNodes`). */
  readonly nodes: readonly NodeInfo[];
  /**
   * Plan modules every node must load as the driver does (checked when the node starts its actors).
   * Default: the actor classes' modules, digested here when the actors start.
   */
  readonly modules?: readonly ModuleDigest[];
  /** Ping period (default 1000 ms). */
  readonly heartbeatMs?: number;
  /** A node silent for this long counts as dead, with all its actors (default 5000 ms). */
  readonly nodeTimeoutMs?: number;
  /** Close the connection in `close()` (default true). */
  readonly closeConnection?: boolean;
}

interface Pending {
  readonly node: string;
  readonly actor: ActorRef;
  readonly method: string;
  resolve(value: unknown): void;
  reject(e: unknown): void;
}

interface NodeState {
  readonly info: NodeInfo;
  lastSeen: number;
  /** Set once the node is lost: every later call to its actors fails with it. */
  lost: RemoteFailure | undefined;
  actors: number;
}

/**
 * The `nats` backend: actors run on other machines hosted by `rlflow node` processes (`NodeHost`), and
 * every call is a NATS request. Nodes come from `discoverNodes`; the `place` pass decides which node runs each actor.
 */
export class NatsBackend implements ActorBackend {
  readonly name = 'nats';
  readonly clock = new RealClock();
  /** Unique per run: nodes keep each driver's actors apart by it. */
  readonly session = nuid.next();
  private readonly nc: NatsConnection;
  private readonly inbox = createInbox();
  private readonly nodes = new Map<string, NodeState>();
  private readonly placement = new Map<string, NodeState>();
  private readonly pending = new Map<number, Pending>();
  private readonly frames = new Reassembler();
  private sub: Subscription | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private nextId = 1;
  private calls = 0;
  private closed = false;

  constructor(private readonly options: NatsBackendOptions) {
    this.nc = options.connection;
    for (const info of options.nodes) this.nodes.set(info.name, { info, lastSeen: Date.now(), lost: undefined, actors: 0 });
  }

  /** The node an actor runs on (after `start`). */
  nodeOf(actor: ActorRef): string | undefined {
    return this.placement.get(formatActor(actor))?.info.name;
  }

  async start(actors: readonly ActorSpec[]): Promise<void> {
    if (this.nodes.size === 0) throw new Error('the nats backend has no node to start actors on');
    this.sub = this.nc.subscribe(this.inbox, { callback: (err, msg) => (err ? undefined : this.onReply(msg.data)) });
    // Actors the place pass put on a known node go there; the rest are spread over the nodes in turn.
    const names = [...this.nodes.keys()].sort();
    let turn = 0;
    const byNode = new Map<NodeState, ActorSpec[]>();
    for (const spec of actors) {
      const node = (spec.host !== undefined ? this.nodes.get(spec.host) : undefined) ?? this.nodes.get(names[turn++ % names.length]!)!;
      this.placement.set(formatActor(spec), node);
      node.actors++;
      byNode.set(node, [...(byNode.get(node) ?? []), spec]);
    }
    const now = Date.now();
    for (const n of this.nodes.values()) n.lastSeen = now;
    this.heartbeat = setInterval(() => this.beat(), this.options.heartbeatMs ?? 1000);
    this.heartbeat.unref();
    const modules = this.options.modules ?? [...new Set(actors.map((a) => a.actorClass.module))].map(moduleDigest);
    const results = await Promise.allSettled(
      [...byNode].map(([node, specs]) =>
        this.request(node, { op: 'start', session: this.session, actors: specs, modules }, specs[0]!, 'constructor'),
      ),
    );
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  private request(node: NodeState, message: Request, actor: ActorRef, method: string): Promise<unknown> {
    if (this.closed) return Promise.reject(new RemoteCallError({ name: 'Error', message: 'the nats backend is closed', stack: undefined, crashed: false }, actor, method));
    if (node.lost) return Promise.reject(new RemoteCallError(node.lost, actor, method));
    const id = this.nextId;
    this.nextId = this.nextId >= 0xffffffff ? 1 : this.nextId + 1;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { node: node.info.name, actor, method, resolve, reject });
      try {
        send(this.nc, nodeSubject(node.info.id), id, message, this.inbox);
      } catch (e) {
        this.pending.delete(id);
        reject(new RemoteCallError(toRemoteFailure(e), actor, method));
      }
    });
  }

  private onReply(frame: Uint8Array): void {
    let whole: { id: number; payload: Uint8Array } | undefined;
    try {
      whole = this.frames.add('reply', frame);
    } catch {
      return;
    }
    if (!whole) return;
    const p = this.pending.get(whole.id);
    if (!p) return;
    this.pending.delete(whole.id);
    const node = this.nodes.get(p.node);
    if (node) node.lastSeen = Date.now();
    let reply: Reply;
    try {
      reply = decode(whole.payload) as Reply;
    } catch (e) {
      p.reject(new RemoteCallError(toRemoteFailure(e), p.actor, p.method));
      return;
    }
    if (reply.ok) p.resolve(reply.value);
    else {
      // Errors say which node the actor ran on, next to the actor and plan line the runtime adds.
      const failure = { ...reply.failure, message: `${reply.failure.message} (on node '${p.node}')` };
      p.reject(new RemoteCallError(failure, reply.actor ?? p.actor, p.method));
    }
  }

  private beat(): void {
    const now = Date.now();
    const timeout = this.options.nodeTimeoutMs ?? 5000;
    for (const node of this.nodes.values()) {
      if (node.actors === 0 || node.lost) continue;
      if (now - node.lastSeen > timeout) {
        this.lose(node, `node '${node.info.name}' (pid ${node.info.pid} on ${node.info.hostname}) stopped answering for ${Math.round((now - node.lastSeen) / 1000)} s: its process died or lost its connection, and its actors with it`);
        continue;
      }
      this.request(node, { op: 'ping', session: this.session }, { group: '$node', index: 0 }, '$ping').catch(() => undefined);
    }
  }

  /** Counts a node's loss as the crash of every actor on it: pending and later calls fail with it. */
  private lose(node: NodeState, message: string): void {
    node.lost = { name: 'ActorCrashedError', message, stack: undefined, crashed: true };
    for (const [id, p] of this.pending) {
      if (p.node !== node.info.name) continue;
      this.pending.delete(id);
      p.reject(new RemoteCallError(node.lost, p.actor, p.method));
    }
  }

  call(actor: ActorRef, method: string, args: readonly unknown[]): Promise<unknown> {
    const node = this.placement.get(formatActor(actor));
    if (!node) return Promise.reject(new RemoteCallError(toRemoteFailure(new Error(`no actor ${formatActor(actor)}`)), actor, method));
    this.calls++;
    return this.request(node, { op: 'call', session: this.session, group: actor.group, index: actor.index, method, args }, actor, method).finally(() => this.calls--);
  }

  inFlight(): number {
    return this.calls;
  }

  hasPendingWork(): boolean {
    return false;
  }

  /** Asks every node to stop this run's actors, then fails what is still pending. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    clearInterval(this.heartbeat);
    const used = [...this.nodes.values()].filter((n) => n.actors > 0 && !n.lost);
    const stops = used.map((n) => this.request(n, { op: 'stop', session: this.session }, { group: '$node', index: 0 }, '$stop').catch(() => undefined));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(stops), new Promise((r) => (timer = setTimeout(r, 5000)))]);
    clearTimeout(timer);
    this.closed = true;
    for (const p of this.pending.values()) p.reject(new RemoteCallError({ name: 'Error', message: 'the nats backend is closed', stack: undefined, crashed: false }, p.actor, p.method));
    this.pending.clear();
    this.sub?.unsubscribe();
    if (this.options.closeConnection !== false) await this.nc.drain().catch(() => undefined);
  }
}
