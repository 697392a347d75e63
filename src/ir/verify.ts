/**
 * The IR verifier. It checks the invariants every layer relies on, and each failure names the invariant,
 * the node and the source line of the DSL call that made it:
 *
 * - `known-kind`: every node's kind is registered;
 * - `ports`: input ports are complete and within the kind's arity; each output port feeds exactly one
 *   consumer (fan-out needs `duplicate`), except plan outputs, which feed none;
 * - `types`: the producer's element type fits the consumer's input type on every edge;
 * - `acyclic`: data edges form no cycle (loops are only possible through queues, which are not edges);
 * - `placement`: groups exist, a kind runs only where it may, actor chains stay inside their group and
 *   reach the driver only through a gather;
 * - `stage`: stages are present where required, and actor-side stages are loadable references;
 * - `params`: kind-specific parameters are valid;
 * - `queues`: every queue is declared and has both a producer and a consumer;
 * - `names`: node names are unique; `outputs`: the plan has at least one existing output.
 */
import { PlanTypeError, VerificationError } from './errors.js';
import { inputEdges, outputEdges, topologicalOrder, type PlanGraph } from './graph.js';
import { checkKindParams, getKind, hasKind, K, outputPorts } from './kinds.js';
import { parseType, typeFits } from './type-expr.js';
import type { NodeAttributes } from './types.js';

/** All invariant violations of a graph, in a stable order (empty when the graph is valid). */
export function verifyGraph(graph: PlanGraph): VerificationError[] {
  const errors: VerificationError[] = [];
  const attrs = graph.getAttributes();
  const fail = (invariant: string, reason: string, node?: NodeAttributes, hint?: string): void => {
    const options = {
      ...(node ? { nodeId: node.id, nodeName: node.name, source: node.source } : {}),
      ...(hint ? { hint } : {}),
    };
    errors.push(invariant === 'types' ? new PlanTypeError(reason, options) : new VerificationError(invariant, reason, options));
  };

  const outputs = new Set(attrs.outputs);
  if (attrs.outputs.length === 0) fail('outputs', 'the plan has no output stream');
  for (const id of attrs.outputs) if (!graph.hasNode(id)) fail('outputs', `output '${id}' is not a node of the plan`);

  const names = new Map<string, string>();
  const queueUse = new Map<string, { enqueue: number; dequeue: number }>();
  for (const name of Object.keys(attrs.queues)) queueUse.set(name, { enqueue: 0, dequeue: 0 });

  const ids = graph.nodes().sort();
  for (const id of ids) {
    const node = graph.getNodeAttributes(id);
    if (node.id !== id) fail('names', `node attribute id '${node.id}' differs from its key '${id}'`, node);
    const other = names.get(node.name);
    if (other !== undefined) {
      fail('names', `node name '${node.name}' is used by both ${other} and ${id}`, node, 'give one stage another name');
    }
    names.set(node.name, id);

    if (!hasKind(node.kind)) {
      fail('known-kind', `unknown node kind '${node.kind}'`, node, 'register the kind with registerKind() before use');
      continue;
    }
    const spec = getKind(node.kind);
    const inputs = inputEdges(graph, id);

    // ports
    if (inputs.length < spec.inputs.min || inputs.length > spec.inputs.max) {
      const want = spec.inputs.min === spec.inputs.max ? `${spec.inputs.min}` : `${spec.inputs.min}..${spec.inputs.max}`;
      fail('ports', `${node.kind} takes ${want} input(s) but has ${inputs.length}`, node);
    }
    inputs.forEach((edge, k) => {
      if (edge.toPort !== k) fail('ports', `input port ${k} is ${edge.toPort === k - 1 ? 'connected twice' : 'missing'}`, node);
    });
    if (node.inputTypes.length !== inputs.length) {
      fail('ports', `declares ${node.inputTypes.length} input type(s) for ${inputs.length} input(s)`, node);
    }
    const ports = outputPorts(spec, node.params);
    const consumersByPort = new Map<number, number>();
    for (const edge of outputEdges(graph, id)) {
      if (edge.fromPort < 0 || edge.fromPort >= ports) fail('ports', `edge leaves from output port ${edge.fromPort}, but the node has ${ports}`, node);
      consumersByPort.set(edge.fromPort, (consumersByPort.get(edge.fromPort) ?? 0) + 1);
    }
    for (let port = 0; port < ports; port++) {
      const n = consumersByPort.get(port) ?? 0;
      if (n > 1) {
        fail('ports', `output${ports > 1 ? ` port ${port}` : ''} feeds ${n} consumers; each item can be pulled only once`, node, 'use .duplicate(n) to fan a stream out');
      } else if (n === 0 && !(outputs.has(id) && ports === 1)) {
        fail('ports', `output${ports > 1 ? ` port ${port}` : ''} is consumed by nothing, so it would never run`, node, 'consume it, or make it a plan output');
      } else if (n === 1 && outputs.has(id) && ports === 1) {
        fail('ports', 'is a plan output but also feeds a consumer; each item can be pulled only once', node, 'use .duplicate(n) to fan a stream out');
      }
    }

    // types
    for (const edge of inputs) {
      if (!graph.hasNode(edge.from)) continue;
      const producer = graph.getNodeAttributes(edge.from);
      const expected = node.inputTypes[edge.toPort] ?? 'unknown';
      if (!safeFits(producer.output, expected)) {
        fail('types', `input ${edge.toPort} expects '${expected}' but '${producer.name}' produces '${producer.output}'`, node);
      }
    }
    for (const t of [node.output, ...node.inputTypes]) {
      try {
        parseType(t);
      } catch (e) {
        fail('types', (e as Error).message, node);
      }
    }

    // placement
    if (node.placement.on === 'actors') {
      const group = attrs.actorGroups[node.placement.group];
      if (spec.placement === 'driver') fail('placement', `${node.kind} runs on the driver, not on actors`, node);
      if (!group) fail('placement', `actor group '${node.placement.group}' is not declared in the plan`, node);
      else if (group.device !== node.placement.device) {
        fail('placement', `placed on ${node.placement.device} but group '${group.name}' is on ${group.device}`, node);
      }
      for (const edge of inputs) {
        const p = graph.hasNode(edge.from) ? graph.getNodeAttributes(edge.from).placement : undefined;
        if (!p || p.on !== 'actors' || p.group !== node.placement.group) {
          fail('placement', `an actor-side stage on '${node.placement.group}' can only consume a stream of the same group`, node);
        }
      }
      if ((node.kind === K.fromActors.kind || (node.kind === K.fused.kind && node.params['shards'] !== undefined)) && group) {
        const shards = node.params['shards'];
        if (!Array.isArray(shards) || shards.length === 0 || shards.some((s) => !Number.isInteger(s) || s < 0 || s >= group.count)) {
          fail('params', `shards must be actor indexes of group '${group.name}' (0..${group.count - 1}), got ${JSON.stringify(shards)}`, node);
        }
      }
    } else {
      if (spec.placement === 'actors') fail('placement', `${node.kind} runs on actors, not on the driver`, node);
      for (const edge of inputs) {
        const p = graph.hasNode(edge.from) ? graph.getNodeAttributes(edge.from).placement : undefined;
        if (!p) continue;
        if (spec.gathersFromActors && p.on !== 'actors') fail('placement', `a gather's inputs must be actor-side streams`, node);
        if (!spec.gathersFromActors && p.on === 'actors') {
          fail('placement', `consumes an actor-side stream directly`, node, 'gather it first (gatherSync, gatherAsync, batchAcrossShards)');
        }
      }
    }

    // stage
    if (spec.stage === 'required' && !node.stage) fail('stage', `${node.kind} needs a stage`, node);
    if (spec.stage === 'none' && node.stage) fail('stage', `${node.kind} takes no stage`, node);
    if (node.stage && node.placement.on === 'actors' && node.stage.type !== 'ref') {
      fail('stage', `actor-side stage '${node.stage.name}' is a closure, which cannot be sent to a worker process`, node, 'define it with actorStage(import.meta.url, fn) and export it');
    }

    // params
    const reason = checkKindParams(spec, node.params, inputs.length);
    if (reason) fail('params', reason, node);

    // queues
    if (node.kind === K.enqueue.kind || node.kind === K.dequeue.kind) {
      const name = String(node.params['queue']);
      const use = queueUse.get(name);
      if (!use) fail('queues', `queue '${name}' is not declared in the plan`, node);
      else if (node.kind === K.enqueue.kind) use.enqueue++;
      else use.dequeue++;
    }
  }

  for (const [name, use] of [...queueUse].sort(([a], [b]) => a.localeCompare(b))) {
    const spec = attrs.queues[name]!;
    const where = { id: `queue:${name}`, name: `queue ${name}`, source: spec.source } as unknown as NodeAttributes;
    if (use.enqueue === 0) fail('queues', `queue '${name}' is never filled: no enqueue uses it`, where);
    if (use.dequeue === 0) fail('queues', `queue '${name}' is never drained: no dequeue uses it`, where);
  }

  try {
    topologicalOrder(graph);
  } catch (e) {
    fail('acyclic', (e as Error).message, undefined, 'feed data back only through a queue');
  }
  return errors;
}

function safeFits(from: string, to: string): boolean {
  try {
    return typeFits(from, to);
  } catch {
    return true; // malformed types are reported separately
  }
}

/** Throws the first violation (mentioning how many more there are); returns the graph when valid. */
export function assertVerified(graph: PlanGraph): PlanGraph {
  const errors = verifyGraph(graph);
  if (errors.length === 0) return graph;
  const first = errors[0]!;
  if (errors.length === 1) throw first;
  throw new VerificationError(first.invariant, `${first.reason.slice(first.invariant.length + 2)} (and ${errors.length - 1} more: ${errors.slice(1).map((e) => e.message.split('\n')[0]).join('; ')})`, {
    nodeId: first.nodeId,
    nodeName: first.nodeName,
    source: first.source,
    hint: first.hint,
  });
}
