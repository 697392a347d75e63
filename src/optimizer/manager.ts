/**
 * The pass manager: runs a pipeline of passes over a private copy of a plan's graph, verifies the IR
 * after each pass (always with `verify: true`, which tests and `--verify` set; otherwise once at the end,
 * and on a failure it reruns verifying each pass to name the one that broke it), tracks properties,
 * records per-pass statistics and, with `explain`, the IR before and after each pass and their diff.
 */
import { RlflowError, VerificationError } from '../ir/errors.js';
import { cloneGraph, inputEdges, type PlanGraph } from '../ir/graph.js';
import { dumpGraph, stableJson } from '../ir/dump.js';
import { verifyGraph } from '../ir/verify.js';
import type { PlanPlace } from '../ir/errors.js';
import { DEFAULT_COSTS, type CostModel } from './cost-model.js';
import { diffDumpsById } from './diff.js';
import { PassConfigError, PassError } from './errors.js';
import { detectInventory, type Inventory } from './inventory.js';
import { parsePipeline, type Pass, type PassContext, type PipelineStep } from './pass.js';

/** The pipeline `rlflow train` runs unless told otherwise (`--passes`, `--no-optimize`). */
export const DEFAULT_PIPELINE: readonly string[] = Object.freeze(['cleanup', 'fuse', 'place', 'batch']);

/** Most runs of one fixed-point step before the manager gives up (a pass that never settles is a bug). */
export const MAX_FIXED_POINT_RUNS = 50;

/** Options of `optimize`: the pipeline, verification, explanation, and the inventory and costs passes decide with. */
export interface OptimizeOptions {
  /** Pass names, or a comma-separated string (`name*` = to a fixed point). Default: `DEFAULT_PIPELINE`. */
  readonly passes?: string | readonly string[];
  /** Verify the IR after every pass (default: `RLFLOW_VERIFY=1` in the environment, which tests set). */
  readonly verify?: boolean;
  /** Keep the IR dump before and after each pass, and the diff (for `--explain` and `inspect`). */
  readonly explain?: boolean;
  /** Resources for `place` (default: detected on this machine). */
  readonly inventory?: Inventory;
  /** Costs for `batch` (default: the built-in defaults; the CLI loads `rlflow calibrate`'s file). */
  readonly costs?: CostModel;
  /** Options per pass name, e.g. `{ place: { strict: true } }`. */
  readonly options?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** Directory paths are printed relative to in dumps (default: cwd). */
  readonly root?: string;
}

/** A decision a pass recorded with `ctx.note` (shown by `--explain`). */
export interface PassNote {
  readonly message: string;
  /** Node id or group name the note is about. */
  readonly at?: string;
}

/** Something a pass reported with `ctx.warn`, with the plan place it concerns. */
export interface PassWarning {
  readonly message: string;
  readonly place?: PlanPlace;
}

/** How much one pass changed the graph (nodes added, removed, modified; actor groups modified). */
export interface PassStats {
  readonly nodesAdded: number;
  readonly nodesRemoved: number;
  readonly nodesModified: number;
  readonly groupsModified: number;
  /** nodesAdded + nodesRemoved + nodesModified. */
  readonly nodesChanged: number;
}

/**
 * What one pipeline step did: how often and how long it ran, its stats, notes and warnings, and with
 * `explain` the IR dumps before and after.
 */
export interface PassReport {
  readonly pass: string;
  readonly description: string;
  /** Times the pass ran (more than 1 for a fixed-point step). */
  readonly runs: number;
  readonly ms: number;
  readonly stats: PassStats;
  readonly notes: readonly PassNote[];
  readonly warnings: readonly PassWarning[];
  /** Whether the IR was verified after this pass. */
  readonly verified: boolean;
  /** With `explain`: the stable dumps before and after, and the diff (`- `/`+ ` lines with context). */
  readonly before?: string;
  readonly after?: string;
  readonly diff?: string;
}

/** The whole run of `optimize`: the pipeline, one report per pass, the total time, the final properties and all warnings. */
export interface OptimizeReport {
  readonly pipeline: readonly string[];
  readonly passes: readonly PassReport[];
  readonly ms: number;
  /** Properties that hold at the end. */
  readonly properties: readonly string[];
  readonly warnings: readonly PassWarning[];
}

/** What `optimize` returns: the optimized copy of the graph and the report. */
export interface OptimizeResult {
  /** The optimized graph (a copy; the input is never modified). */
  readonly graph: PlanGraph;
  readonly report: OptimizeReport;
}

function verifyDefault(): boolean {
  return process.env.RLFLOW_VERIFY === '1' || process.env.RLFLOW_VERIFY === 'true';
}

/** One line per node (its attributes and inputs) and group, keyed by id: what "changed" is counted on. */
function fingerprints(graph: PlanGraph): { nodes: Map<string, string>; groups: Map<string, string> } {
  const nodes = new Map<string, string>();
  graph.forEachNode((id, attrs) => {
    const { stage, ...rest } = attrs;
    const stageKey = stage ? (stage.type === 'ref' ? stableJson({ ref: stage.ref, args: stage.args }) : `closure:${stage.name}`) : '';
    nodes.set(id, `${stableJson(rest)}|${stageKey}|${stableJson(inputEdges(graph, id).map((e) => [e.from, e.fromPort, e.toPort]))}`);
  });
  const groups = new Map<string, string>();
  for (const [name, g] of Object.entries(graph.getAttribute('actorGroups'))) groups.set(name, stableJson(g));
  return { nodes, groups };
}

function compare(before: ReturnType<typeof fingerprints>, after: ReturnType<typeof fingerprints>): PassStats {
  let nodesAdded = 0;
  let nodesRemoved = 0;
  let nodesModified = 0;
  for (const [id, fp] of after.nodes) {
    const old = before.nodes.get(id);
    if (old === undefined) nodesAdded++;
    else if (old !== fp) nodesModified++;
  }
  for (const id of before.nodes.keys()) if (!after.nodes.has(id)) nodesRemoved++;
  let groupsModified = 0;
  for (const [name, fp] of after.groups) if (before.groups.get(name) !== fp) groupsModified++;
  for (const name of before.groups.keys()) if (!after.groups.has(name)) groupsModified++;
  return { nodesAdded, nodesRemoved, nodesModified, groupsModified, nodesChanged: nodesAdded + nodesRemoved + nodesModified };
}

function sameGraph(a: ReturnType<typeof fingerprints>, b: ReturnType<typeof fingerprints>, ga: PlanGraph, gb: PlanGraph): boolean {
  const s = compare(a, b);
  return s.nodesChanged === 0 && s.groupsModified === 0 && stableJson(ga.getAttribute('outputs')) === stableJson(gb.getAttribute('outputs')) && stableJson(ga.getAttribute('queues')) === stableJson(gb.getAttribute('queues'));
}

function checkVerified(pass: string, graph: PlanGraph): void {
  const errors = verifyGraph(graph);
  if (errors.length) throw PassError.broke(pass, errors[0]!, errors.length - 1);
}

async function runOnce(pass: Pass, graph: PlanGraph, ctx: PassContext): Promise<void> {
  try {
    await pass.run(graph, ctx);
  } catch (e) {
    if (e instanceof PassError) throw e;
    if (e instanceof RlflowError) {
      // A deliberate error (e.g. strict placement that cannot be met): keep its place, name the pass.
      throw new PassError(pass.name, e.reason, { nodeId: e.nodeId, nodeName: e.nodeName, source: e.source, hint: e.hint, cause: e });
    }
    const err = e instanceof Error ? e : new Error(String(e));
    throw new PassError(pass.name, `threw ${err.name}: ${err.message}`, { cause: err, details: err.stack ? `  stack:\n    ${err.stack.split('\n').slice(1, 6).join('\n    ')}` : undefined });
  }
}

/**
 * Checks, before anything runs, that each pass's required properties are provided by an earlier pass
 * and not invalidated in between (assuming every pass changes the graph: the conservative reading).
 */
function checkRequirements(steps: readonly PipelineStep[]): void {
  const held = new Set<string>();
  for (const { pass } of steps) {
    const missing = (pass.requires ?? []).filter((p) => !held.has(p));
    if (missing.length) {
      const providers = (p: string): string => steps.filter((s) => s.pass.provides?.includes(p)).map((s) => `'${s.pass.name}'`).join(' or ') || 'none in this pipeline';
      throw new PassConfigError(`pass '${pass.name}' requires ${missing.map((m) => `'${m}' (provided by ${providers(m)})`).join(', ')}, which does not hold at that point of the pipeline`, {
        hint: `put the providing pass before '${pass.name}', with no pass in between that drops the property (pipeline: ${steps.map((s) => s.pass.name).join(',')})`,
      });
    }
    if (pass.preserves !== 'all') {
      const keep = new Set(pass.preserves ?? []);
      for (const p of [...held]) if (!keep.has(p)) held.delete(p);
    }
    for (const p of pass.provides ?? []) held.add(p);
  }
}

/**
 * Optimizes a compiled plan (or a bare graph): returns the optimized copy and a report.
 *
 * @example
 *   const { graph, report } = await optimize(plan, { passes: 'cleanup,fuse,place,batch', explain: true });
 *   console.log(formatReport(report));
 */
export async function optimize(plan: { readonly graph: PlanGraph } | PlanGraph, options: OptimizeOptions = {}): Promise<OptimizeResult> {
  const input = 'graph' in plan && !('addNode' in plan) ? plan.graph : (plan as PlanGraph);
  const steps = parsePipeline(options.passes ?? DEFAULT_PIPELINE);
  const verify = options.verify ?? verifyDefault();
  try {
    return await runPipeline(input, steps, options, verify);
  } catch (e) {
    // Unverified runs check the end result only; find which pass broke the IR by rerunning verified.
    if (!verify && e instanceof VerificationError) return runPipeline(input, steps, options, true);
    throw e;
  }
}

async function runPipeline(input: PlanGraph, steps: readonly PipelineStep[], options: OptimizeOptions, verify: boolean): Promise<OptimizeResult> {
  const started = performance.now();
  const inventory = options.inventory ?? detectInventory();
  const costs = options.costs ?? DEFAULT_COSTS;
  const dump = (g: PlanGraph): string => dumpGraph(g, options.root !== undefined ? { root: options.root } : {});
  const graph = cloneGraph(input);
  const reports: PassReport[] = [];
  const allWarnings: PassWarning[] = [];
  const held = new Set<string>();
  checkRequirements(steps);

  for (const { pass, fixedPoint } of steps) {
    const notes: PassNote[] = [];
    const warnings: PassWarning[] = [];
    const ctx: PassContext = {
      inventory,
      costs,
      options: options.options?.[pass.name] ?? {},
      note: (message, at) => notes.push(at === undefined ? { message } : { message, at }),
      warn: (message, place) => warnings.push(place === undefined ? { message } : { message, place }),
    };
    const beforeDump = options.explain ? dump(graph) : undefined;
    const beforeFp = fingerprints(graph);
    const t0 = performance.now();
    let runs = 0;
    for (;;) {
      const prev = fixedPoint ? { fp: fingerprints(graph), copy: cloneGraph(graph) } : undefined;
      await runOnce(pass, graph, ctx);
      runs++;
      if (verify) checkVerified(pass.name, graph);
      if (!prev || sameGraph(prev.fp, fingerprints(graph), prev.copy, graph)) break;
      if (runs >= MAX_FIXED_POINT_RUNS) throw new PassError(pass.name, `did not reach a fixed point after ${runs} runs`, { hint: 'a fixed-point pass must stop changing the graph; run it once instead (drop the *)' });
    }
    const ms = performance.now() - t0;
    const stats = compare(beforeFp, fingerprints(graph));
    if (pass.preserves !== 'all') {
      const keep = new Set(pass.preserves ?? []);
      // A pass that changed nothing kept every property.
      if (stats.nodesChanged > 0 || stats.groupsModified > 0) for (const p of [...held]) if (!keep.has(p)) held.delete(p);
    }
    for (const p of pass.provides ?? []) held.add(p);
    allWarnings.push(...warnings);
    let explained: Pick<PassReport, 'before' | 'after' | 'diff'> = {};
    if (beforeDump !== undefined) {
      const after = dump(graph);
      explained = { before: beforeDump, after, diff: diffDumpsById(beforeDump, after) };
    }
    reports.push({ pass: pass.name, description: pass.description, runs, ms, stats, notes, warnings, verified: verify, ...explained });
  }
  if (!verify) {
    const errors = verifyGraph(graph);
    if (errors.length) throw errors[0]!;
  }
  return {
    graph,
    report: { pipeline: steps.map((s) => `${s.pass.name}${s.fixedPoint && !s.pass.fixedPoint ? '*' : ''}`), passes: reports, ms: performance.now() - started, properties: [...held].sort(), warnings: allWarnings },
  };
}

/** The report as text: one block per pass (stats, notes, warnings and, when recorded, the IR diff). */
export function formatReport(report: OptimizeReport, options: { readonly diffs?: boolean } = {}): string {
  const diffs = options.diffs ?? true;
  const lines = [`optimizer pipeline: ${report.pipeline.join(' → ') || '(empty)'} (${report.ms.toFixed(1)} ms)`];
  for (const p of report.passes) {
    const s = p.stats;
    const change = s.nodesChanged || s.groupsModified
      ? `${s.nodesChanged} node(s) changed (+${s.nodesAdded} −${s.nodesRemoved} ~${s.nodesModified})${s.groupsModified ? `, ${s.groupsModified} group(s)` : ''}`
      : 'no change';
    lines.push('', `== ${p.pass}: ${change}; ${p.ms.toFixed(1)} ms${p.runs > 1 ? `, ${p.runs} runs` : ''}${p.verified ? ', verified' : ''}`, `   ${p.description}`);
    for (const n of p.notes) lines.push(`   · ${n.at ? `${n.at}: ` : ''}${n.message}`);
    for (const w of p.warnings) lines.push(`   ! ${w.message}`);
    if (diffs && p.diff) lines.push(...p.diff.split('\n').map((l) => `   ${l}`));
  }
  return lines.join('\n');
}
