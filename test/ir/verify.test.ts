// Unit tests for the IR verifier (src/ir/verify.ts). Graphs are built by hand with createPlanGraph,
// starting from a small valid plan and breaking one thing at a time; each test checks that the
// violation is reported under the right `invariant`, at the offending node (id, name, source line),
// and that nothing else is reported.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PlanTypeError, VerificationError } from '../../src/ir/errors.js';
import { createPlanGraph, type PlanGraph } from '../../src/ir/graph.js';
import { K, registerKind } from '../../src/ir/kinds.js';
import type { ActorGroupSpec, NodeAttributes, Placement, QueueSpec, StageBinding } from '../../src/ir/types.js';
import { assertVerified, verifyGraph } from '../../src/ir/verify.js';

// ---- graph-building helpers -------------------------------------------------------------------------

const PLAN_FILE = '/plans/demo.ts';
const ON_W: Placement = { on: 'actors', group: 'w', device: 'cpu' };
const ON_V: Placement = { on: 'actors', group: 'v', device: 'cpu' };
const DRIVER: Placement = { on: 'driver' };

function ref(name: string, args: unknown[] = []): StageBinding {
  return { type: 'ref', ref: { module: 'file:///stages/demo.js', name }, args };
}
function closure(name: string): StageBinding {
  return { type: 'closure', name, fn: (x: never) => x };
}

function group(name: string, count = 2, extra: Partial<ActorGroupSpec> = {}): ActorGroupSpec {
  return {
    name,
    actorClass: { module: 'file:///stages/demo.js', name: 'Worker' },
    count,
    args: [],
    resources: { cpus: 1, gpus: 0 },
    itemType: 'number',
    device: 'cpu',
    ...extra,
  };
}

interface NodeSpec {
  readonly kind: string;
  readonly name?: string;
  readonly output?: string;
  /** Producers in input-port order; `'n3.1'` means output port 1 of n3. */
  readonly inputs?: readonly string[];
  readonly inputTypes?: readonly string[];
  readonly params?: Record<string, unknown>;
  readonly placement?: Placement;
  readonly stage?: StageBinding;
}

interface GraphSpec {
  readonly outputs: readonly string[];
  readonly groups?: readonly ActorGroupSpec[];
  readonly queues?: readonly QueueSpec[];
}

/**
 * Builds a graph from node specs. Node `nK` gets source line K+10 of PLAN_FILE, so tests can check that
 * an error points at the right line; names default to the id.
 */
function build(nodes: Record<string, NodeSpec>, spec: GraphSpec): PlanGraph {
  const graph = createPlanGraph('test-plan');
  graph.mergeAttributes({
    actorGroups: Object.fromEntries((spec.groups ?? [group('w')]).map((g) => [g.name, g])),
    queues: Object.fromEntries((spec.queues ?? []).map((q) => [q.name, q])),
    outputs: [...spec.outputs],
  });
  for (const [id, n] of Object.entries(nodes)) {
    const inputs = n.inputs ?? [];
    const attrs: NodeAttributes = {
      id,
      kind: n.kind,
      name: n.name ?? id,
      output: n.output ?? 'unknown',
      inputTypes: n.inputTypes ?? inputs.map(() => 'unknown'),
      params: n.params ?? {},
      placement: n.placement ?? DRIVER,
      ...(n.stage ? { stage: n.stage } : {}),
      source: { file: PLAN_FILE, line: lineOf(id), column: 3 },
    };
    graph.addNode(id, attrs);
  }
  for (const [id, n] of Object.entries(nodes)) {
    (n.inputs ?? []).forEach((input, toPort) => {
      const [from, port] = input.split('.');
      graph.addEdge(from!, id, { fromPort: Number(port ?? 0), toPort });
    });
  }
  return graph;
}

function lineOf(id: string): number {
  return Number(id.slice(1)) + 10;
}

function patch(graph: PlanGraph, id: string, attrs: Partial<NodeAttributes>): PlanGraph {
  graph.replaceNodeAttributes(id, { ...graph.getNodeAttributes(id), ...attrs });
  return graph;
}

/**
 * A valid plan: two actors yield numbers, double them on the actors, gather, format on the driver.
 *   n0 fromActors@w -> n1 forEach(double)@w -> n2 gatherSync -> n3 forEach(show) (output)
 */
function validNodes(): Record<string, NodeSpec> {
  return {
    n0: { kind: K.fromActors.kind, output: 'number', params: { shards: [0, 1] }, placement: ON_W },
    n1: { kind: K.forEach.kind, inputs: ['n0'], inputTypes: ['number'], output: 'number', placement: ON_W, stage: ref('double') },
    n2: { kind: K.gatherSync.kind, inputs: ['n1'], output: 'number' },
    n3: { kind: K.forEach.kind, inputs: ['n2'], inputTypes: ['number'], output: 'string', stage: closure('show') },
  };
}

function valid(): PlanGraph {
  return build(validNodes(), { outputs: ['n3'] });
}

/** `nodes` on top of the valid plan (a spec replaces the valid node of the same id). */
function variant(nodes: Record<string, NodeSpec>, spec: Partial<GraphSpec> = {}): PlanGraph {
  return build({ ...validNodes(), ...nodes }, { outputs: ['n3'], ...spec });
}

type Expected = readonly [invariant: string, nodeId: string | undefined, reason: RegExp];

/**
 * Asserts the graph's violations are exactly `expected` (in any order): each error has the invariant,
 * the node id and a reason matching the pattern, and — for graph nodes — carries the node's name and
 * source location.
 */
function expectErrors(graph: PlanGraph, expected: readonly Expected[]): VerificationError[] {
  const errors = verifyGraph(graph);
  const show = () => errors.map((e) => `  ${e.invariant} @${e.nodeId ?? '-'}: ${e.reason}`).join('\n');
  const left = [...errors];
  for (const [invariant, nodeId, reason] of expected) {
    const k = left.findIndex((e) => e.invariant === invariant && e.nodeId === nodeId && reason.test(e.reason));
    assert.ok(k >= 0, `expected ${invariant} @${nodeId ?? '-'} matching ${reason}; got:\n${show()}`);
    const [e] = left.splice(k, 1);
    assert.ok(e instanceof VerificationError);
    // Type mismatches are the PlanTypeError subclass, so callers can catch them specifically.
    assert.equal(e.name, invariant === 'types' ? 'PlanTypeError' : 'VerificationError');
    assert.equal(e instanceof PlanTypeError, invariant === 'types');
    assert.ok(e.reason.startsWith(`${invariant}: `), e.reason);
    if (nodeId !== undefined && graph.hasNode(nodeId)) {
      const node = graph.getNodeAttributes(nodeId);
      assert.equal(e.nodeName, node.name);
      assert.deepEqual(e.source, node.source);
      assert.ok(e.message.includes(`${PLAN_FILE}:${node.source!.line}:3`), `message points at the plan line: ${e.message}`);
    }
  }
  assert.equal(left.length, 0, `unexpected extra errors:\n${left.map((e) => `  ${e.invariant} @${e.nodeId ?? '-'}: ${e.reason}`).join('\n')}`);
  return errors;
}

// ---- tests ------------------------------------------------------------------------------------------

describe('verifyGraph: valid plans', () => {
  test('the base plan verifies with zero errors', () => {
    assert.deepEqual(verifyGraph(valid()), []);
    const g = valid();
    assert.equal(assertVerified(g), g);
  });

  test('a plan using every structural feature verifies', () => {
    // fromItems -> enqueue(q) ; dequeue(q) -> duplicate(2) -> [forEach, filter] ; gatherAsync over two
    // groups ; concurrently over four streams, outputting two.
    const graph = build(
      {
        n0: { kind: K.fromActors.kind, output: 'number', params: { shards: [1] }, placement: ON_W },
        n1: { kind: K.fromActors.kind, output: 'number', params: { shards: [0, 2] }, placement: ON_V },
        n2: { kind: K.batch.kind, inputs: ['n1'], output: 'number[]', params: { n: 4 }, placement: ON_V },
        n3: { kind: K.flatten.kind, inputs: ['n2'], inputTypes: ['number[]'], output: 'number', placement: ON_V },
        n4: { kind: K.gatherAsync.kind, inputs: ['n0', 'n3'], output: 'number', params: { inFlight: 2, batchMs: 0 } },
        n5: { kind: K.zipWithSourceActor.kind, inputs: ['n4'], output: '[ActorRef, number]' },
        n6: { kind: K.fromItems.kind, output: 'number', params: { items: [1, 2], repeat: false } },
        n7: { kind: K.enqueue.kind, inputs: ['n6'], inputTypes: ['number'], output: 'number', params: { queue: 'q' } },
        n8: { kind: K.dequeue.kind, output: 'number', params: { queue: 'q' } },
        n9: { kind: K.duplicate.kind, inputs: ['n8'], output: 'number', params: { n: 2, maxSkew: 1 } },
        n10: { kind: K.forEach.kind, inputs: ['n9'], inputTypes: ['number'], output: 'number', stage: closure('inc') },
        n11: { kind: K.filter.kind, inputs: ['n9.1'], inputTypes: ['number'], output: 'number', stage: closure('odd') },
        n12: { kind: K.callActors.kind, inputs: ['n11'], output: 'number', params: { group: 'w', method: 'set', wait: false } },
        n13: {
          kind: K.concurrently.kind,
          inputs: ['n5', 'n7', 'n10', 'n12'],
          output: '[ActorRef, number] | number',
          params: { mode: 'roundRobin', weights: [1, '*', 0.5, 2], outputIndexes: [0, 2] },
        },
      },
      { outputs: ['n13'], groups: [group('w', 2), group('v', 3)], queues: [{ name: 'q', capacity: 4, itemType: 'number' }] },
    );
    assert.deepEqual(verifyGraph(graph).map((e) => e.message), []);
  });

  test('several outputs are allowed', () => {
    const graph = variant({ n4: { kind: K.fromItems.kind, params: { items: [], repeat: false } } }, { outputs: ['n3', 'n4'] });
    assert.deepEqual(verifyGraph(graph), []);
  });

  test('errors come in a stable order', () => {
    const make = () =>
      variant({
        n1: { kind: K.forEach.kind, inputs: ['n0'], inputTypes: ['string'], placement: ON_W },
        n2: { kind: K.gatherSync.kind, inputs: ['n1'], params: {}, name: 'n3' },
      });
    const a = verifyGraph(make()).map((e) => e.message);
    const b = verifyGraph(make()).map((e) => e.message);
    assert.ok(a.length >= 3);
    assert.deepEqual(a, b);
  });
});

describe('verifyGraph: known-kind', () => {
  test('an unregistered kind is reported by name, with a hint', () => {
    const graph = variant({ n2: { kind: 'acme/teleport@1', inputs: ['n1'], output: 'number' } });
    const [e] = expectErrors(graph, [['known-kind', 'n2', /unknown node kind 'acme\/teleport@1'/]]);
    assert.match(e!.hint ?? '', /registerKind/);
  });

  test('an unknown kind skips the node-local checks (no cascade of errors)', () => {
    // It consumes an actor stream from the driver and has a closure: nothing but known-kind is reported.
    const graph = variant({ n2: { kind: 'acme/mystery@3', inputs: ['n1'], output: 'number', stage: closure('x'), params: { n: -1 } } });
    expectErrors(graph, [['known-kind', 'n2', /acme\/mystery@3/]]);
  });
});

describe('verifyGraph: ports', () => {
  test('too few inputs for the kind', () => {
    const graph = variant({ n3: { kind: K.forEach.kind, inputs: [], inputTypes: ['number'], stage: closure('show') } });
    // n2's output is then consumed by nothing, too.
    expectErrors(graph, [
      ['ports', 'n3', /rlflow\/for-each@1 takes 1 input\(s\) but has 0/],
      ['ports', 'n3', /declares 1 input type\(s\) for 0 input\(s\)/],
      ['ports', 'n2', /consumed by nothing/],
    ]);
  });

  test('too many inputs for the kind, with a range in the message', () => {
    const graph = variant({
      n4: { kind: K.fromItems.kind, output: 'number', params: { items: [1], repeat: false } },
      n5: { kind: K.fromItems.kind, output: 'number', params: { items: [2], repeat: false } },
      n6: { kind: K.concurrently.kind, inputs: ['n3', 'n4', 'n5'], params: { mode: 'async' } },
      n7: { kind: K.forEach.kind, inputs: ['n6', 'n6'], stage: closure('twice') },
    }, { outputs: ['n7'] });
    // n7 has two inputs (and its second edge reads n6's output port 0 again).
    expectErrors(graph, [
      ['ports', 'n7', /takes 1 input\(s\) but has 2/],
      ['ports', 'n6', /feeds 2 consumers/],
    ]);
    const tooFew = variant({ n4: { kind: K.concurrently.kind, inputs: ['n3'], params: { mode: 'async' } } }, { outputs: ['n4'] });
    expectErrors(tooFew, [['ports', 'n4', /takes 2\.\.Infinity input\(s\) but has 1/]]);
  });

  test('a missing input port is named', () => {
    const graph = variant({
      n4: { kind: K.fromItems.kind, output: 'number', params: { items: [1], repeat: false } },
      n5: { kind: K.concurrently.kind, params: { mode: 'async' }, inputTypes: ['unknown', 'unknown'] },
    }, { outputs: ['n5'] });
    graph.addEdge('n3', 'n5', { fromPort: 0, toPort: 0 });
    graph.addEdge('n4', 'n5', { fromPort: 0, toPort: 2 }); // port 1 left empty
    expectErrors(graph, [['ports', 'n5', /input port 1 is missing/]]);
  });

  test('an input port connected twice is named', () => {
    const graph = variant({
      n4: { kind: K.fromItems.kind, output: 'number', params: { items: [1], repeat: false } },
      n5: { kind: K.concurrently.kind, params: { mode: 'async' }, inputTypes: ['unknown', 'unknown'] },
    }, { outputs: ['n5'] });
    graph.addEdge('n3', 'n5', { fromPort: 0, toPort: 0 });
    graph.addEdge('n4', 'n5', { fromPort: 0, toPort: 0 });
    expectErrors(graph, [['ports', 'n5', /input port 1 is connected twice/]]);
  });

  test('inputTypes must have one entry per input', () => {
    const graph = patch(valid(), 'n3', { inputTypes: ['number', 'number'] });
    expectErrors(graph, [['ports', 'n3', /declares 2 input type\(s\) for 1 input\(s\)/]]);
  });

  test('an output consumed twice (fan-out without duplicate) is reported on the producer', () => {
    const graph = variant({
      n4: { kind: K.forEach.kind, inputs: ['n2'], inputTypes: ['number'], output: 'number', stage: closure('other') },
    }, { outputs: ['n3', 'n4'] });
    const [e] = expectErrors(graph, [['ports', 'n2', /output feeds 2 consumers; each item can be pulled only once/]]);
    assert.match(e!.hint ?? '', /duplicate/);
  });

  test('an output consumed by nothing is reported (it would never run)', () => {
    const graph = variant({ n4: { kind: K.fromItems.kind, params: { items: [1], repeat: false } } });
    const [e] = expectErrors(graph, [['ports', 'n4', /output is consumed by nothing, so it would never run/]]);
    assert.match(e!.hint ?? '', /plan output/);
  });

  test('a plan output must not also feed a consumer', () => {
    const graph = variant({ n4: { kind: K.forEach.kind, inputs: ['n3'], stage: closure('more') } }, { outputs: ['n3', 'n4'] });
    const [e] = expectErrors(graph, [['ports', 'n3', /is a plan output but also feeds a consumer; each item can be pulled only once/]]);
    assert.match(e!.hint ?? '', /duplicate/);
  });

  test('each port of a multi-output node must have exactly one consumer', () => {
    const graph = variant({
      n4: { kind: K.duplicate.kind, inputs: ['n3'], params: { n: 3, maxSkew: 1 } },
      n5: { kind: K.forEach.kind, inputs: ['n4.0'], stage: closure('a') },
      n6: { kind: K.forEach.kind, inputs: ['n4.0'], stage: closure('b') },
    }, { outputs: ['n5', 'n6'] });
    expectErrors(graph, [
      ['ports', 'n4', /output port 0 feeds 2 consumers/],
      ['ports', 'n4', /output port 1 is consumed by nothing/],
      ['ports', 'n4', /output port 2 is consumed by nothing/],
    ]);
  });

  test('a multi-output node cannot be a plan output itself', () => {
    const graph = variant({ n4: { kind: K.duplicate.kind, inputs: ['n3'], params: { n: 2, maxSkew: 1 } } }, { outputs: ['n4'] });
    expectErrors(graph, [
      ['ports', 'n4', /output port 0 is consumed by nothing/],
      ['ports', 'n4', /output port 1 is consumed by nothing/],
    ]);
  });

  test('an edge leaving from a port the node does not have', () => {
    const graph = variant({
      n4: { kind: K.duplicate.kind, inputs: ['n3'], params: { n: 2, maxSkew: 1 } },
      n5: { kind: K.forEach.kind, inputs: ['n4.0'], stage: closure('a') },
      n6: { kind: K.forEach.kind, inputs: ['n4.1'], stage: closure('b') },
      n7: { kind: K.forEach.kind, inputs: ['n4.2'], stage: closure('c') },
    }, { outputs: ['n5', 'n6', 'n7'] });
    expectErrors(graph, [['ports', 'n4', /edge leaves from output port 2, but the node has 2/]]);
  });
});

describe('verifyGraph: types', () => {
  test('a producer type that does not fit the consumer input is reported on the consumer edge', () => {
    const graph = patch(valid(), 'n3', { inputTypes: ['string'] });
    expectErrors(graph, [['types', 'n3', /input 0 expects 'string' but 'n2' produces 'number'/]]);
  });

  test('the type check runs on actor edges too, and names the producer by name', () => {
    const graph = patch(patch(valid(), 'n0', { name: 'workers/fromActors', output: 'SampleBatch' }), 'n1', { inputTypes: ['Gradients'] });
    expectErrors(graph, [['types', 'n1', /expects 'Gradients' but 'workers\/fromActors' produces 'SampleBatch'/]]);
  });

  test('unknown on either side fits; arrays, tuples and unions are checked structurally', () => {
    assert.deepEqual(verifyGraph(patch(valid(), 'n3', { inputTypes: ['unknown'] })), []);
    assert.deepEqual(verifyGraph(patch(valid(), 'n2', { output: 'unknown' })), []);
    assert.deepEqual(verifyGraph(patch(valid(), 'n3', { inputTypes: ['number | string'] })), []);
    expectErrors(patch(valid(), 'n3', { inputTypes: ['number[]'] }), [['types', 'n3', /expects 'number\[\]'/]]);
    expectErrors(patch(patch(valid(), 'n2', { output: 'number | string' }), 'n3', { inputTypes: ['number'] }), [
      ['types', 'n3', /produces 'number \| string'/],
    ]);
  });

  test('a malformed type string is reported once, on the node that declares it', () => {
    expectErrors(patch(valid(), 'n2', { output: 'number[' }), [['types', 'n2', /bad element type 'number\['/]]);
    expectErrors(patch(valid(), 'n3', { inputTypes: ['(string'] }), [['types', 'n3', /bad element type '\(string'/]]);
  });
});

describe('verifyGraph: acyclic', () => {
  test('a data cycle is reported with the nodes on it and a hint about queues', () => {
    const graph = build(
      {
        n0: { kind: K.forEach.kind, inputs: ['n1'], stage: closure('a') },
        n1: { kind: K.duplicate.kind, inputs: ['n0'], params: { n: 2, maxSkew: 1 } },
        n2: { kind: K.forEach.kind, inputs: ['n1.1'], stage: closure('b') },
      },
      { outputs: ['n2'] },
    );
    const [e] = expectErrors(graph, [['acyclic', undefined, /the plan graph has a cycle through n0, n1, n2$/]]);
    assert.match(e!.hint ?? '', /queue/);
  });

  test('the nodes on the cycle and those it blocks are named', () => {
    const graph = variant({
      n2: { kind: K.concurrently.kind, inputs: ['n1', 'n5'], params: { mode: 'async' }, placement: DRIVER },
      n4: { kind: K.duplicate.kind, inputs: ['n3'], params: { n: 2, maxSkew: 1 } },
      n5: { kind: K.forEach.kind, inputs: ['n4.1'], stage: closure('back') },
      n6: { kind: K.forEach.kind, inputs: ['n4.0'], stage: closure('out') },
    }, { outputs: ['n6'] });
    // n2 also consumes an actor stream directly (placement); the cycle is n2 -> n3 -> n4 -> n5 -> n2,
    // and n6 (fed by n4) can never be ordered either. n0 and n1 are upstream and not named.
    expectErrors(graph, [
      ['placement', 'n2', /consumes an actor-side stream directly/],
      ['acyclic', undefined, /cycle through n2, n3, n4, n5, n6$/],
    ]);
  });
});

describe('verifyGraph: placement', () => {
  test('an actor node placed on an undeclared group', () => {
    const graph = patch(valid(), 'n1', { placement: { on: 'actors', group: 'ghosts', device: 'cpu' } });
    // n1 now also consumes a stream of another group.
    expectErrors(graph, [
      ['placement', 'n1', /actor group 'ghosts' is not declared in the plan/],
      ['placement', 'n1', /an actor-side stage on 'ghosts' can only consume a stream of the same group/],
    ]);
  });

  test('a fromActors node on an undeclared group', () => {
    const graph = patch(patch(valid(), 'n0', { placement: { on: 'actors', group: 'ghosts', device: 'cpu' } }), 'n1', {
      placement: { on: 'actors', group: 'ghosts', device: 'cpu' },
    });
    expectErrors(graph, [
      ['placement', 'n0', /actor group 'ghosts' is not declared/],
      ['placement', 'n1', /actor group 'ghosts' is not declared/],
    ]);
  });

  test('a node placed on a device other than its group', () => {
    const graph = patch(valid(), 'n1', { placement: { on: 'actors', group: 'w', device: 'gpu' } });
    expectErrors(graph, [['placement', 'n1', /placed on gpu but group 'w' is on cpu/]]);
  });

  test('an actor node consuming a driver stream', () => {
    const graph = variant({
      n4: { kind: K.fromItems.kind, output: 'number', params: { items: [1], repeat: false } },
      n5: { kind: K.forEach.kind, inputs: ['n4'], output: 'number', placement: ON_W, stage: ref('double') },
      n6: { kind: K.gatherSync.kind, inputs: ['n5'] },
    }, { outputs: ['n3', 'n6'] });
    expectErrors(graph, [['placement', 'n5', /an actor-side stage on 'w' can only consume a stream of the same group/]]);
  });

  test('an actor node consuming another group', () => {
    const graph = variant({ n1: { kind: K.forEach.kind, inputs: ['n0'], output: 'number', placement: ON_V, stage: ref('double') } }, {
      groups: [group('w'), group('v')],
    });
    expectErrors(graph, [['placement', 'n1', /an actor-side stage on 'v' can only consume a stream of the same group/]]);
  });

  test('a driver node consuming an actor stream without a gather', () => {
    const graph = variant({ n2: { kind: K.forEach.kind, inputs: ['n1'], output: 'number', stage: closure('peek') } });
    const [e] = expectErrors(graph, [['placement', 'n2', /consumes an actor-side stream directly/]]);
    assert.match(e!.hint ?? '', /gatherSync|gatherAsync|batchAcrossShards/);
  });

  test("a gather's inputs must be actor-side streams", () => {
    const graph = variant({
      n4: { kind: K.fromItems.kind, output: 'number', params: { items: [1], repeat: false } },
      n5: { kind: K.gatherAsync.kind, inputs: ['n4'], params: { inFlight: 1, batchMs: 0 } },
    }, { outputs: ['n3', 'n5'] });
    expectErrors(graph, [['placement', 'n5', /a gather's inputs must be actor-side streams/]]);
  });

  test('a driver-only kind placed on actors, and an actor-only kind placed on the driver', () => {
    const onActors = variant({ n2: { kind: K.gatherSync.kind, inputs: ['n1'], output: 'number', placement: ON_W } });
    // n3 on the driver then reads n2's (actor-placed) output directly, too.
    expectErrors(onActors, [
      ['placement', 'n2', /rlflow\/gather-sync@1 runs on the driver, not on actors/],
      ['placement', 'n3', /consumes an actor-side stream directly/],
    ]);
    const onDriver = patch(patch(valid(), 'n0', { placement: DRIVER }), 'n1', { placement: DRIVER, stage: closure('d') });
    // n1 on the driver now feeds a gather directly, too.
    expectErrors(onDriver, [
      ['placement', 'n0', /rlflow\/from-actors@1 runs on actors, not on the driver/],
      ['placement', 'n2', /a gather's inputs must be actor-side streams/],
    ]);
  });

  test('fromActors shards must be indexes of the group (reported as params)', () => {
    for (const shards of [[0, 2], [], [-1], [0.5], 'all', undefined]) {
      const graph = patch(valid(), 'n0', { params: shards === undefined ? {} : { shards } });
      expectErrors(graph, [['params', 'n0', /shards must be actor indexes of group 'w' \(0\.\.1\)/]]);
    }
    assert.deepEqual(verifyGraph(patch(valid(), 'n0', { params: { shards: [1] } })), []);
  });
});

describe('verifyGraph: stage', () => {
  test('a kind that requires a stage has none', () => {
    const graph = variant({ n3: { kind: K.forEach.kind, inputs: ['n2'], inputTypes: ['number'] } });
    expectErrors(graph, [['stage', 'n3', /rlflow\/for-each@1 needs a stage/]]);
  });

  test('a kind that takes no stage has one', () => {
    const graph = patch(valid(), 'n2', { stage: closure('extra') });
    expectErrors(graph, [['stage', 'n2', /rlflow\/gather-sync@1 takes no stage/]]);
  });

  test('optional stages may be present or absent', () => {
    for (const stage of [undefined, closure('args')]) {
      const graph = variant({
        n4: { kind: K.callActors.kind, inputs: ['n3'], params: { group: 'w', method: 'set', wait: false }, ...(stage ? { stage } : {}) },
      }, { outputs: ['n4'] });
      assert.deepEqual(verifyGraph(graph), []);
    }
  });

  test('a closure on an actor-side node cannot be sent to a worker', () => {
    const graph = patch(valid(), 'n1', { stage: closure('inline') });
    const [e] = expectErrors(graph, [['stage', 'n1', /actor-side stage 'inline' is a closure/]]);
    assert.match(e!.hint ?? '', /actorStage\(import\.meta\.url/);
  });
});

describe('verifyGraph: params', () => {
  const withBatch = (n: unknown) =>
    variant({
      n4: { kind: K.batch.kind, inputs: ['n3'], params: n === undefined ? {} : { n } },
    }, { outputs: ['n4'] });

  test('batch n must be a positive integer', () => {
    for (const n of [0, -1, 1.5, '2', undefined]) {
      expectErrors(withBatch(n), [['params', 'n4', /batch size n must be a positive integer/]]);
    }
    assert.deepEqual(verifyGraph(withBatch(1)), []);
  });

  const withGatherAsync = (params: Record<string, unknown>) => variant({ n2: { kind: K.gatherAsync.kind, inputs: ['n1'], output: 'number', params } });

  test('gatherAsync inFlight must be a positive integer', () => {
    for (const inFlight of [0, 1.5, -2, undefined]) {
      expectErrors(withGatherAsync({ inFlight, batchMs: 0 }), [['params', 'n2', /inFlight must be a positive integer/]]);
    }
  });

  test('gatherAsync batchMs must be a number >= 0', () => {
    for (const batchMs of [-1, Number.NaN, '5', null]) {
      expectErrors(withGatherAsync({ inFlight: 1, batchMs }), [['params', 'n2', /batchMs must be a number >= 0/]]);
    }
    assert.deepEqual(verifyGraph(withGatherAsync({ inFlight: 3, batchMs: 2.5 })), []);
    assert.deepEqual(verifyGraph(withGatherAsync({ inFlight: 3 })), [], 'absent: one item per reply');
  });

  const withConcurrently = (params: Record<string, unknown>) =>
    variant({
      n4: { kind: K.fromItems.kind, output: 'number', params: { items: [1], repeat: false } },
      n5: { kind: K.fromItems.kind, output: 'number', params: { items: [2], repeat: false } },
      n6: { kind: K.concurrently.kind, inputs: ['n3', 'n4', 'n5'], params },
    }, { outputs: ['n6'] });

  test('concurrently: valid parameter sets', () => {
    for (const params of [
      { mode: 'async' },
      { mode: 'roundRobin' },
      { mode: 'roundRobin', weights: [1, 2, 0.5] },
      { mode: 'roundRobin', weights: ['*', 1, '*'] },
      { mode: 'async', outputIndexes: [2] },
      { mode: 'roundRobin', weights: [1, 1, 1], outputIndexes: [2, 0] },
    ]) {
      assert.deepEqual(verifyGraph(withConcurrently(params)).map((e) => e.message), [], JSON.stringify(params));
    }
  });

  test('concurrently: mode and weights', () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ mode: 'parallel' }, /mode must be 'roundRobin' or 'async'/],
      [{}, /mode must be 'roundRobin' or 'async'/],
      [{ mode: 'async', weights: [1, 1, 1] }, /weights are only allowed in mode 'roundRobin'/],
      [{ mode: 'roundRobin', weights: [1, 1] }, /weights must list one weight per stream \(3\)/],
      [{ mode: 'roundRobin', weights: 'heavy' }, /weights must list one weight per stream/],
      [{ mode: 'roundRobin', weights: [1, 0, 1] }, /each weight must be a number > 0 or '\*'.*got 0/],
      [{ mode: 'roundRobin', weights: [1, -2, 1] }, /each weight must be a number > 0/],
      [{ mode: 'roundRobin', weights: [1, 'x', 1] }, /each weight must be a number > 0 or '\*'/],
      [{ mode: 'roundRobin', weights: [1, Number.POSITIVE_INFINITY, 1] }, /each weight must be a number > 0/],
      [{ mode: 'roundRobin', weights: ['*', '*', '*'] }, /weights must not all be '\*'/],
    ];
    for (const [params, reason] of cases) expectErrors(withConcurrently(params), [['params', 'n6', reason]]);
  });

  test('concurrently: outputIndexes', () => {
    const cases: Array<[unknown, RegExp]> = [
      [[], /outputIndexes must be a non-empty list/],
      ['0', /outputIndexes must be a non-empty list/],
      [[3], /outputIndexes must be stream positions 0\.\.2, got 3/],
      [[-1], /outputIndexes must be stream positions 0\.\.2, got -1/],
      [[0.5], /outputIndexes must be stream positions/],
      [[1, 1], /outputIndexes lists 1 twice/],
    ];
    for (const [outputIndexes, reason] of cases) {
      expectErrors(withConcurrently({ mode: 'async', outputIndexes }), [['params', 'n6', reason]]);
    }
  });

  test('duplicate n must be >= 2 and maxSkew a positive integer', () => {
    const withDuplicate = (params: Record<string, unknown>, consumers: number) => {
      const nodes: Record<string, NodeSpec> = { n4: { kind: K.duplicate.kind, inputs: ['n3'], params } };
      const outputs: string[] = [];
      for (let k = 0; k < consumers; k++) {
        nodes[`n${5 + k}`] = { kind: K.forEach.kind, inputs: [`n4.${k}`], stage: closure(`c${k}`) };
        outputs.push(`n${5 + k}`);
      }
      return variant(nodes, { outputs });
    };
    expectErrors(withDuplicate({ n: 1, maxSkew: 1 }, 1), [['params', 'n4', /duplicate needs n >= 2 outputs, got 1/]]);
    expectErrors(withDuplicate({ n: 2, maxSkew: 0 }, 2), [['params', 'n4', /maxSkew must be a positive integer, got 0/]]);
    expectErrors(withDuplicate({ n: 2 }, 2), [['params', 'n4', /maxSkew must be a positive integer/]]);
    assert.deepEqual(verifyGraph(withDuplicate({ n: 3, maxSkew: 2 }, 3)), []);
  });
});

describe('verifyGraph: queues', () => {
  const q: QueueSpec = { name: 'q', capacity: 2, itemType: 'number', source: { file: PLAN_FILE, line: 99, column: 1 } };
  const enqueueNodes: Record<string, NodeSpec> = {
    n4: { kind: K.fromItems.kind, output: 'number', params: { items: [1], repeat: false } },
    n5: { kind: K.enqueue.kind, inputs: ['n4'], output: 'number', params: { queue: 'q' } },
  };
  const dequeueNodes: Record<string, NodeSpec> = {
    n6: { kind: K.dequeue.kind, output: 'number', params: { queue: 'q' } },
  };

  test('a queue with both ends verifies', () => {
    assert.deepEqual(verifyGraph(variant({ ...enqueueNodes, ...dequeueNodes }, { outputs: ['n3', 'n5', 'n6'], queues: [q] })), []);
  });

  test('enqueue or dequeue on an undeclared queue', () => {
    const graph = variant({ ...enqueueNodes, ...dequeueNodes }, { outputs: ['n3', 'n5', 'n6'] });
    expectErrors(graph, [
      ['queues', 'n5', /queue 'q' is not declared in the plan/],
      ['queues', 'n6', /queue 'q' is not declared in the plan/],
    ]);
  });

  test('a queue that is never filled is reported at the queue, with its declaration line', () => {
    const graph = variant(dequeueNodes, { outputs: ['n3', 'n6'], queues: [q] });
    const [e] = expectErrors(graph, [['queues', 'queue:q', /queue 'q' is never filled: no enqueue uses it/]]);
    assert.equal(e!.nodeName, 'queue q');
    assert.deepEqual(e!.source, q.source);
  });

  test('a queue that is never drained is reported at the queue', () => {
    const graph = variant(enqueueNodes, { outputs: ['n3', 'n5'], queues: [q] });
    expectErrors(graph, [['queues', 'queue:q', /queue 'q' is never drained: no dequeue uses it/]]);
  });

  test('an unused queue is reported as both', () => {
    const graph = variant({}, { queues: [q, { name: 'a', capacity: 1, itemType: 'unknown' }] });
    expectErrors(graph, [
      ['queues', 'queue:a', /never filled/],
      ['queues', 'queue:a', /never drained/],
      ['queues', 'queue:q', /never filled/],
      ['queues', 'queue:q', /never drained/],
    ]);
  });
});

describe('verifyGraph: names and outputs', () => {
  test('two nodes with the same name', () => {
    const graph = patch(valid(), 'n2', { name: 'n1' });
    const [e] = expectErrors(graph, [['names', 'n2', /node name 'n1' is used by both n1 and n2/]]);
    assert.match(e!.hint ?? '', /another name/);
  });

  test('a node whose id attribute differs from its key', () => {
    const graph = patch(valid(), 'n2', { id: 'n9' });
    const errors = verifyGraph(graph);
    assert.equal(errors.length, 1);
    assert.equal(errors[0]!.invariant, 'names');
    assert.match(errors[0]!.reason, /node attribute id 'n9' differs from its key 'n2'/);
  });

  test('a plan with no output', () => {
    const graph = build({ n0: { kind: K.fromItems.kind, params: { items: [], repeat: false } } }, { outputs: [] });
    expectErrors(graph, [
      ['outputs', undefined, /the plan has no output stream/],
      ['ports', 'n0', /consumed by nothing/],
    ]);
  });

  test('an output that is not a node', () => {
    expectErrors(variant({}, { outputs: ['n3', 'n42'] }), [['outputs', undefined, /output 'n42' is not a node of the plan/]]);
  });
});

describe('verifyGraph: extension kinds', () => {
  test('a registered extension kind is verified with its own spec', () => {
    const spec = registerKind({
      kind: 'test-verify/sample@1',
      summary: 'test kind with a parameter check',
      inputs: { min: 1, max: 1 },
      placement: 'driver',
      stage: 'none',
      sideEffects: false,
      checkParams: (p) => (p['ok'] === true ? undefined : 'ok must be true'),
    });
    const good = variant({ n4: { kind: spec.kind, inputs: ['n3'], params: { ok: true } } }, { outputs: ['n4'] });
    assert.deepEqual(verifyGraph(good), []);
    const bad = variant({ n4: { kind: spec.kind, inputs: ['n3'], params: { ok: false } } }, { outputs: ['n4'] });
    expectErrors(bad, [['params', 'n4', /^params: ok must be true$/]]);
  });
});

describe('assertVerified', () => {
  test('returns the graph when it is valid', () => {
    const graph = valid();
    assert.equal(assertVerified(graph), graph);
  });

  test('throws the only violation as is', () => {
    const graph = patch(valid(), 'n3', { inputTypes: ['string'] });
    const [only] = verifyGraph(graph);
    assert.throws(
      () => assertVerified(graph),
      (e: unknown) => {
        assert.ok(e instanceof VerificationError);
        assert.equal(e.invariant, 'types');
        assert.equal(e.nodeId, 'n3');
        assert.equal(e.message, only!.message);
        return true;
      },
    );
  });

  test('aggregates several violations into the first one, counting and listing the rest', () => {
    const graph = patch(patch(valid(), 'n3', { inputTypes: ['string'] }), 'n1', { stage: closure('inline') });
    const errors = verifyGraph(graph);
    assert.equal(errors.length, 2);
    const [first, second] = errors;
    assert.throws(
      () => assertVerified(graph),
      (e: unknown) => {
        assert.ok(e instanceof VerificationError);
        assert.equal(e.name, 'VerificationError');
        assert.equal(e.invariant, first!.invariant);
        assert.equal(e.nodeId, first!.nodeId);
        assert.equal(e.nodeName, first!.nodeName);
        assert.deepEqual(e.source, first!.source);
        assert.equal(e.hint, first!.hint);
        // The reason keeps a single invariant prefix, then counts and lists the others.
        assert.ok(e.reason.startsWith(`${first!.invariant}: `));
        assert.ok(!e.reason.startsWith(`${first!.invariant}: ${first!.invariant}:`), e.reason);
        assert.ok(e.reason.includes(first!.reason.slice(first!.invariant.length + 2)), e.reason);
        assert.match(e.reason, /\(and 1 more: /);
        assert.ok(e.reason.includes(second!.message.split('\n')[0]!), e.reason);
        return true;
      },
    );
  });

  test('counts all the remaining violations', () => {
    const graph = patch(patch(patch(valid(), 'n3', { inputTypes: ['string'] }), 'n1', { stage: closure('inline') }), 'n2', { name: 'n1' });
    const errors = verifyGraph(graph);
    assert.equal(errors.length, 3);
    assert.throws(() => assertVerified(graph), (e: unknown) => e instanceof VerificationError && /\(and 2 more: [^;]+; [^;]+\)/.test(e.reason));
  });
});
