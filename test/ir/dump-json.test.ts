// Tests for the stable text dump (src/ir/dump.ts) and the JSON round trip (src/ir/json.ts) of IR graphs:
// dumps are deterministic and golden-testable, and a graph survives graphToJson -> JSON text ->
// graphFromJson unchanged, with driver closures written as names and re-attached on load.

import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { compile, concurrently, dequeue, fromActors, actors, queue } from '../../src/dsl/index.js';
import { dumpGraph, stableJson } from '../../src/ir/dump.js';
import { PlanError } from '../../src/ir/errors.js';
import { graphFromJson, graphToJson, type PlanJson } from '../../src/ir/json.js';
import { IR_SCHEMA_VERSION } from '../../src/ir/types.js';
import { verifyGraph } from '../../src/ir/verify.js';
import { Counter, isEven, scale } from '../fixtures/counters.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

function sum(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}
function positive(x: number): boolean {
  return x > 0;
}

/** A small plan touching groups (with args), stage args, a queue, duplicate ports and concurrently. */
function makePlan() {
  const workers = actors(Counter, { count: 2, name: 'workers', args: [0, 10] });
  const buf = queue<number>('buf', { capacity: 4, type: 'number' });
  const gathered = fromActors(workers).forEach(scale.with(3)).filter(isEven).gatherAsync({ inFlight: 2 });
  const [toStore, toCheck] = gathered.duplicate(2);
  const stored = toStore!.enqueue(buf);
  const checked = toCheck!.filter(positive);
  const trained = dequeue(buf).batch(2).forEach(sum, { out: 'number', name: 'train' });
  return concurrently([stored, checked, trained], { mode: 'roundRobin', outputIndexes: [2] });
}

const GOLDEN = `plan "golden" schema=1
group workers = test/fixtures/counters.ts#Counter x2 {"cpus":1,"gpus":0} cpu items:number args=[0,10]
queue buf capacity=4 items:number
outputs n10
n0 "workers/fromActors" = rlflow/from-actors@1() -> number @workers:cpu {"shards":[0,1]}
n1 "workers/forEach(scale)" = rlflow/for-each@1(n0) in:number -> number @workers:cpu stage=test/fixtures/counters.ts#scale[3]
n2 "workers/filter(isEven)" = rlflow/filter@1(n1) in:number -> number @workers:cpu stage=test/fixtures/counters.ts#isEven
n3 "gatherAsync" = rlflow/gather-async@1(n2) in:unknown -> number @driver {"inFlight":2}
n4 "duplicate(2)" = rlflow/duplicate@1(n3) in:unknown -> number @driver {"maxSkew":1,"n":2}
n5 "enqueue(buf)" = rlflow/enqueue@1(n4) in:number -> number @driver {"queue":"buf"}
n6 "filter(positive)" = rlflow/filter@1(n4.1) in:unknown -> number @driver stage=closure(positive)
n7 "dequeue(buf)" = rlflow/dequeue@1() -> number @driver {"queue":"buf"}
n8 "batch(2)" = rlflow/batch@1(n7) in:unknown -> number[] @driver {"n":2}
n9 "train" = rlflow/for-each@1(n8) in:unknown -> number @driver stage=closure(sum)
n10 "concurrently(roundRobin)" = rlflow/concurrently@1(n5, n6, n9) in:unknown,unknown,unknown -> number @driver {"mode":"roundRobin","outputIndexes":[2]}
`;

async function compiled() {
  return (await compile(makePlan(), { name: 'golden' })).graph;
}

describe('dumpGraph', () => {
  test('golden dump of a small known plan', async () => {
    assert.equal(dumpGraph(await compiled(), { sources: false, root: ROOT }), GOLDEN);
  });

  test('the same plan compiled twice dumps identically', async () => {
    const a = await compiled();
    const b = await compiled();
    assert.equal(dumpGraph(a, { sources: false }), dumpGraph(b, { sources: false }));
    assert.equal(dumpGraph(a, { sources: false, root: ROOT }), dumpGraph(b, { sources: false, root: ROOT }));
    // Built by the same lines, so even the source locations agree.
    assert.equal(dumpGraph(a, { root: ROOT }), dumpGraph(b, { root: ROOT }));
  });

  test('dumping is a pure function of the graph', async () => {
    const graph = await compiled();
    const first = dumpGraph(graph, { root: ROOT });
    assert.equal(dumpGraph(graph, { root: ROOT }), first);
    assert.equal(dumpGraph(graph, { sources: false, root: ROOT }), GOLDEN);
  });

  test('sources are printed by default, relative to root, one per node', async () => {
    const graph = await compiled();
    const lines = dumpGraph(graph, { root: ROOT }).trimEnd().split('\n');
    const nodeLines = lines.filter((l) => /^n\d+ /.test(l));
    assert.equal(nodeLines.length, graph.order);
    for (const line of nodeLines) assert.match(line, /\s{2}# test\/ir\/dump-json\.test\.ts:\d+:\d+$/);
    // Without sources the lines are the golden ones.
    assert.deepEqual(
      nodeLines.map((l) => l.replace(/\s{2}# .*$/, '')),
      GOLDEN.trimEnd().split('\n').filter((l) => /^n\d+ /.test(l)),
    );
  });

  test('module paths are shown relative to the given root', async () => {
    const graph = await compiled();
    const fromTest = dumpGraph(graph, { sources: false, root: path.join(ROOT, 'test') });
    assert.match(fromTest, /group workers = fixtures\/counters\.ts#Counter /);
    assert.match(fromTest, /stage=fixtures\/counters\.ts#scale\[3\]/);
  });

  test('node order is topological, ties broken by numeric id', async () => {
    const graph = await compiled();
    const ids = dumpGraph(graph, { sources: false })
      .split('\n')
      .filter((l) => /^n\d+ /.test(l))
      .map((l) => l.split(' ')[0]);
    assert.deepEqual(ids, ['n0', 'n1', 'n2', 'n3', 'n4', 'n5', 'n6', 'n7', 'n8', 'n9', 'n10']);
  });
});

describe('stableJson', () => {
  test('sorts object keys at every level and keeps array order', () => {
    assert.equal(stableJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } }), '{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}');
    assert.equal(stableJson({ b: 1, a: 2 }), stableJson({ a: 2, b: 1 }));
    assert.equal(stableJson([2, 1]), '[2,1]');
  });
});

describe('graphToJson / graphFromJson', () => {
  test('round trip through JSON text gives an identical dump and identical JSON', async () => {
    const graph = await compiled();
    const json = graphToJson(graph);
    const text = JSON.stringify(json);
    const reloaded = graphFromJson(JSON.parse(text) as PlanJson);
    assert.equal(dumpGraph(reloaded, { root: ROOT }), dumpGraph(graph, { root: ROOT }));
    assert.equal(dumpGraph(reloaded, { sources: false, root: ROOT }), GOLDEN);
    assert.deepEqual(graphToJson(reloaded), json);
    assert.equal(JSON.stringify(graphToJson(reloaded)), text);
    assert.deepEqual(verifyGraph(reloaded), []);
    assert.deepEqual(reloaded.getAttributes(), graph.getAttributes());
  });

  test('the JSON document is plain data with the schema version, nodes and port-numbered edges', async () => {
    const graph = await compiled();
    const json = graphToJson(graph);
    assert.equal(json.schemaVersion, IR_SCHEMA_VERSION);
    assert.equal(json.name, 'golden');
    assert.deepEqual(json.outputs, ['n10']);
    assert.deepEqual(Object.keys(json.actorGroups), ['workers']);
    assert.deepEqual(Object.keys(json.queues), ['buf']);
    assert.deepEqual(json.nodes.map((n) => n.id), ['n0', 'n1', 'n2', 'n3', 'n4', 'n5', 'n6', 'n7', 'n8', 'n9', 'n10']);
    assert.equal(json.edges.length, graph.size);
    assert.deepEqual(json.edges.find((e) => e.to === 'n6'), { from: 'n4', to: 'n6', fromPort: 1, toPort: 0 });
    assert.deepEqual(json.edges.filter((e) => e.to === 'n10').map((e) => [e.from, e.toPort]), [['n5', 0], ['n6', 1], ['n9', 2]]);
    assert.deepEqual(JSON.parse(JSON.stringify(json)), json);
  });

  test('closures are written as names and re-attached through `closures`', async () => {
    const graph = await compiled();
    const original = graph.getNodeAttributes('n9').stage;
    assert.equal(original?.type, 'closure');
    assert.equal(original?.type === 'closure' ? original.fn : undefined, sum);

    const json = graphToJson(graph);
    const n9 = json.nodes.find((n) => n.id === 'n9')!;
    const n6 = json.nodes.find((n) => n.id === 'n6')!;
    assert.deepEqual(n9.stage, { type: 'closure', name: 'sum' });
    assert.deepEqual(n6.stage, { type: 'closure', name: 'positive' });
    // Refs stay refs, with their plain-data args.
    const n1 = json.nodes.find((n) => n.id === 'n1')!;
    assert.equal(n1.stage?.type, 'ref');
    assert.deepEqual(n1.stage?.type === 'ref' ? [n1.stage.ref.name, n1.stage.args] : undefined, ['scale', [3]]);

    const bare = graphFromJson(json);
    const bareStage = bare.getNodeAttributes('n9').stage;
    assert.deepEqual(bareStage, { type: 'closure', name: 'sum' });
    assert.deepEqual(verifyGraph(bare), [], 'a graph without its closures still verifies');

    const other = (xs: number[]) => xs.length;
    const withClosures = graphFromJson(json, { closures: { sum: other, positive } });
    const s9 = withClosures.getNodeAttributes('n9').stage;
    const s6 = withClosures.getNodeAttributes('n6').stage;
    assert.equal(s9?.type === 'closure' ? s9.fn : undefined, other);
    assert.equal(s9?.type === 'closure' ? s9.name : undefined, 'sum');
    assert.equal(s6?.type === 'closure' ? s6.fn : undefined, positive);
    // Closures not named in `closures` stay unattached; refs are untouched.
    const partial = graphFromJson(json, { closures: { positive } });
    assert.deepEqual(partial.getNodeAttributes('n9').stage, { type: 'closure', name: 'sum' });
    assert.deepEqual(partial.getNodeAttributes('n1').stage, graph.getNodeAttributes('n1').stage);
    // Re-attaching changes nothing visible in the dump.
    assert.equal(dumpGraph(withClosures, { sources: false, root: ROOT }), GOLDEN);
  });

  test('loading does not alias the JSON document', async () => {
    const json = graphToJson(await compiled());
    const reloaded = graphFromJson(json);
    (json.nodes[0] as { name: string }).name = 'mutated';
    assert.equal(reloaded.getNodeAttributes('n0').name, 'workers/fromActors');
  });

  test('a schema version mismatch throws PlanError naming both versions', async () => {
    const json = graphToJson(await compiled());
    for (const version of [IR_SCHEMA_VERSION + 1, 0, undefined, '1']) {
      assert.throws(
        () => graphFromJson({ ...json, schemaVersion: version } as unknown as PlanJson),
        (e: unknown) => {
          assert.ok(e instanceof PlanError);
          assert.equal(e.name, 'PlanError');
          assert.match(e.message, new RegExp(`schema version ${String(version)}; this rlflow reads version ${IR_SCHEMA_VERSION}`));
          return true;
        },
      );
    }
  });

  test('malformed JSON documents throw PlanError', async () => {
    const json = graphToJson(await compiled());
    const bad: unknown[] = [
      null,
      undefined,
      42,
      'plan',
      {},
      { schemaVersion: IR_SCHEMA_VERSION, name: 'x', nodes: 'n0', edges: [] },
      { schemaVersion: IR_SCHEMA_VERSION, name: 'x', nodes: [], edges: {} },
    ];
    for (const doc of bad) {
      assert.throws(() => graphFromJson(doc as PlanJson), (e: unknown) => e instanceof PlanError && /not an rlflow plan JSON document/.test(e.message), JSON.stringify(doc) ?? 'undefined');
    }
    const dangling = { ...json, edges: [...json.edges, { from: 'n3', to: 'n99', fromPort: 0, toPort: 0 }] };
    assert.throws(() => graphFromJson(dangling), (e: unknown) => e instanceof PlanError && /edge n3 -> n99 names a missing node/.test(e.message));
    const fromMissing = { ...json, edges: [{ from: 'nope', to: 'n1', fromPort: 0, toPort: 0 }] };
    assert.throws(() => graphFromJson(fromMissing), PlanError);
  });

  test('a minimal document loads with defaults for the optional graph attributes', () => {
    const graph = graphFromJson({
      schemaVersion: IR_SCHEMA_VERSION,
      name: 'tiny',
      nodes: [
        { id: 'n0', kind: 'rlflow/from-items@1', name: 'items', output: 'number', inputTypes: [], params: { items: [1], repeat: false }, placement: { on: 'driver' } },
      ],
      edges: [],
    } as unknown as PlanJson);
    assert.deepEqual(graph.getAttribute('actorGroups'), {});
    assert.deepEqual(graph.getAttribute('queues'), {});
    assert.deepEqual(graph.getAttribute('outputs'), []);
    assert.equal(dumpGraph(graph), 'plan "tiny" schema=1\noutputs \nn0 "items" = rlflow/from-items@1() -> number @driver {"items":[1],"repeat":false}\n');
  });
});
