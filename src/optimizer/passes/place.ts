/**
 * `place`: assigns every actor group a host and a device from the resource inventory, then puts each
 * actor-side node on its group's device (the verifier requires they match).
 *
 * A GPU is given only where the inventory lists a usable one (a GPU tensor backend is loadable and a
 * CUDA device is visible, see inventory.ts), so a plan placed on `gpu` really runs there. Groups are
 * served in a stable order: GPU demands (`resources.gpus > 0`) first, then GPU wishes (`prefers: 'gpu'`,
 * learners), then the rest, each tier by name. A demand or wish that cannot be met falls back to the
 * CPU and the pass says why (the inventory's own reason, or who holds the GPUs); a demand's fallback is
 * also a warning, and with `strict` (the group's `resources.strict` or the pass option) it is an error.
 *
 * The assignment is computed from scratch on every run from the groups' requests (never from the
 * devices an earlier run chose), so running the pass again gives the same placement.
 */
import { formatSource, PlanError } from '../../ir/errors.js';
import type { PlanGraph } from '../../ir/graph.js';
import type { ActorGroupSpec, Device } from '../../ir/types.js';
import { PassConfigError } from '../errors.js';
import type { HostInventory } from '../inventory.js';
import { registerPass, type Pass, type PassContext } from '../pass.js';
import { updateNode } from '../rewrite.js';

/** Float slack for fractional GPU shares (three actors of 1/3 fill one GPU). */
const EPS = 1e-9;

/** Oversubscription beyond this factor is a warning, not just a note. */
const WARN_OVERSUBSCRIPTION = 2;

const KNOWN_OPTIONS = new Set(['strict', 'spread']);

interface PlaceOptions {
  /** Fail instead of falling back when a GPU demand cannot be met, for every group. */
  readonly strict: boolean;
  /**
   * Spread the actors of each CPU group over the hosts, one by one to the host with the most free CPUs
   * (the `nats` backend asks for it, so a group of rollout workers uses every node).
   */
  readonly spread: boolean;
}

/** One host's resources while the pass hands them out. */
interface HostState {
  readonly host: HostInventory;
  cpusUsed: number;
  actors: number;
  /** Free share of each GPU (1 = unused) and the groups holding it. */
  readonly gpuFree: number[];
  readonly gpuHolders: string[][];
}

/** What a group asks for, derived from its spec alone. */
interface Request {
  readonly group: ActorGroupSpec;
  /** GPU share per actor when the group wants a GPU (a demand's `gpus`, or one whole GPU for a wish). */
  readonly gpuPerActor: number;
  readonly kind: 'demand' | 'wish' | 'none';
}

function parseOptions(raw: Readonly<Record<string, unknown>>): PlaceOptions {
  const unknown = Object.keys(raw).filter((k) => !KNOWN_OPTIONS.has(k));
  if (unknown.length) {
    throw new PassConfigError(`unknown option(s) for pass 'place': ${unknown.map((k) => `'${k}'`).join(', ')}`, { hint: 'the place pass takes { strict?: boolean, spread?: boolean }' });
  }
  for (const key of KNOWN_OPTIONS) {
    const v = raw[key];
    if (v !== undefined && typeof v !== 'boolean') {
      throw new PassConfigError(`option '${key}' of pass 'place' must be a boolean, got ${JSON.stringify(v)}`, { hint: `e.g. optimize(plan, { options: { place: { ${key}: true } } })` });
    }
  }
  return { strict: raw['strict'] === true, spread: raw['spread'] === true };
}

function requestOf(group: ActorGroupSpec): Request {
  if (group.resources.gpus > 0) return { group, gpuPerActor: group.resources.gpus, kind: 'demand' };
  // A wish with no declared share asks for a whole GPU per actor: sharing is something the plan must say.
  if (group.prefers === 'gpu') return { group, gpuPerActor: 1, kind: 'wish' };
  return { group, gpuPerActor: 0, kind: 'none' };
}

const TIER = { demand: 0, wish: 1, none: 2 } as const;

/** `n` with at most 3 decimals and no trailing zeros (`0.5`, `1`, `0.333`). */
function num(n: number): string {
  return String(Math.round(n * 1000) / 1000);
}

function plural(n: number, word: string): string {
  return `${num(n)} ${word}${Math.abs(n - 1) < EPS ? '' : 's'}`;
}

/**
 * GPU indexes for `count` actors of `share` each on this host (first fit), or undefined if they do not
 * all fit. A share above 1 takes that many whole GPUs (rounded up) per actor.
 */
function fitGpus(state: HostState, count: number, share: number): number[][] | undefined {
  const free = [...state.gpuFree];
  const picks: number[][] = [];
  for (let a = 0; a < count; a++) {
    if (share <= 1) {
      const k = free.findIndex((f) => f + EPS >= share);
      if (k < 0) return undefined;
      free[k]! -= share;
      picks.push([k]);
    } else {
      const whole = free.map((f, k) => (f + EPS >= 1 ? k : -1)).filter((k) => k >= 0).slice(0, Math.ceil(share));
      if (whole.length < Math.ceil(share)) return undefined;
      for (const k of whole) free[k] = 0;
      picks.push(whole);
    }
  }
  return picks;
}

function takeGpus(state: HostState, picks: readonly number[][], share: number, holder: string): void {
  for (const gpus of picks) {
    for (const k of gpus) {
      state.gpuFree[k] = Math.max(0, state.gpuFree[k]! - Math.min(share, 1));
      if (!state.gpuHolders[k]!.includes(holder)) state.gpuHolders[k]!.push(holder);
    }
  }
}

function gpusInUse(state: HostState): number {
  return state.gpuFree.filter((f) => f < 1 - EPS).length;
}

/** Why no host could give `req` its GPUs: the inventory's reasons, or who holds the GPUs. */
function whyNoGpu(states: readonly HostState[], req: Request): string {
  const per = states.map((s) => {
    const total = s.host.gpus;
    if (total === 0) return s.host.gpuNotes.length ? s.host.gpuNotes.join('; ') : 'the inventory lists no GPU';
    const notes = s.host.gpuNotes.length ? ` (${s.host.gpuNotes.join('; ')})` : '';
    const holders = [...new Set(s.gpuHolders.flat())];
    const freeShare = s.gpuFree.reduce((a, b) => a + b, 0);
    if (freeShare < EPS) return `all ${total} GPU(s) taken by ${holders.join(', ')}${notes}`;
    const need = `needs ${req.group.count} × ${num(req.gpuPerActor)} GPU`;
    return `${need} but only ${num(freeShare)} of ${total} GPU(s) free${holders.length ? ` (the rest taken by ${holders.join(', ')})` : ''}${notes}`;
  });
  return states.length === 1 ? per[0]! : states.map((s, i) => `${s.host.name}: ${per[i]}`).join('; ');
}

/** The first host whose free CPUs fit the group; else the one with the most free CPUs (it will be oversubscribed). */
function cpuHost(states: readonly HostState[], cpus: number): HostState {
  const fits = states.find((s) => s.host.cpus - s.cpusUsed + EPS >= cpus);
  if (fits) return fits;
  return states.reduce((best, s) => (s.host.cpus - s.cpusUsed > best.host.cpus - best.cpusUsed ? s : best));
}

function cpuSummary(group: ActorGroupSpec, state: HostState): string {
  return `${plural(group.resources.cpus, 'cpu')}${group.count > 1 ? ' each' : ''}; ${num(state.cpusUsed)} of ${plural(state.host.cpus, 'CPU')}`;
}

function failStrict(req: Request, why: string, strictFrom: string): never {
  const g = req.group;
  throw new PlanError(`actor group '${g.name}' demands ${num(g.resources.gpus)} GPU per actor (×${g.count}) but no GPU can be given: ${why}`, {
    source: g.source,
    hint: `${strictFrom} forbids falling back to the CPU; install @tensorflow/tfjs-node-gpu with a CUDA driver and GPU (see docs/policies.md), lower resources.gpus, or drop strict to run on the CPU`,
  });
}

/** The built-in `place` pass (registered on import): gives each actor group a host and a device from the inventory. */
export const placePass: Pass = registerPass({
  name: 'place',
  description: 'assigns each actor group a host and a device (GPU demands, then GPU wishes such as learners, then the rest); falls back to the CPU and says why',
  provides: ['placed'],
  preserves: ['fused', 'batched'],
  idempotent: true,
  run(graph, ctx) {
    const options = parseOptions(ctx.options);
    const hosts = ctx.inventory.hosts;
    if (hosts.length === 0) throw new PassConfigError('the inventory lists no host to place actor groups on', { hint: 'pass an inventory with at least one host, e.g. inventory({ cpus: 4 })' });
    const states: HostState[] = hosts.map((host) => ({
      host,
      cpusUsed: 0,
      actors: 0,
      gpuFree: Array.from({ length: Math.max(0, Math.floor(host.gpus)) }, () => 1),
      gpuHolders: Array.from({ length: Math.max(0, Math.floor(host.gpus)) }, () => []),
    }));
    const groups = graph.getAttribute('actorGroups');
    const requests = Object.values(groups)
      .map(requestOf)
      .sort((a, b) => TIER[a.kind] - TIER[b.kind] || (a.group.name < b.group.name ? -1 : a.group.name > b.group.name ? 1 : 0));
    if (requests.length === 0) {
      ctx.note('no actor groups: nothing to place');
      return;
    }

    const placed = new Map<string, Placed>();
    for (const req of requests) placed.set(req.group.name, assign(req, states, options, ctx));
    noteOversubscription(states, ctx);
    apply(graph, placed);
  },
});

/** Where a group goes: one host, or (spread) a host per actor. */
interface Placed {
  readonly host: string;
  readonly device: Device;
  readonly hosts?: readonly string[];
}

/**
 * Spreads a CPU group's actors one by one to the host with the most free CPUs (ties: inventory order),
 * or undefined when they all land on one host (then the group is placed as a whole).
 */
function spreadGroup(g: ActorGroupSpec, states: HostState[], ctx: PassContext, why: string): Placed | undefined {
  const free = states.map((s) => s.host.cpus - s.cpusUsed);
  const picks: number[] = [];
  for (let a = 0; a < g.count; a++) {
    let best = 0;
    for (let k = 1; k < free.length; k++) if (free[k]! > free[best]! + EPS) best = k;
    picks.push(best);
    free[best]! -= g.resources.cpus;
  }
  if (new Set(picks).size < 2) return undefined;
  const per = new Map<number, number>();
  for (const k of picks) per.set(k, (per.get(k) ?? 0) + 1);
  for (const [k, n] of per) {
    states[k]!.cpusUsed += n * g.resources.cpus;
    states[k]!.actors += n;
  }
  const where = [...per].sort((a, b) => a[0] - b[0]).map(([k, n]) => `${states[k]!.host.name} ×${n}`).join(', ');
  const load = [...per.keys()].sort((a, b) => a - b).map((k) => `${states[k]!.host.name} ${num(states[k]!.cpusUsed)} of ${plural(states[k]!.host.cpus, 'CPU')}`).join(', ');
  ctx.note(`${g.name} → ${where}:cpu (${why}spread over the hosts, each actor to the one with the most free CPUs; ${plural(g.resources.cpus, 'cpu')} each; ${load})`, g.name);
  return { host: states[picks[0]!]!.host.name, device: 'cpu', hosts: picks.map((k) => states[k]!.host.name) };
}

/** Places one group, records the resources it takes, and notes the decision. */
function assign(req: Request, states: HostState[], options: PlaceOptions, ctx: PassContext): Placed {
  const g = req.group;
  const cpus = g.resources.cpus * g.count;
  const times = g.count > 1 ? ` ×${g.count}` : '';
  if (req.kind !== 'none') {
    // First fit by GPUs, preferring a host whose CPUs also fit.
    const candidates = states
      .map((s) => ({ s, picks: fitGpus(s, g.count, req.gpuPerActor) }))
      .filter((c): c is { s: HostState; picks: number[][] } => c.picks !== undefined);
    const chosen = candidates.find((c) => c.s.host.cpus - c.s.cpusUsed + EPS >= cpus) ?? candidates[0];
    if (chosen) {
      const { s, picks } = chosen;
      takeGpus(s, picks, req.gpuPerActor, g.name);
      s.cpusUsed += cpus;
      s.actors += g.count;
      const gpuIds = [...new Set(picks.flat())];
      const shared = req.gpuPerActor < 1 ? `${num(req.gpuPerActor)} GPU each, sharing GPU ${gpuIds.join(', ')}` : `GPU ${gpuIds.join(', ')}`;
      const why = req.kind === 'demand' ? `demands ${shared}` : `prefers gpu; ${shared}`;
      ctx.note(`${g.name} → ${s.host.name}:gpu${times} (${why}; ${gpusInUse(s)} of ${plural(s.host.gpus, 'GPU')} in use; ${cpuSummary(g, s)})`, g.name);
      return { host: s.host.name, device: 'gpu' };
    }
    const why = whyNoGpu(states, req);
    if (req.kind === 'demand') {
      if (g.resources.strict) failStrict(req, why, 'resources.strict');
      if (options.strict) failStrict(req, why, "the place pass's strict option");
      ctx.warn(`actor group '${g.name}' demands ${num(g.resources.gpus)} GPU per actor but runs on the CPU: ${why}${g.source ? ` (declared at ${formatSource(g.source)})` : ''}`, g.source ? { source: g.source } : undefined);
    }
    const wanted0 = req.kind === 'demand' ? `demands ${num(g.resources.gpus)} GPU per actor` : 'prefers gpu';
    const spread = options.spread && g.count > 1 ? spreadGroup(g, states, ctx, `${wanted0}, but ${why}; falling back to the CPU; `) : undefined;
    if (spread) return spread;
    const s = cpuHost(states, cpus);
    s.cpusUsed += cpus;
    s.actors += g.count;
    const wanted = req.kind === 'demand' ? `demands ${num(g.resources.gpus)} GPU per actor` : 'prefers gpu';
    ctx.note(`${g.name} → ${s.host.name}:cpu${times} (${wanted}, but ${why}; falling back to the CPU; ${cpuSummary(g, s)})`, g.name);
    return { host: s.host.name, device: 'cpu' };
  }
  const spread = options.spread && g.count > 1 ? spreadGroup(g, states, ctx, '') : undefined;
  if (spread) return spread;
  const s = cpuHost(states, cpus);
  s.cpusUsed += cpus;
  s.actors += g.count;
  ctx.note(`${g.name} → ${s.host.name}:cpu${times} (${cpuSummary(g, s)})`, g.name);
  return { host: s.host.name, device: 'cpu' };
}

/** More CPUs asked of a host than it has is allowed (actors share cores), but said; far more is a warning. */
function noteOversubscription(states: readonly HostState[], ctx: PassContext): void {
  for (const s of states) {
    if (s.cpusUsed <= s.host.cpus + EPS) continue;
    const factor = s.host.cpus > 0 ? s.cpusUsed / s.host.cpus : Number.POSITIVE_INFINITY;
    const message = `${s.host.name}: ${num(s.cpusUsed)} CPU(s) asked by ${s.actors} actor(s) on ${plural(s.host.cpus, 'CPU')} (oversubscribed ${Number.isFinite(factor) ? `${num(factor)}×` : 'with no CPU listed'}); actors share cores, which is slower but still correct`;
    ctx.note(message, s.host.name);
    if (factor > WARN_OVERSUBSCRIPTION) ctx.warn(`${message}; lower numWorkers or resources.cpus`);
  }
}

/** Writes each group's host and device, and puts its actor-side nodes on that device. */
function apply(graph: PlanGraph, placed: ReadonlyMap<string, Placed>): void {
  const groups = graph.getAttribute('actorGroups');
  const next: Record<string, ActorGroupSpec> = {};
  for (const [name, g] of Object.entries(groups)) {
    const p = placed.get(name)!;
    const sameHosts = (g.hosts ?? []).join(',') === (p.hosts ?? []).join(',');
    if (g.device === p.device && g.host === p.host && sameHosts) next[name] = g;
    else {
      const { hosts: _old, ...rest } = g;
      next[name] = { ...rest, device: p.device, host: p.host, ...(p.hosts ? { hosts: p.hosts } : {}) };
    }
  }
  graph.setAttribute('actorGroups', next);
  for (const id of graph.nodes()) {
    const a = graph.getNodeAttributes(id);
    if (a.placement.on !== 'actors') continue;
    const p = placed.get(a.placement.group);
    if (p && a.placement.device !== p.device) updateNode(graph, id, { placement: { ...a.placement, device: p.device } });
  }
}
