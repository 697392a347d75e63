/**
 * Run traces in Chrome's trace event format (open them in https://ui.perfetto.dev or chrome://tracing).
 * Pass a `TraceRecorder` to `run(plan, { trace })`; the runtime records, on the wall clock (also on the
 * `local` backend, whose virtual clock says what the plan believes, not where the time went):
 *
 * - one track per driver-side node (port) in process "driver": a span per pull that produced an item,
 *   ended the stream, failed, or took at least `minPullUs` (a pull that answered NOT_READY at once is
 *   polling, not work; recording every one would make a busy round-robin union's trace mostly noise);
 * - per actor, in one process per actor group, a track of the calls as the driver saw them (send to
 *   reply: IPC, waiting in the actor's mailbox and running), split over numbered lanes when calls
 *   overlap (several pulls in flight), so every track holds properly nested spans;
 * - per actor, when the backend reports when calls ran (`callTimed`: both built-in backends), a track
 *   of what the actor actually ran, from the actor's own clock (epoch time, comparable between
 *   processes on one machine; clamped into the driver's send–reply window against clock skew);
 * - counters: items per second per driver node, every `counterIntervalMs`.
 *
 * Memory is bounded: past `maxEvents` events further ones are dropped and counted, and the file says so
 * (a global instant event where it happened and `metadata.truncated`).
 */
import { writeFileSync } from 'node:fs';
import { formatActor, type ActorRef } from '../ir/contract.js';
import { topologicalOrder, type PlanGraph } from '../ir/graph.js';
import type { NodeAttributes } from '../ir/types.js';
import { epochMs, type CallTiming } from './actor-host.js';

/** One event of Chrome's trace event format (times in µs). */
export interface TraceEvent {
  readonly name: string;
  /** X: complete span, M: metadata (process/thread names and order), C: counter, i: instant. */
  readonly ph: 'X' | 'M' | 'C' | 'i';
  readonly ts: number;
  readonly dur?: number;
  readonly pid: number;
  readonly tid: number;
  readonly cat?: string;
  /** Scope of an instant event (g: the whole trace). */
  readonly s?: 'g';
  readonly args?: Readonly<Record<string, unknown>>;
}

/** What a trace file says about its run: the plan, the backend, the clock, when it started, and whether events were dropped. */
export interface TraceMetadata {
  readonly plan: string;
  readonly backend: string;
  /** Where timestamps come from. */
  readonly clock: string;
  /** Epoch ms at ts = 0. */
  readonly startedAt: number;
  readonly nodes: ReadonlyArray<{ readonly id: string; readonly name: string; readonly kind: string; readonly on: string }>;
  readonly actors: readonly string[];
  /** Whether actor tracks show actor-side run times (the backend reports them) or only the driver's view. */
  readonly actorTimes: boolean;
  readonly options: Required<TraceOptions>;
  readonly truncated?: { readonly maxEvents: number; readonly dropped: number };
}

/** A whole trace in Chrome's trace event format, as written by `TraceRecorder.writeChromeTrace`. */
export interface ChromeTrace {
  readonly traceEvents: TraceEvent[];
  readonly displayTimeUnit: 'ms';
  readonly metadata: TraceMetadata;
}

/** Options of `TraceRecorder`: the event cap, the shortest idle pull recorded and the counter sampling period. */
export interface TraceOptions {
  /** Most events kept (spans and counters; track names are extra); later ones are dropped. Default 250,000 (about 50 MB in memory). */
  readonly maxEvents?: number;
  /** A pull that produced nothing is recorded only when it took at least this long (µs). Default 1000. */
  readonly minPullUs?: number;
  /** How often items/s counters are sampled (ms); 0 turns them off. Default 250. */
  readonly counterIntervalMs?: number;
}

const DEFAULTS: Required<TraceOptions> = { maxEvents: 250_000, minPullUs: 1000, counterIntervalMs: 250 };

const DRIVER_PID = 1;
/** Calls longer than this show their arguments; the summary is cut here. */
const MAX_ARGS_CHARS = 120;

export type PullOutcome = 'item' | 'not ready' | 'done' | 'error';

/** A driver track: one node's port. */
export interface PullTrack {
  /** Records one pull that started at `startUs` (from `recorder.now()`). */
  pulled(startUs: number, outcome: PullOutcome, block: boolean): void;
}

/** A call in flight; `end` records it (once). */
export interface CallSpan {
  end(timing: CallTiming | undefined, error: unknown): void;
}

interface ActorTracks {
  readonly pid: number;
  readonly index: number;
  readonly label: string;
  /** Track of what the actor ran (when the backend reports it). */
  execTid: number | undefined;
  /** Lanes of driver-observed calls; `busy[k]` while a call occupies lane k. */
  readonly laneTids: number[];
  readonly busy: boolean[];
}

/** Rounds µs to 0.1 µs, to keep files small without merging distinct short spans. */
const us = (x: number): number => Math.round(x * 10) / 10;

/** A short, cheap description of a value: numbers and short strings as they are, containers by size and keys. */
export function summarize(value: unknown, depth = 0): string {
  if (value === null || value === undefined) return String(value);
  switch (typeof value) {
    case 'number':
    case 'boolean':
    case 'bigint':
      return String(value);
    case 'string':
      return JSON.stringify(value.length > 32 ? `${value.slice(0, 31)}…` : value);
    case 'function':
      return `function ${value.name}`;
    case 'symbol':
      return value.toString();
  }
  if (ArrayBuffer.isView(value)) return `${value.constructor.name}(${(value as unknown as { length?: number }).length ?? value.byteLength})`;
  if (Array.isArray(value)) {
    if (depth > 0) return `Array(${value.length})`;
    return `[${value.slice(0, 4).map((v) => summarize(v, depth + 1)).join(', ')}${value.length > 4 ? `, … ${value.length} items` : ''}]`;
  }
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj);
  const name = obj.constructor && obj.constructor !== Object ? obj.constructor.name : '';
  const count = typeof obj['count'] === 'number' ? `count=${obj['count']}; ` : '';
  return `${name}{${count}${keys.slice(0, 6).join(', ')}${keys.length > 6 ? ', …' : ''}}`;
}

function summarizeArgs(args: readonly unknown[]): string {
  const text = args.map((a) => summarize(a, 1)).join(', ');
  return text.length > MAX_ARGS_CHARS ? `${text.slice(0, MAX_ARGS_CHARS - 1)}…` : text;
}

/** What a call span is called: the actor method, with the segment for the runtime's shard calls. */
function callName(node: NodeAttributes, method: string): string {
  return method.startsWith('$') ? `${method} ${node.name}` : method;
}

/**
 * Records a run as a Chrome trace (driver pulls, actor calls, throughput counters), to open in Perfetto or
 * chrome://tracing.
 *
 * @example
 * ```ts
 * const trace = new TraceRecorder();
 * const rt = await run(plan, { backend: 'farm', trace });
 * await rt.take(100);
 * await rt.close();
 * trace.writeChromeTrace('run.trace.json');
 * ```
 */
export class TraceRecorder {
  readonly options: Required<TraceOptions>;
  private readonly origin = performance.now();
  private readonly epochOrigin = epochMs();
  private readonly meta: TraceEvent[] = [];
  private readonly events: TraceEvent[] = [];
  private dropped = 0;
  private truncatedAt: number | undefined;
  private graph: PlanGraph | undefined;
  private backendName = '';
  private actorTimes = false;
  private readonly pullTracks = new Map<string, PullTrack>();
  private readonly tidsUsed = new Map<number, number>();
  private readonly actorTracks = new Map<string, ActorTracks>();
  /** Items per driver node since the last counter sample, and the rate last reported. */
  private readonly itemCounts = new Map<string, { name: string; items: number; lastRate: number }>();
  private lastSampleUs = 0;
  /** The driver track of the runtime's own work (starting the actors). */
  private runtimeTid = 0;

  constructor(options: TraceOptions = {}) {
    this.options = { ...DEFAULTS, ...options };
    if (!(this.options.maxEvents >= 1)) throw new RangeError(`TraceRecorder: maxEvents must be at least 1, got ${this.options.maxEvents}`);
  }

  /** Microseconds since the recorder was created (the trace's time axis). */
  now(): number {
    return (performance.now() - this.origin) * 1000;
  }

  /** Events recorded so far (spans and counters, not track names). */
  get eventCount(): number {
    return this.events.length;
  }

  /**
   * Called by the runtime before a run starts: names the tracks of `graph`'s driver nodes and actors.
   * `actorTimes`: whether the backend reports when actors ran calls. A recorder records one run.
   */
  attach(graph: PlanGraph, backend: string, actorTimes: boolean): void {
    if (this.graph) throw new Error(`this TraceRecorder already records the run of plan '${this.graph.getAttribute('name')}'; use one recorder per run`);
    this.graph = graph;
    this.backendName = backend;
    this.actorTimes = actorTimes;
    this.lastSampleUs = this.now();
    this.name('process_name', DRIVER_PID, 0, { name: `driver (plan ${graph.getAttribute('name')}, ${backend} backend)` });
    this.name('process_sort_index', DRIVER_PID, 0, { sort_index: 0 });
    this.runtimeTid = this.thread(DRIVER_PID, 'runtime', -1);
    topologicalOrder(graph).forEach((id, order) => {
      const node = graph.getNodeAttributes(id);
      if (node.placement.on === 'driver') this.pullTrack(node, 0, order);
    });
    Object.values(graph.getAttribute('actorGroups')).forEach((group, g) => {
      const pid = DRIVER_PID + 1 + g;
      this.name('process_name', pid, 0, { name: `actors ${group.name} (${group.actorClass.name} × ${group.count})` });
      this.name('process_sort_index', pid, 0, { sort_index: 1 + g });
      for (let index = 0; index < group.count; index++) {
        const label = formatActor({ group: group.name, index });
        const tracks: ActorTracks = { pid, index, label, execTid: undefined, laneTids: [], busy: [] };
        if (actorTimes) tracks.execTid = this.thread(pid, `${label}`, index * 1000);
        this.actorTracks.set(label, tracks);
      }
    });
  }

  /** The track of `node`'s output `port` (created on first use; `order` sorts it among the nodes). */
  pullTrack(node: NodeAttributes, port: number, order = Number.MAX_SAFE_INTEGER): PullTrack {
    const key = `${node.id}:${port}`;
    const existing = this.pullTracks.get(key);
    if (existing) return existing;
    const label = `${node.name} (${node.kind}${port > 0 ? `, port ${port}` : ''})`;
    const sort = order === Number.MAX_SAFE_INTEGER ? this.topoIndex(node.id) * 100 + port : order * 100 + port;
    const tid = this.thread(DRIVER_PID, label, sort);
    const counts = this.itemCounts.get(node.id) ?? { name: node.name, items: 0, lastRate: 0 };
    this.itemCounts.set(node.id, counts);
    const track: PullTrack = {
      pulled: (startUs, outcome, block) => {
        const end = this.now();
        if (outcome === 'item') counts.items++;
        if (outcome === 'not ready' && end - startUs < this.options.minPullUs) return;
        this.push({ name: node.name, ph: 'X', cat: 'pull', ts: us(startUs), dur: us(end - startUs), pid: DRIVER_PID, tid, args: { result: outcome, ...(block ? {} : { block: false }) } });
        this.sampleCounters(end);
      },
    };
    this.pullTracks.set(key, track);
    return track;
  }

  /** Records a span of the runtime's own work (e.g. starting the actors) from `startUs` to now. */
  runtimeSpan(name: string, startUs: number, args: Record<string, unknown> = {}): void {
    if (!this.graph) return;
    this.push({ name, ph: 'X', cat: 'runtime', ts: us(startUs), dur: us(this.now() - startUs), pid: DRIVER_PID, tid: this.runtimeTid, args });
  }

  /** Starts a call span: `node` calls `method` on `actor` now. */
  beginCall(node: NodeAttributes, actor: ActorRef, method: string, args: readonly unknown[]): CallSpan {
    const start = this.now();
    const tracks = this.actorTracks.get(formatActor(actor));
    if (!tracks) return { end: () => undefined };
    let lane = tracks.busy.indexOf(false);
    if (lane < 0) {
      lane = tracks.busy.length;
      tracks.busy.push(false);
      const what = this.actorTimes ? 'calls, driver view incl. IPC' : 'calls incl. IPC';
      tracks.laneTids.push(this.thread(tracks.pid, `${tracks.label} ${what}${lane > 0 ? ` #${lane + 1}` : ''}`, tracks.index * 1000 + 1 + lane));
    }
    tracks.busy[lane] = true;
    const argsText = summarizeArgs(args);
    let ended = false;
    return {
      end: (timing, error) => {
        if (ended) return;
        ended = true;
        tracks.busy[lane] = false;
        const end = this.now();
        const name = callName(node, method);
        const failed = error === undefined ? {} : { error: error instanceof Error ? error.message : String(error) };
        const split: Record<string, number> = {};
        if (timing && tracks.execTid !== undefined) {
          // The actor's clock, clamped into the window the driver saw (processes' clocks may disagree slightly).
          const ran0 = Math.min(Math.max(this.fromEpoch(timing.startedAt), start), end);
          const ran1 = Math.min(Math.max(this.fromEpoch(timing.endedAt), ran0), end);
          const queued = Math.max(0, timing.startedAt - timing.receivedAt) * 1000;
          split['runMs'] = Math.round(ran1 - ran0) / 1000;
          split['queuedMs'] = Math.round(queued) / 1000;
          split['ipcMs'] = Math.round(Math.max(0, end - start - (ran1 - ran0) - queued)) / 1000;
          this.push({ name, ph: 'X', cat: 'actor', ts: us(ran0), dur: us(ran1 - ran0), pid: tracks.pid, tid: tracks.execTid, args: { node: node.name, args: argsText, ...failed } });
        }
        this.push({ name, ph: 'X', cat: 'call', ts: us(start), dur: us(end - start), pid: tracks.pid, tid: tracks.laneTids[lane]!, args: { node: node.name, args: argsText, ...split, ...failed } });
      },
    };
  }

  /** The trace so far as Chrome trace JSON (items/s counters sampled up to now). */
  toJSON(): ChromeTrace {
    this.sampleCounters(this.now(), true);
    const graph = this.graph;
    const traceEvents = [...this.meta, ...this.events];
    if (this.truncatedAt !== undefined) {
      traceEvents.push({ name: `trace truncated: ${this.dropped} later events dropped (maxEvents ${this.options.maxEvents})`, ph: 'i', s: 'g', ts: us(this.truncatedAt), pid: DRIVER_PID, tid: 0 });
    }
    return {
      traceEvents,
      displayTimeUnit: 'ms',
      metadata: {
        plan: graph ? String(graph.getAttribute('name')) : '',
        backend: this.backendName,
        clock: 'wall clock (µs since the run started); actor spans from the actor process clock',
        startedAt: this.epochOrigin,
        nodes: graph
          ? topologicalOrder(graph).map((id) => {
              const n = graph.getNodeAttributes(id);
              return { id, name: n.name, kind: n.kind, on: n.placement.on === 'driver' ? 'driver' : `actors ${n.placement.group}` };
            })
          : [],
        actors: [...this.actorTracks.keys()],
        actorTimes: this.actorTimes,
        options: this.options,
        ...(this.dropped > 0 ? { truncated: { maxEvents: this.options.maxEvents, dropped: this.dropped } } : {}),
      },
    };
  }

  /** Writes the trace as JSON to `file`. */
  writeChromeTrace(file: string): void {
    writeFileSync(file, JSON.stringify(this.toJSON()));
  }

  private fromEpoch(ms: number): number {
    return (ms - this.epochOrigin) * 1000;
  }

  private push(event: TraceEvent): void {
    if (this.events.length >= this.options.maxEvents) {
      this.truncatedAt ??= event.ts;
      this.dropped++;
      return;
    }
    this.events.push(event);
  }

  private name(kind: string, pid: number, tid: number, args: Record<string, unknown>): void {
    this.meta.push({ name: kind, ph: 'M', ts: 0, pid, tid, args });
  }

  /** A new thread (track) of `pid`, named and sorted. */
  private thread(pid: number, label: string, sort: number): number {
    const tid = (this.tidsUsed.get(pid) ?? 0) + 1;
    this.tidsUsed.set(pid, tid);
    this.name('thread_name', pid, tid, { name: label });
    this.name('thread_sort_index', pid, tid, { sort_index: sort });
    return tid;
  }

  private topoIndex(id: string): number {
    return this.graph ? topologicalOrder(this.graph).indexOf(id) : 0;
  }

  /** Items/s of every driver node since the last sample, at most every `counterIntervalMs` (or now when `force`). */
  private sampleCounters(nowUs: number, force = false): void {
    const interval = this.options.counterIntervalMs * 1000;
    if (interval <= 0 || !this.graph) return;
    const elapsed = nowUs - this.lastSampleUs;
    if (elapsed <= 0 || (!force && elapsed < interval)) return;
    for (const c of this.itemCounts.values()) {
      const rate = c.items / (elapsed / 1e6);
      // A counter holds its value from `ts` on, so the window's rate goes at the window's start. A node
      // idle now and before adds nothing; one that went idle gets its drop to zero.
      if (rate > 0 || c.lastRate > 0) this.push({ name: `${c.name} items/s`, ph: 'C', ts: us(this.lastSampleUs), pid: DRIVER_PID, tid: 0, args: { 'items/s': Math.round(rate * 10) / 10 } });
      c.lastRate = rate;
      c.items = 0;
    }
    this.lastSampleUs = nowUs;
  }
}
