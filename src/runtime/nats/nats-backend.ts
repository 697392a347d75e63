/**
 * The `nats` backend: actors live on other machines, hosted by `rlflow node` processes, and every call
 * is a NATS request whose arguments and result travel in the binary codec (typed arrays as raw bytes),
 * chunked beyond the server's max payload. The driver finds the nodes by discovery (discovery.ts), the
 * `place` pass decides which node runs which actor (`ActorSpec.host`), and this backend sends each
 * node its actors. Calls to one actor keep their order: NATS delivers one connection's messages in
 * order and the node hands them to the actor's worker process as they arrive.
 *
 * Liveness both ways: the driver pings every node it uses; a node that stops answering (its process
 * died, was stopped, or lost its connection) counts as the crash of all its actors. The pings also
 * renew the node's lease on the driver's actors, so a node stops them when the driver goes away.
 *
 * Faults follow the run's `FaultOptions` as on farm: nodes enforce call deadlines and heartbeats on
 * their actor processes; a crashed actor is recreated by the restart policy farm uses (restarts.ts), on
 * its own node while that node lives, else on the live node with the most free CPUs, and the backend's
 * log says where and why.
 */
import { createInbox, nuid, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import { formatActor, type ActorRef } from '../../ir/contract.js';
import { epochMs, type ActorSpec, type TimedReply } from '../actor-host.js';
import { RemoteCallError, toRemoteFailure, type ActorBackend, type RemoteFailure } from '../backend.js';
import { deadlineOf, faultPolicy, type FaultEvent, type FaultOptions, type FaultPolicy } from '../faults.js';
import { Restarts, supervised, type Incarnation, type Supervised } from '../restarts.js';
import { RealClock } from '../virtual-clock.js';
import { Reassembler } from './chunks.js';
import { decode } from './codec.js';
import { moduleDigest } from './identity.js';
import { nodeSubject, send, type ModuleDigest, type NodeFaults, type NodeInfo, type Pong, type Reply, type Request } from './wire.js';

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
  /** Deadlines, heartbeats and restarts (default: none; `run(plan, { faults })` replaces them). */
  readonly faults?: FaultOptions;
  /** Where to say where restarted actors went and why (the CLI's output). */
  readonly log?: (line: string) => void;
  /** Close the connection in `close()` (default true). */
  readonly closeConnection?: boolean;
}

interface Pending {
  readonly node: string;
  readonly actor: ActorRef;
  readonly method: string;
  /** When the driver gives up on an answer (the node's own deadline, plus the node timeout). */
  readonly deadline: number;
  resolve(value: unknown): void;
  reject(e: unknown): void;
}

interface NodeState {
  readonly info: NodeInfo;
  lastSeen: number;
  /** Set once the node is lost: every later call to its actors fails with it. */
  lost: RemoteFailure | undefined;
  /** Actors of this run placed on the node now. */
  actors: number;
  /** The node's clock minus the driver's (ms), from the ping with the shortest round trip so far. */
  clockOffset: number;
  bestRoundTrip: number;
}

/** One incarnation of an actor: the node it runs on. */
interface Placed extends Incarnation {
  readonly node: NodeState;
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
  onFault?: (event: FaultEvent) => void;
  private readonly nc: NatsConnection;
  private readonly inbox = createInbox();
  private readonly nodes = new Map<string, NodeState>();
  private readonly pending = new Map<number, Pending>();
  private readonly frames = new Reassembler();
  private readonly restarter: Restarts<Placed>;
  private modules: readonly ModuleDigest[] = [];
  private sub: Subscription | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private nextId = 1;
  private calls = 0;
  private closed = false;
  /** Set when `close` starts: nothing is restarted from then on. */
  private closing = false;

  constructor(private readonly options: NatsBackendOptions) {
    this.nc = options.connection;
    for (const info of options.nodes) this.nodes.set(info.name, { info, lastSeen: Date.now(), lost: undefined, actors: 0, clockOffset: 0, bestRoundTrip: Number.POSITIVE_INFINITY });
    this.restarter = new Restarts<Placed>(faultPolicy(options.faults), {
      incarnate: (actor, previous) => this.reincarnate(actor, previous),
      dispose: (inc) => this.dispose(inc),
      callOn: (actor, inc, method, args) => this.callOn(actor, inc, method, args, false),
      report: (event) => this.onFault?.(event),
      isClosed: () => this.closing,
    });
  }

  /** Takes the run's deadlines, heartbeats and restarts (`run(plan, { faults })`), before `start`. */
  useFaults(faults: FaultOptions): void {
    this.restarter.policy = faultPolicy(faults);
  }

  private get policy(): FaultPolicy {
    return this.restarter.policy;
  }

  /** What the nodes enforce on their actor processes. */
  private nodeFaults(): NodeFaults {
    const p = this.policy;
    return { callDeadlineMs: p.callDeadlineMs, methodDeadlinesMs: p.methodDeadlinesMs, heartbeatTimeoutMs: p.heartbeatTimeoutMs };
  }

  private get nodeTimeoutMs(): number {
    return this.options.nodeTimeoutMs ?? 5000;
  }

  /** The node an actor runs on now (after `start`; a restart may move it). */
  nodeOf(actor: ActorRef): string | undefined {
    return this.restarter.actors.get(formatActor(actor))?.current?.node.info.name;
  }

  /** Restarts so far, by actor. */
  restarts(): Record<string, number> {
    return Object.fromEntries([...this.restarter.actors].map(([k, a]) => [k, a.restarts]));
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
      const actor = supervised<Placed>(spec);
      actor.current = { node, crashed: undefined, recovery: undefined };
      this.restarter.actors.set(formatActor(actor.ref), actor);
      node.actors++;
      byNode.set(node, [...(byNode.get(node) ?? []), spec]);
    }
    const now = Date.now();
    for (const n of this.nodes.values()) n.lastSeen = now;
    this.heartbeat = setInterval(() => this.beat(), this.options.heartbeatMs ?? 1000);
    this.heartbeat.unref();
    this.modules = this.options.modules ?? [...new Set(actors.map((a) => a.actorClass.module))].map(moduleDigest);
    const results = await Promise.allSettled(
      [...byNode].map(([node, specs]) =>
        this.request(node, { op: 'start', session: this.session, actors: specs, modules: this.modules, faults: this.nodeFaults() }, specs[0]!, 'constructor'),
      ),
    );
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /**
   * Where a crashed actor starts again: its own node while that node lives (the crash freed its CPU),
   * else the live node with the most free CPUs (then by name).
   */
  private pickNode(previous: Placed): { node: NodeState; why: string } {
    if (!previous.node.lost) return { node: previous.node, why: `its node '${previous.node.info.name}' is alive` };
    const live = [...this.nodes.values()].filter((n) => !n.lost);
    if (live.length === 0) throw new Error(`no live node is left to restart it on (node '${previous.node.info.name}' was lost)`);
    const free = (n: NodeState): number => n.info.cpus - n.actors;
    live.sort((a, b) => free(b) - free(a) || (a.info.name < b.info.name ? -1 : 1));
    const node = live[0]!;
    const others = live.slice(1).map((n) => `'${n.info.name}' ${free(n)}`);
    const crowded = free(node) <= 0 ? '; no live node has a free cpu, so it shares one' : '';
    return { node, why: `node '${previous.node.info.name}' was lost; '${node.info.name}' has the most free cpus (${free(node)} of ${node.info.cpus}${others.length ? `; ${others.join(', ')}` : ''})${crowded}` };
  }

  /** A new incarnation of a crashed actor on a live node (the restart policy calls it). */
  private async reincarnate(actor: Supervised<Placed>, previous: Placed): Promise<void> {
    const { node, why } = this.pickNode(previous);
    previous.node.actors--;
    // A node that ran none of this run's actors was not pinged: its silence so far says nothing.
    if (node.actors++ === 0) node.lastSeen = Date.now();
    actor.current = { node, crashed: undefined, recovery: undefined };
    this.options.log?.(`nats: restarting ${formatActor(actor.ref)} on node '${node.info.name}' (${why}); after: ${previous.crashed?.message ?? 'a crash'}`);
    await this.request(node, { op: 'start', session: this.session, actors: [actor.spec], modules: this.modules, faults: this.nodeFaults() }, actor.ref, 'constructor');
  }

  /** Stops what is left of an incarnation: its process on a node that still answers. */
  private dispose(inc: Placed): void {
    if (inc.node.lost || this.closing) return;
    const actor = [...this.restarter.actors.values()].find((a) => a.current === inc);
    if (!actor) return;
    this.request(inc.node, { op: 'drop', session: this.session, group: actor.ref.group, index: actor.ref.index }, actor.ref, '$drop').catch(() => undefined);
  }

  private request(node: NodeState, message: Request, actor: ActorRef, method: string): Promise<unknown> {
    if (this.closed) return Promise.reject(new RemoteCallError({ name: 'Error', message: 'the nats backend is closed', stack: undefined, crashed: false }, actor, method));
    if (node.lost) return Promise.reject(new RemoteCallError(node.lost, actor, method));
    const id = this.nextId;
    this.nextId = this.nextId >= 0xffffffff ? 1 : this.nextId + 1;
    return new Promise((resolve, reject) => {
      const deadline = Date.now() + deadlineOf(this.policy, method) + this.nodeTimeoutMs;
      this.pending.set(id, { node: node.info.name, actor, method, deadline, resolve, reject });
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
    for (const node of this.nodes.values()) {
      if (node.actors === 0 || node.lost) continue;
      if (now - node.lastSeen > this.nodeTimeoutMs) {
        this.lose(node, `node '${node.info.name}' (pid ${node.info.pid} on ${node.info.hostname}) stopped answering for ${Math.round((now - node.lastSeen) / 1000)} s: its process died, was stopped or lost its connection, and its actors with it`);
        continue;
      }
      const sentAt = epochMs();
      this.request(node, { op: 'ping', session: this.session }, { group: '$node', index: 0 }, '$ping').then(
        (pong) => this.onPong(node, sentAt, pong as Pong),
        () => undefined,
      );
    }
    // A call the node never answered (it lost the message, or the actor's farm hung): the actor is stuck.
    for (const [id, p] of this.pending) {
      if (now <= p.deadline || p.actor.group === '$node' || p.method === '$drop') continue;
      this.pending.delete(id);
      p.reject(new RemoteCallError({ name: 'ActorStuckError', message: `actor ${formatActor(p.actor)} on node '${p.node}' did not answer '${p.method}' within its deadline`, stack: undefined, crashed: true }, p.actor, p.method));
    }
  }

  /** Keeps the estimate of the node's clock offset from the ping with the shortest round trip (for traces). */
  private onPong(node: NodeState, sentAt: number, pong: Pong): void {
    const now = epochMs();
    const roundTrip = now - sentAt;
    if (typeof pong?.now !== 'number' || roundTrip > node.bestRoundTrip) return;
    node.bestRoundTrip = roundTrip;
    node.clockOffset = pong.now - (sentAt + now) / 2;
  }

  /**
   * Counts a node's loss as the crash of every actor on it: pending calls fail with it, and each of
   * its actors restarts elsewhere (or stays dead) as the fault policy says.
   */
  private lose(node: NodeState, message: string): void {
    node.lost = { name: 'ActorCrashedError', message, stack: undefined, crashed: true };
    for (const [id, p] of this.pending) {
      if (p.node !== node.info.name) continue;
      this.pending.delete(id);
      p.reject(new RemoteCallError(node.lost, p.actor, p.method));
    }
    // Idle actors too, so the next call finds them alive elsewhere.
    for (const actor of this.restarter.actors.values()) {
      const inc = actor.current;
      if (inc.node !== node || actor.abandoned) continue;
      inc.crashed ??= node.lost;
      void this.restarter.recover(actor, inc);
    }
  }

  /** Calls a method on one incarnation; a crash (of the actor process or its node) goes to the restart policy. */
  private async callOn(actor: Supervised<Placed>, inc: Placed, method: string, args: readonly unknown[], timed: boolean): Promise<unknown> {
    const refused = this.restarter.refusal(actor, inc, method);
    if (refused) throw refused;
    const message: Request = { op: 'call', session: this.session, group: actor.ref.group, index: actor.ref.index, method, args, ...(timed ? { timed } : {}) };
    try {
      return await this.request(inc.node, message, actor.ref, method);
    } catch (e) {
      if (!(e instanceof RemoteCallError) || !e.failure.crashed || e.failure.dropped) throw e;
      throw await this.restarter.lostCall(actor, inc, e.failure, method);
    }
  }

  private send(actor: ActorRef, method: string, args: readonly unknown[], timed: boolean): Promise<unknown> {
    const a = this.restarter.actors.get(formatActor(actor));
    if (!a) return Promise.reject(new RemoteCallError(toRemoteFailure(new Error(`no actor ${formatActor(actor)}`)), actor, method));
    if (method === '$install') a.installs.push([...args]);
    this.calls++;
    return this.restarter.send(a, (inc) => this.callOn(a, inc, method, args, timed)).finally(() => this.calls--);
  }

  call(actor: ActorRef, method: string, args: readonly unknown[]): Promise<unknown> {
    return this.send(actor, method, args, false);
  }

  /** As `call`, with when the actor received, started and ended the call, on the driver's clock. */
  async callTimed(actor: ActorRef, method: string, args: readonly unknown[]): Promise<TimedReply> {
    const reply = (await this.send(actor, method, args, true)) as TimedReply;
    // The node's clock may differ from the driver's: shift by the offset the pings measured.
    const offset = this.restarter.actors.get(formatActor(actor))?.current.node.clockOffset ?? 0;
    const t = reply.timing;
    return { value: reply.value, timing: { receivedAt: t.receivedAt - offset, startedAt: t.startedAt - offset, endedAt: t.endedAt - offset } };
  }

  healthy(actor: ActorRef): boolean {
    return this.restarter.actors.get(formatActor(actor))?.abandoned !== true;
  }

  inFlight(): number {
    return this.calls;
  }

  hasPendingWork(): boolean {
    return false;
  }

  /** Asks every node to stop this run's actors, then fails what is still pending. Idempotent. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
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
