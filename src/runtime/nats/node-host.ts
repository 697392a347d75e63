/**
 * The host side of the `nats` backend, run by `rlflow node`: answers discovery with what this machine
 * offers, and hosts the actors drivers ask for. Each driver run is a *session* whose actors each run on
 * a `FarmBackend` of their own (one worker process per actor, as on one machine), so calls keep the
 * farm's order, deadlines, heartbeats and error behaviour; restarts are the driver's, which may move a
 * crashed actor to another node, so a session gains (`start`) and loses (`drop`) actors. A session lives while its driver shows signs of life (a call or a heartbeat ping
 * within the lease); when the driver goes away, its actor processes are stopped. The node only connects
 * out to the NATS server: it opens no listening port.
 */
import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import { formatActor } from '../../ir/contract.js';
import { epochMs, type ActorSpec } from '../actor-host.js';
import { RemoteCallError, toRemoteFailure } from '../backend.js';
import { FarmBackend } from '../farm-backend.js';
import { Reassembler } from './chunks.js';
import { decode } from './codec.js';
import { moduleMismatch } from './identity.js';
import { DISCOVER_SUBJECT, nodeSubject, send, type NodeFaults, type NodeInfo, type Pong, type Reply, type Request } from './wire.js';

/** Options of `NodeHost`. */
export interface NodeHostOptions {
  /** A session whose driver said nothing for this long is over and its actors are stopped (default 5000). */
  readonly leaseMs?: number;
  /** Progress lines (sessions starting and ending). */
  readonly log?: (line: string) => void;
}

interface Session {
  /** Each actor's own farm, by `formatActor`. */
  readonly actors: Map<string, FarmBackend>;
  lastSeen: number;
}

/**
 * The host side of the `nats` backend (run by `rlflow node`): answers discovery and runs the actors that
 * drivers ask for, one `FarmBackend` session per driver run, stopped when the driver's lease runs out.
 */
export class NodeHost {
  private readonly sessions = new Map<string, Session>();
  private readonly frames = new Reassembler();
  private readonly subs: Subscription[] = [];
  private reaper: NodeJS.Timeout | undefined;
  private readonly leaseMs: number;
  private readonly log: (line: string) => void;

  constructor(
    private readonly nc: NatsConnection,
    readonly info: NodeInfo,
    options: NodeHostOptions = {},
  ) {
    this.leaseMs = options.leaseMs ?? 5000;
    this.log = options.log ?? (() => undefined);
  }

  /** Starts answering discovery and requests. */
  start(): void {
    this.subs.push(
      this.nc.subscribe(DISCOVER_SUBJECT, {
        callback: (err, msg) => {
          if (!err && msg.reply) send(this.nc, msg.reply, 0, this.info);
        },
      }),
    );
    this.subs.push(this.nc.subscribe(nodeSubject(this.info.id), { callback: (err, msg) => (err ? undefined : this.onFrame(msg)) }));
    this.reaper = setInterval(() => this.reap(), Math.min(1000, this.leaseMs / 2));
  }

  /** Number of live sessions and their actors (for tests and the node's status line). */
  stats(): { sessions: number; actors: number } {
    return { sessions: this.sessions.size, actors: [...this.sessions.values()].reduce((n, s) => n + s.actors.size, 0) };
  }

  private onFrame(msg: Msg): void {
    const reply = msg.reply;
    if (!reply) return;
    let whole: { id: number; payload: Uint8Array } | undefined;
    let request: Request;
    try {
      whole = this.frames.add(reply, msg.data);
      if (!whole) return;
      request = decode(whole.payload) as Request;
    } catch (e) {
      this.log(`dropped a malformed message from ${reply}: ${(e as Error).message}`);
      return;
    }
    const id = whole.id;
    const answer = (r: Reply): void => {
      try {
        send(this.nc, reply, id, r);
      } catch (e) {
        // The value could not be encoded (a function in a result): say so instead.
        send(this.nc, reply, id, { ok: false, failure: toRemoteFailure(new TypeError(`the result cannot be sent to the driver: ${(e as Error).message}`)) } satisfies Reply);
      }
    };
    const session = this.sessions.get(request.session);
    if (session) session.lastSeen = Date.now();
    switch (request.op) {
      case 'ping':
        answer({ ok: true, value: { session: session !== undefined, now: epochMs() } satisfies Pong });
        return;
      case 'drop':
        void this.dropActor(request.session, formatActor(request), 'the driver dropped it').then(() => answer({ ok: true }));
        return;
      case 'stop':
        void this.endSession(request.session, 'the driver closed it').then(() => answer({ ok: true }));
        return;
      case 'start':
        void this.startSession(request).then(answer);
        return;
      case 'call': {
        if (!session) {
          answer({ ok: false, failure: { name: 'ActorCrashedError', message: `node '${this.info.name}' has no session ${request.session} (its lease ran out or the node restarted)`, stack: undefined, crashed: true } });
          return;
        }
        const ref = { group: request.group, index: request.index };
        const farm = session.actors.get(formatActor(ref));
        if (!farm) {
          answer({ ok: false, failure: { name: 'ActorCrashedError', message: `node '${this.info.name}' does not host actor ${formatActor(ref)} (it was dropped)`, stack: undefined, crashed: true } });
          return;
        }
        // NOTE: called synchronously on arrival, so calls reach the actor's farm worker in send order.
        (request.timed ? farm.callTimed(ref, request.method, request.args) : farm.call(ref, request.method, request.args)).then(
          (value) => answer({ ok: true, value }),
          (e: unknown) => answer({ ok: false, failure: e instanceof RemoteCallError ? e.failure : toRemoteFailure(e) }),
        );
        return;
      }
    }
  }

  /** Starts the request's actors in its session (created if new), each on a farm of its own. */
  private async startSession(request: Extract<Request, { op: 'start' }>): Promise<Reply> {
    const problems = request.modules.map((m) => moduleMismatch(m)).filter((p): p is string => p !== undefined);
    if (problems.length) {
      return {
        ok: false,
        failure: {
          name: 'ClusterError',
          message: `node '${this.info.name}' cannot load the plan's code: ${problems.join('; ')}. Every node needs the same rlflow and plan modules at the same paths (docs/multi-node.md)`,
          stack: undefined,
          crashed: false,
        },
      };
    }
    let session = this.sessions.get(request.session);
    if (!session) {
      session = { actors: new Map(), lastSeen: Date.now() };
      this.sessions.set(request.session, session);
    }
    const started = await Promise.allSettled(request.actors.map((spec) => this.startActor(session, spec, request.faults ?? {})));
    const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      // Nothing of a failed start stays behind (the driver fails the run or tries another incarnation).
      await Promise.all(request.actors.map((a) => this.dropActor(request.session, formatActor(a), 'its start failed')));
      if (session.actors.size === 0) this.sessions.delete(request.session);
      const e = failed.reason as unknown;
      if (e instanceof RemoteCallError) return { ok: false, failure: e.failure, actor: e.actor };
      return { ok: false, failure: toRemoteFailure(e) };
    }
    this.log(`session ${request.session}: started ${request.actors.map((a) => formatActor(a)).join(', ')}`);
    return { ok: true };
  }

  /**
   * One actor on a farm of its own, with the run's deadlines and heartbeats; no restarts here (the
   * driver restarts it, maybe elsewhere). An actor the session already hosts is replaced.
   */
  private async startActor(session: Session, spec: ActorSpec, faults: NodeFaults): Promise<void> {
    const key = formatActor(spec);
    const old = session.actors.get(key);
    const farm = new FarmBackend({ ...faults, maxActorRestarts: 0, ignoreWorkerFailures: false });
    session.actors.set(key, farm);
    if (old) await old.close();
    try {
      await farm.start([spec]);
    } catch (e) {
      if (session.actors.get(key) === farm) session.actors.delete(key);
      await farm.close().catch(() => undefined);
      throw e;
    }
  }

  /** Stops one actor of a session. */
  private async dropActor(id: string, key: string, why: string): Promise<void> {
    const farm = this.sessions.get(id)?.actors.get(key);
    if (!farm) return;
    this.sessions.get(id)!.actors.delete(key);
    await farm.close();
    this.log(`session ${id}: stopped ${key}: ${why}`);
  }

  private async endSession(id: string, why: string): Promise<void> {
    const s = this.sessions.get(id);
    if (!s) return;
    this.sessions.delete(id);
    await Promise.all([...s.actors.values()].map((farm) => farm.close()));
    this.log(`session ${id}: stopped ${s.actors.size} actor(s): ${why}`);
  }

  private reap(): void {
    const now = Date.now();
    for (const [id, s] of this.sessions) {
      if (now - s.lastSeen > this.leaseMs) void this.endSession(id, `no word from its driver for ${Math.round((now - s.lastSeen) / 1000)} s`);
    }
  }

  /** Stops every session's actors and stops listening. */
  async close(): Promise<void> {
    clearInterval(this.reaper);
    for (const sub of this.subs) sub.unsubscribe();
    await Promise.all([...this.sessions.keys()].map((id) => this.endSession(id, 'the node is shutting down')));
  }
}
