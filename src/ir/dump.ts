/**
 * The stable text form of an IR graph: one line per actor group, queue and node, nodes in data-flow
 * order (`dataFlowOrder`: producers first, a queue's producers before its consumers, ties broken by
 * id), the nodes of a composite scope indented under a `scope <name>` line, keys sorted, paths made
 * relative, long params and arguments shortened (`full: true` keeps them whole). Two dumps of equal
 * graphs are equal strings, so dumps are golden-testable and a diff of two dumps is the change a pass made.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { dataFlowOrder, inputEdges, type PlanGraph } from './graph.js';
import type { SourceLocation, StageBinding, StageRef } from './types.js';

/** Options for `dumpGraph`. */
export interface DumpOptions {
  /** Print source locations (`# file:line:col`). Default true. */
  readonly sources?: boolean;
  /** Directory that module and source paths are printed relative to. Default: the current directory. */
  readonly root?: string;
  /** Print params and arguments whole instead of shortened to about 160 characters. Default false. */
  readonly full?: boolean;
}

/** Longest JSON text of params or arguments a dump line shows unless `full` is set. */
export const DUMP_VALUE_CHARS = 160;

/** `text`, cut to `max` characters with an ellipsis that says how much was left out. */
export function shorten(text: string, max: number = DUMP_VALUE_CHARS): string {
  return text.length <= max ? text : `${text.slice(0, max)}…(+${text.length - max} chars)`;
}

/** JSON with object keys sorted at every level, so equal values print equally. */
export function stableJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object' && !ArrayBuffer.isView(value)) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) out[key] = sortKeys((value as Record<string, unknown>)[key]);
    return out;
  }
  return value;
}

/** A module specifier or file URL shown relative to `root` when it is a file. */
export function displayModule(module: string, root: string = process.cwd()): string {
  const file = module.startsWith('file:') ? fileURLToPath(module) : module;
  return path.isAbsolute(file) ? path.relative(root, file) || file : file;
}

/** A stage reference as `module#name`, the module shown relative to `root` (default: the current directory). */
export function displayRef(ref: StageRef, root?: string): string {
  return `${displayModule(ref.module, root)}#${ref.name}`;
}

/** A source location as `file:line:column` relative to `root`, or `?` when unknown. */
export function displaySource(source: SourceLocation | undefined, root?: string): string {
  return source ? `${displayModule(source.file, root)}:${source.line}:${source.column}` : '?';
}

function displayStage(stage: StageBinding, root: string | undefined, cut: (text: string) => string): string {
  if (stage.type === 'closure') return `closure(${stage.name})`;
  return stage.args.length ? `${displayRef(stage.ref, root)}${cut(stableJson(stage.args))}` : displayRef(stage.ref, root);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !ArrayBuffer.isView(value);
}

/** `  path = {…}` for an object's plain fields, then the same for each nested object (`path.key`). */
function argLines(value: unknown, path: string): string[] {
  if (!isPlainObject(value)) return [`  ${path} = ${shorten(stableJson(value))}`];
  const keys = Object.keys(value).sort();
  const nested = keys.filter((k) => isPlainObject(value[k]) && Object.keys(value[k] as object).length > 0);
  const flat = Object.fromEntries(keys.filter((k) => !nested.includes(k)).map((k) => [k, value[k]]));
  const text = stableJson(flat);
  // A long object gets one line per field rather than being cut off.
  const own =
    text.length <= DUMP_VALUE_CHARS
      ? Object.keys(flat).length || !nested.length ? [`  ${path} = ${text}`] : []
      : Object.keys(flat).map((k) => `  ${path}.${k} = ${shorten(stableJson(flat[k]))}`);
  return [...own, ...nested.flatMap((k) => argLines(value[k], `${path}.${k}`))];
}

/** The stable text dump of a graph. */
export function dumpGraph(graph: PlanGraph, options: DumpOptions = {}): string {
  const { sources = true, root, full = false } = options;
  const cut = full ? (text: string) => text : (text: string) => shorten(text);
  const attrs = graph.getAttributes();
  const lines = [`plan ${JSON.stringify(attrs.name)} schema=${attrs.schemaVersion}`];
  for (const name of Object.keys(attrs.actorGroups).sort()) {
    const g = attrs.actorGroups[name]!;
    // Optional placement and batching facts come before the (often long) constructor args.
    const prefers = g.prefers ? ` prefers:${g.prefers}` : '';
    const host = g.hosts ? ` hosts:${g.hosts.join(',')}` : g.host ? ` host:${g.host}` : '';
    const work = g.vectorizable ? ` vectorizable=${stableJson(g.vectorizable)}` : '';
    const resync = g.resync ? ` resync=${stableJson(g.resync)}` : '';
    const head = `group ${name} = ${displayRef(g.actorClass, root)} x${g.count} ${stableJson(g.resources)} ${g.device}${prefers}${host} items:${g.itemType}${work}${resync}`;
    const args = stableJson(g.args);
    // Long constructor args (a worker's whole config) get one line per nested object, so settings such
    // as the loss's klTarget stay readable instead of being cut off.
    if (full || args.length <= DUMP_VALUE_CHARS) lines.push(`${head} args=${args}`);
    else lines.push(head, ...g.args.flatMap((arg, i) => argLines(arg, `args[${i}]`)));
  }
  for (const name of Object.keys(attrs.queues).sort()) {
    const q = attrs.queues[name]!;
    lines.push(`queue ${name} capacity=${q.capacity} items:${q.itemType}`);
  }
  lines.push(`outputs ${attrs.outputs.join(', ')}`);
  let open: readonly string[] = [];
  for (const id of dataFlowOrder(graph)) {
    const node = graph.getNodeAttributes(id);
    const scope = node.scope ?? [];
    let shared = 0;
    while (shared < open.length && shared < scope.length && open[shared] === scope[shared]) shared++;
    for (let depth = shared; depth < scope.length; depth++) lines.push(`${'  '.repeat(depth)}scope ${scope.slice(0, depth + 1).join('/')}`);
    open = scope;
    const ins = inputEdges(graph, id)
      .map((e) => `${e.from}${e.fromPort ? `.${e.fromPort}` : ''}`)
      .join(', ');
    const where = node.placement.on === 'driver' ? '@driver' : `@${node.placement.group}:${node.placement.device}`;
    const stage = node.stage ? ` stage=${displayStage(node.stage, root, cut)}` : '';
    const params = Object.keys(node.params).length ? ` ${cut(stableJson(node.params))}` : '';
    const inputTypes = node.inputTypes.length ? ` in:${node.inputTypes.join(',')}` : '';
    const src = sources && node.source ? `  # ${displaySource(node.source, root)}` : '';
    lines.push(`${'  '.repeat(scope.length)}${id} ${JSON.stringify(node.name)} = ${node.kind}(${ins})${inputTypes} -> ${node.output} ${where}${stage}${params}${src}`);
  }
  return lines.join('\n') + '\n';
}
