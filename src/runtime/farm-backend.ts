/**
 * The `farm` backend: each actor is its own worker process, started with `worker-farm` (one farm of one
 * child per actor, so an actor's state lives in exactly one process). IPC uses Node's `advanced`
 * serialization (structured clone), so typed arrays cross as binary, not as JSON. Calls to an actor are
 * sent in order and run one at a time by the actor's mailbox.
 *
 * Faults (see faults.ts): every call has a deadline and every worker sends heartbeats; a worker past
 * either is stuck and gets killed. A worker that dies fails its pending calls; if its group declares a
 * `resync` hook and restarts are left, it is recreated in place (same spec, shard programs reinstalled,
 * state re-synced from a live actor, or from its last snapshot for `resync.snapshot` groups) and its
 * in-flight calls fail as `dropped`; calls made meanwhile
 * wait for the new process. Otherwise every later call fails with the crash, or, with
 * `ignoreWorkerFailures`, the actor is given up (`abandoned`). Worker processes watch the driver and
 * kill themselves when it dies (farm-child.cts).
 */
import { fileURLToPath } from 'node:url';
import type { ChildProcess } from 'node:child_process';
import workerFarm from 'worker-farm';
import { formatActor, type ActorRef } from '../ir/contract.js';
import type { ActorSpec, TimedReply } from './actor-host.js';
import { RemoteCallError, toRemoteFailure, type ActorBackend, type RemoteFailure } from './backend.js';
import { deadlineOf, faultPolicy, type FaultEvent, type FaultOptions, type FaultPolicy } from './faults.js';
import { RealClock } from './virtual-clock.js';

type Reply = { ok: true; value: unknown } | { ok: false; error: { name: string; message: string; stack: string | undefined; at?: string } };

const here = import.meta.url;
const isSourceTree = here.endsWith('.ts');
const childPath = fileURLToPath(new URL(isSourceTree ? './farm-child.cts' : './farm-child.cjs', here));
const workerUrl = new URL(isSourceTree ? './farm-worker.ts' : './farm-worker.js', here).href;

const LOADER_FLAGS = new Set(['--import', '--loader', '--experimental-loader', '--require', '-r']);

/** Whether an execArgv entry (with the one before it) loads tsx. */
function isTsxFlag(argv: readonly string[], i: number): boolean {
  const a = argv[i]!;
  const eq = /^(--import|--loader|--experimental-loader|--require)=(.*)$/.exec(a);
  if (eq) return eq[2]!.includes('tsx');
  return LOADER_FLAGS.has(a) && (argv[i + 1] ?? '').includes('tsx');
}

/** Flags about the driver's inline script: its code (`-e code`, `--print=code`) and how to read it. */
const EVAL_FLAGS = new Set(['-e', '--eval', '-p', '--print', '--input-type']);

/**
 * The driver's execArgv without `-e/--eval/-p/--print` and their code (nor `--input-type`, which Node
 * refuses without them). NOTE: a driver started with
 * `node -e "…main(['train', …])"` would otherwise hand its code to every worker, and each worker would
 * start a training run of its own: a fork bomb.
 */
export function withoutEvalFlags(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (EVAL_FLAGS.has(a)) {
      i++;
      continue;
    }
    if (/^(--eval|--print|--input-type)=/.test(a)) continue;
    out.push(a);
  }
  return out;
}

/**
 * Node flags for workers: the driver's own (minus debugger flags), and when TypeScript must be loaded in
 * the worker (rlflow's own sources, a driver running under tsx, or TypeScript actor modules) the full
 * tsx loader, which also hooks `require` for the CommonJS child entry. Partial tsx flags of the
 * driver (e.g. tsx's ESM-only hook) are replaced by it.
 */
function workerExecArgv(actors: readonly ActorSpec[]): string[] {
  const argv = withoutEvalFlags(process.execArgv).filter((a) => !/^--(inspect|debug)/.test(a));
  const out: string[] = [];
  let driverHasTsx = false;
  for (let i = 0; i < argv.length; i++) {
    if (isTsxFlag(argv, i)) {
      driverHasTsx = true;
      if (!argv[i]!.includes('=')) i++;
      continue;
    }
    out.push(argv[i]!);
  }
  const needsTs = isSourceTree || driverHasTsx || actors.some((a) => /\.[mc]?tsx?$/.test(a.actorClass.module));
  if (needsTs) {
    try {
      out.push('--import', import.meta.resolve('tsx'));
    } catch {
      // no TypeScript loader installed; the worker reports the failed import of the TypeScript module
    }
  }
  return out;
}

/** One process of an actor: the first, or a recreation after a crash. */
interface Incarnation {
  readonly farm: workerFarm.Workers;
  child: ChildProcess | undefined;
  pid: number | undefined;
  crashed: RemoteFailure | undefined;
  /** When the process's JS thread last sent a heartbeat (driver's clock, ms). */
  lastBeat: number;
  /** Calls sent and not answered, with their deadlines. */
  readonly calls: Map<number, { readonly method: string; readonly sentAt: number; readonly deadline: number }>;
  /** Set once this incarnation died: resolves true when the actor was recreated. */
  recovery: Promise<boolean> | undefined;
}

interface Worker {
  readonly ref: ActorRef;
  readonly spec: ActorSpec;
  current: Incarnation;
  restarts: number;
  /** Pending while the actor is being recreated: later calls wait for it, in order. */
  gate: Promise<void> | undefined;
  /** Given up for the rest of the run (`ignoreWorkerFailures`). */
  abandoned: boolean;
  /** `$install` calls (shard programs) to replay on a recreated actor. */
  readonly installs: unknown[][];
}

type FarmFn = 'start' | 'call' | 'callTimed';

/** How long close() lets workers finish in-flight calls before killing them. */
const CLOSE_GRACE_MS = 2000;

/**
 * The `farm` backend: each actor is its own worker process on this machine, with call deadlines,
 * heartbeats, and crash recovery (restart or give up) as the run's `FaultOptions` and the group's `resync` allow.
 */
export class FarmBackend implements ActorBackend {
  readonly name = 'farm';
  readonly clock = new RealClock();
  onFault?: (event: FaultEvent) => void;
  private readonly workers = new Map<string, Worker>();
  /** The last snapshot of each actor (`snapshot()`), for groups restored from one (`resync.snapshot`). */
  private readonly snapshots = new Map<string, { readonly state: unknown }>();
  private readonly policy: FaultPolicy;
  private pending = 0;
  private nextCall = 0;
  private closed = false;
  private execArgv: string[] = [];
  private watch: NodeJS.Timeout | undefined;

  constructor(faults: FaultOptions = {}) {
    this.policy = faultPolicy(faults);
  }

  async start(actors: readonly ActorSpec[]): Promise<void> {
    this.execArgv = workerExecArgv(actors);
    // NOTE: checks a few times per heartbeat timeout, but at least every second (deadlines of short calls).
    const every = Math.max(20, Math.min(1000, this.policy.heartbeatTimeoutMs / 4));
    this.watch = setInterval(() => this.checkStuck(), every);
    this.watch.unref();
    await Promise.all(
      actors.map(async (spec) => {
        const ref = { group: spec.group, index: spec.index };
        const worker: Worker = { ref, spec, current: undefined as unknown as Incarnation, restarts: 0, gate: undefined, abandoned: false, installs: [] };
        this.workers.set(formatActor(ref), worker);
        await this.incarnate(worker);
      }),
    );
  }

  /** Starts a (new) process for the worker's actor and constructs the actor in it. */
  private async incarnate(worker: Worker): Promise<void> {
    const inc: Incarnation = { farm: undefined as unknown as workerFarm.Workers, child: undefined, pid: undefined, crashed: undefined, lastBeat: Date.now(), calls: new Map(), recovery: undefined };
    const ref = worker.ref;
    (inc as { farm: workerFarm.Workers }).farm = workerFarm(
      {
        maxConcurrentWorkers: 1,
        maxConcurrentCallsPerWorker: Number.POSITIVE_INFINITY,
        maxRetries: 0,
        autoStart: true,
        // RLFLOW_DRIVER_PID: lets a worker's watchdog find its siblings once the driver is gone (farm-child.cts).
        workerOptions: { serialization: 'advanced', execArgv: this.execArgv, env: { ...process.env, RLFLOW_DRIVER_PID: String(process.pid) } },
        onChild: (child) => {
          inc.child = child;
          child.on('message', (m: { owner?: unknown; beat?: unknown }) => {
            if (m && m.owner === 'rlflow' && typeof m.beat === 'number') inc.lastBeat = Date.now();
          });
          child.once('exit', (code, signal) => {
            inc.crashed ??= {
              name: 'ActorCrashedError',
              message: `the worker process (pid ${child.pid}) of actor ${formatActor(ref)} exited with ${signal ? `signal ${signal}` : `code ${code}`}`,
              stack: undefined,
              crashed: true,
            };
            // An idle actor that dies is recreated too, so the next call finds it alive.
            if (!this.closed && worker.current === inc) void this.recover(worker, inc);
          });
        },
      },
      childPath,
      ['start', 'call', 'callTimed'],
    );
    worker.current = inc;
    inc.pid = (await this.sendTo(worker, inc, 'start', [worker.spec, workerUrl], 'constructor')) as number;
  }

  /**
   * Recreates the actor after its incarnation `inc` died, once per incarnation. Resolves true when a
   * new process runs the actor, re-synced; false when the run must do without it (or fail).
   */
  private recover(worker: Worker, inc: Incarnation): Promise<boolean> {
    inc.recovery ??= (async () => {
      const reason = inc.crashed?.message ?? 'the worker process died';
      if (this.closed || worker.current !== inc) return false;
      const resync = worker.spec.resync;
      const fromSnapshot = resync !== undefined && !('stateless' in resync) && resync.snapshot === true;
      const snapshot = this.snapshots.get(formatActor(worker.ref));
      if (!resync || worker.restarts >= this.policy.maxActorRestarts || (fromSnapshot && !snapshot)) {
        // Say why it stays dead when restarts were asked for.
        const why =
          this.policy.maxActorRestarts === 0
            ? undefined
            : !resync
              ? `its group '${worker.ref.group}' declares no resync hook`
              : worker.restarts >= this.policy.maxActorRestarts
                ? `restarted ${worker.restarts} time(s) already (maxActorRestarts ${this.policy.maxActorRestarts})`
                : `no checkpoint was saved yet to restore it from (no other actor holds its state; save checkpoints with rlflow train --checkpoint-freq <n>, or Trainer.save() between iterations)`;
        if (why && inc.crashed) inc.crashed = { ...inc.crashed, message: `${inc.crashed.message}; not restarted: ${why}` };
        this.maybeAbandon(worker, reason);
        return false;
      }
      let opened: () => void = () => undefined;
      worker.gate = new Promise<void>((resolve) => (opened = resolve));
      worker.restarts++;
      try {
        workerFarm.end(inc.farm);
        await this.incarnate(worker);
        for (const args of worker.installs) await this.sendTo(worker, worker.current, 'call', ['$install', args], '$install');
        if (!('stateless' in resync)) {
          // A snapshot's state is from the last checkpoint: the actor's work since then is lost.
          const state = fromSnapshot ? snapshot!.state : await this.resyncState(worker, resync);
          await this.sendTo(worker, worker.current, 'call', [resync.set, [state]], resync.set);
        }
        this.onFault?.({ type: 'restarted', actor: worker.ref, reason: fromSnapshot ? `${reason}; restored from its last snapshot` : reason });
        return true;
      } catch (e) {
        // The recreated actor failed too: report the original crash, with why the restart failed.
        const why = e instanceof RemoteCallError ? `${e.failure.name}: ${e.failure.message}` : String(e);
        const failed = worker.current;
        failed.crashed ??= { name: 'ActorCrashedError', message: `${reason}; restarting it failed: ${why}`, stack: undefined, crashed: true };
        if (failed !== inc) failed.recovery = Promise.resolve(false);
        this.maybeAbandon(worker, reason);
        return false;
      } finally {
        worker.gate = undefined;
        opened();
      }
    })();
    return inc.recovery;
  }

  /** Gives up an actor when `ignoreWorkerFailures` allows it: its group keeps at least one healthy actor. */
  private maybeAbandon(worker: Worker, reason: string): void {
    if (!this.policy.ignoreWorkerFailures || worker.abandoned) return;
    const healthyPeers = [...this.workers.values()].filter((w) => w !== worker && w.ref.group === worker.ref.group && !w.abandoned && !w.current.crashed);
    if (healthyPeers.length === 0) return;
    worker.abandoned = true;
    workerFarm.end(worker.current.farm);
    this.onFault?.({ type: 'abandoned', actor: worker.ref, reason });
  }

  /** State for a recreated actor: from a live peer of its group, else from actor 0 of each `from` group. */
  private async resyncState(worker: Worker, resync: { readonly get: string; readonly from?: readonly string[] }): Promise<unknown> {
    const peers = [...this.workers.values()].filter((w) => w !== worker && w.ref.group === worker.ref.group && !w.abandoned && !w.current.crashed && !w.gate);
    const others = (resync.from ?? []).map((g) => this.workers.get(formatActor({ group: g, index: 0 }))).filter((w): w is Worker => w !== undefined && !w.current.crashed);
    let last: unknown = new Error(`no live actor to re-sync ${formatActor(worker.ref)} from (tried its peers${resync.from?.length ? ` and ${resync.from.join(', ')}` : ''})`);
    for (const source of [...peers, ...others]) {
      try {
        return await this.send(source, 'call', [resync.get, []], resync.get);
      } catch (e) {
        last = e;
      }
    }
    throw last;
  }

  /** Kills workers whose calls are past their deadline or whose heartbeats stopped while calls are in flight. */
  private checkStuck(): void {
    const now = Date.now();
    for (const worker of this.workers.values()) {
      const inc = worker.current;
      if (inc.crashed || inc.calls.size === 0 || !inc.child) continue;
      const calls = [...inc.calls.values()];
      const late = calls.find((c) => now > c.deadline);
      const silent = now - inc.lastBeat;
      let why: string | undefined;
      if (late) why = `call '${late.method}' ran past its deadline of ${Math.round(late.deadline - late.sentAt)} ms`;
      // The constructor may block the event loop while modules load: only its deadline applies.
      else if (silent > this.policy.heartbeatTimeoutMs && !calls.some((c) => c.method === 'constructor')) {
        why = `no heartbeat for ${(silent / 1000).toFixed(1)} s (heartbeatTimeoutMs ${this.policy.heartbeatTimeoutMs}) while '${calls[0]!.method}' was in flight`;
      }
      if (!why) continue;
      inc.crashed = {
        name: 'ActorStuckError',
        message: `actor ${formatActor(worker.ref)} (pid ${inc.child.pid}) is stuck: ${why}; its process was killed`,
        stack: undefined,
        crashed: true,
      };
      inc.child.kill('SIGKILL');
    }
  }

  /** Sends a call to the actor's current process; while it is being recreated, after that. */
  private send(worker: Worker, fn: FarmFn, args: unknown[], method: string): Promise<unknown> {
    if (worker.gate) return worker.gate.then(() => this.send(worker, fn, args, method));
    return this.sendTo(worker, worker.current, fn, args, method);
  }

  private sendTo(worker: Worker, inc: Incarnation, fn: FarmFn, args: unknown[], method: string): Promise<unknown> {
    // After close, worker-farm would fork a fresh child for a new call: refuse instead.
    if (this.closed) return Promise.reject(new RemoteCallError({ name: 'Error', message: 'the farm backend is closed', stack: undefined, crashed: false }, worker.ref, method));
    if (worker.abandoned) return Promise.reject(new RemoteCallError({ ...(inc.crashed ?? { name: 'ActorCrashedError', message: 'the actor was given up', stack: undefined }), crashed: true, abandoned: true }, worker.ref, method));
    if (inc.crashed) return Promise.reject(new RemoteCallError(inc.crashed, worker.ref, method));
    this.pending++;
    const id = this.nextCall++;
    const sentAt = Date.now();
    inc.calls.set(id, { method, sentAt, deadline: sentAt + deadlineOf(this.policy, method) });
    return new Promise((resolve, reject) => {
      inc.farm[fn]!(...args, (err: Error | null, reply?: Reply) => {
        this.pending--;
        inc.calls.delete(id);
        if (err) {
          // worker-farm reports a dead child as ProcessTerminatedError; the exit handler has the details.
          const crash = inc.crashed ?? toRemoteFailure(err, true);
          inc.crashed = crash;
          if (method === 'constructor') {
            reject(new RemoteCallError({ ...crash, crashed: true }, worker.ref, method));
            return;
          }
          // Keep the call pending until we know whether the actor comes back: the caller then drops it.
          this.pending++;
          void this.recover(worker, inc).then((recreated) => {
            this.pending--;
            reject(new RemoteCallError({ ...(inc.crashed ?? crash), crashed: true, ...(recreated ? { dropped: true } : {}), ...(worker.abandoned ? { abandoned: true } : {}) }, worker.ref, method));
          });
        } else if (!reply || !reply.ok) {
          reject(new RemoteCallError({ ...(reply?.error ?? { name: 'Error', message: 'no reply', stack: undefined }), crashed: false }, worker.ref, method));
        } else {
          resolve(reply.value);
        }
      });
    });
  }

  call(actor: ActorRef, method: string, args: readonly unknown[]): Promise<unknown> {
    const worker = this.workers.get(formatActor(actor));
    if (!worker) return Promise.reject(new RemoteCallError(toRemoteFailure(new Error(`no actor ${formatActor(actor)}`)), actor, method));
    if (method === '$install') worker.installs.push([...args]);
    return this.send(worker, 'call', [method, args], method);
  }

  callTimed(actor: ActorRef, method: string, args: readonly unknown[]): Promise<TimedReply> {
    const worker = this.workers.get(formatActor(actor));
    if (!worker) return Promise.reject(new RemoteCallError(toRemoteFailure(new Error(`no actor ${formatActor(actor)}`)), actor, method));
    if (method === '$install') worker.installs.push([...args]);
    return this.send(worker, 'callTimed', [method, args], method) as Promise<TimedReply>;
  }

  snapshot(actor: ActorRef, state: unknown): void {
    this.snapshots.set(formatActor(actor), { state });
  }

  healthy(actor: ActorRef): boolean {
    return this.workers.get(formatActor(actor))?.abandoned !== true;
  }

  /** Process ids of the workers' current processes, by actor (for tests and diagnostics). */
  pids(): Record<string, number | undefined> {
    return Object.fromEntries([...this.workers].map(([k, w]) => [k, w.current.pid]));
  }

  /** Restarts so far, by actor. */
  restarts(): Record<string, number> {
    return Object.fromEntries([...this.workers].map(([k, w]) => [k, w.restarts]));
  }

  inFlight(): number {
    return this.pending;
  }

  hasPendingWork(): boolean {
    return false;
  }

  /**
   * Stops every worker: lets in-flight calls finish for a short grace period, then kills what is left.
   * Idempotent; later calls are refused.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.watch);
    await Promise.all(
      [...this.workers.values()].map(async (w) => {
        const child = w.current.child;
        const exited = new Promise<void>((resolve) => {
          if (!child || child.exitCode !== null || child.signalCode !== null) resolve();
          else child.once('exit', () => resolve());
        });
        workerFarm.end(w.current.farm);
        let timer: NodeJS.Timeout | undefined;
        const grace = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), CLOSE_GRACE_MS)));
        if ((await Promise.race([exited, grace])) === 'timeout') child?.kill('SIGKILL');
        clearTimeout(timer);
        await exited;
      }),
    );
    this.workers.clear();
  }
}
