/**
 * The stable text form of an IR graph: one line per actor group, queue and node, nodes in topological
 * order with ties broken by id, keys sorted, paths made relative. Two dumps of equal graphs are equal
 * strings, so dumps are golden-testable and a diff of two dumps is the change a pass made.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { inputEdges, topologicalOrder, type PlanGraph } from './graph.js';
import type { SourceLocation, StageBinding, StageRef } from './types.js';

export interface DumpOptions {
  /** Print source locations (`# file:line:col`). Default true. */
  readonly sources?: boolean;
  /** Directory that module and source paths are printed relative to. Default: the current directory. */
  readonly root?: string;
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

export function displayRef(ref: StageRef, root?: string): string {
  return `${displayModule(ref.module, root)}#${ref.name}`;
}

export function displaySource(source: SourceLocation | undefined, root?: string): string {
  return source ? `${displayModule(source.file, root)}:${source.line}:${source.column}` : '?';
}

function displayStage(stage: StageBinding, root?: string): string {
  if (stage.type === 'closure') return `closure(${stage.name})`;
  return stage.args.length ? `${displayRef(stage.ref, root)}${stableJson(stage.args)}` : displayRef(stage.ref, root);
}

/** The stable text dump of a graph. */
export function dumpGraph(graph: PlanGraph, options: DumpOptions = {}): string {
  const { sources = true, root } = options;
  const attrs = graph.getAttributes();
  const lines = [`plan ${JSON.stringify(attrs.name)} schema=${attrs.schemaVersion}`];
  for (const name of Object.keys(attrs.actorGroups).sort()) {
    const g = attrs.actorGroups[name]!;
    // Optional placement and batching facts come before the (often long) constructor args.
    const prefers = g.prefers ? ` prefers:${g.prefers}` : '';
    const host = g.hosts ? ` hosts:${g.hosts.join(',')}` : g.host ? ` host:${g.host}` : '';
    const work = g.vectorizable ? ` vectorizable=${stableJson(g.vectorizable)}` : '';
    lines.push(
      `group ${name} = ${displayRef(g.actorClass, root)} x${g.count} ${stableJson(g.resources)} ${g.device}${prefers}${host} items:${g.itemType}${work} args=${stableJson(g.args)}`,
    );
  }
  for (const name of Object.keys(attrs.queues).sort()) {
    const q = attrs.queues[name]!;
    lines.push(`queue ${name} capacity=${q.capacity} items:${q.itemType}`);
  }
  lines.push(`outputs ${attrs.outputs.join(', ')}`);
  for (const id of topologicalOrder(graph)) {
    const node = graph.getNodeAttributes(id);
    const ins = inputEdges(graph, id)
      .map((e) => `${e.from}${e.fromPort ? `.${e.fromPort}` : ''}`)
      .join(', ');
    const where = node.placement.on === 'driver' ? '@driver' : `@${node.placement.group}:${node.placement.device}`;
    const stage = node.stage ? ` stage=${displayStage(node.stage, root)}` : '';
    const params = Object.keys(node.params).length ? ` ${stableJson(node.params)}` : '';
    const inputTypes = node.inputTypes.length ? ` in:${node.inputTypes.join(',')}` : '';
    const src = sources && node.source ? `  # ${displaySource(node.source, root)}` : '';
    lines.push(`${id} ${JSON.stringify(node.name)} = ${node.kind}(${ins})${inputTypes} -> ${node.output} ${where}${stage}${params}${src}`);
  }
  return lines.join('\n') + '\n';
}
